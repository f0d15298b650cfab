"""Joint meetings for staff: load → check access (roles here, the committee's chair and the objects in the
engine) → act. A refused form comes back with the engine's messages next to its fields."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import ValidationError
from engine.joint.service import JointService
from engine.rectification.service import RectificationService
from web.access import current_actor, roles
from web.joint.blueprint import bp
from web.joint.forms import (
    ApproveForm,
    CadenceForm,
    CommitteeForm,
    DoneForm,
    MeetingForm,
    SittingForm,
    UnitForm,
    attendees,
)
from web.projects.forms import place_engine_errors

#: Staff who follow joint meetings (the engine checks the same).
READERS = ("grid_worker", "council", "supervisor", "auditor", "admin")
#: The street office sets committees up and their cadence.
SETTERS = ("supervisor", "admin")
#: The council (and the street office) register units, schedule and record sittings, confirm execution.
ORGANISERS = ("council", "supervisor")


def joint() -> JointService:
    service: JointService = current_app.extensions["casegrid.joint"]
    return service


def _communities() -> list[str]:
    return joint().communities()


@bp.route("")
@roles(*READERS)
def index() -> ResponseReturnValue:
    return _index_page(CommitteeForm(communities=_communities()), [])


@bp.route("", methods=["POST"])
@roles(*SETTERS)
def create() -> ResponseReturnValue:
    form = CommitteeForm(communities=_communities())
    if not form.validate():
        return _index_page(form, [], 400)
    try:
        committee_id = joint().create_committee(community=form.community.data, chair_username=form.chair_username.data,
                                                cadence_months=form.cadence_months.data,
                                                remind_days=form.remind_days.data, actor=current_actor())
    except ValidationError as error:
        return _index_page(form, place_engine_errors(form, error.field_errors), 400)
    flash(_("已设立 %(c)s 联席会议", c=form.community.data))
    return redirect(url_for("joint.committee", committee_id=committee_id))


def _index_page(form: CommitteeForm, messages: list[str], status: int = 200) -> ResponseReturnValue:
    actor = current_actor()
    return render_template("joint/index.html", rows=joint().committees(actor),
                           form=form if actor.role in SETTERS else None, messages=messages), status


@bp.route("/<int:committee_id>")
@roles(*READERS)
def committee(committee_id: int) -> ResponseReturnValue:
    return _committee_page(committee_id)


def _committee_page(committee_id: int, status: int = 200, messages: list[str] | None = None,
                    **forms: object) -> ResponseReturnValue:
    actor = current_actor()
    page = joint().committee(committee_id, actor)
    c = page.committee
    cadence = forms.get("cadence") or CadenceForm(data={"chair_username": c.chair_username,
                                                        "cadence_months": c.cadence_months,
                                                        "remind_days": page.remind_days})
    return render_template(
        "joint/committee.html", page=page, messages=messages or [],
        unit_form=(forms.get("unit") or UnitForm()) if actor.role in ORGANISERS else None,
        meeting_form=(forms.get("meeting") or MeetingForm()) if actor.role in ORGANISERS else None,
        cadence_form=cadence if actor.role in SETTERS else None), status


@bp.route("/<int:committee_id>/cadence", methods=["POST"])
@roles(*SETTERS)
def cadence(committee_id: int) -> ResponseReturnValue:
    form = CadenceForm()
    if not form.validate():
        return _committee_page(committee_id, 400, cadence=form)
    try:
        joint().set_cadence(committee_id, cadence_months=form.cadence_months.data, remind_days=form.remind_days.data,
                            chair_username=form.chair_username.data, actor=current_actor())
    except ValidationError as error:
        return _committee_page(committee_id, 400, place_engine_errors(form, error.field_errors), cadence=form)
    flash(_("已保存召开周期和召集人"))
    return redirect(url_for("joint.committee", committee_id=committee_id))


@bp.route("/<int:committee_id>/units", methods=["POST"])
@roles(*ORGANISERS)
def add_unit(committee_id: int) -> ResponseReturnValue:
    form = UnitForm()
    if not form.validate():
        return _committee_page(committee_id, 400, unit=form)
    try:
        joint().add_unit(committee_id, name=form.name.data, kind=form.kind.data,
                         representative=form.representative.data, actor=current_actor())
    except ValidationError as error:
        return _committee_page(committee_id, 400, place_engine_errors(form, error.field_errors), unit=form)
    flash(_("已登记成员单位 %(n)s", n=form.name.data))
    return redirect(url_for("joint.committee", committee_id=committee_id))


@bp.route("/<int:committee_id>/meetings", methods=["POST"])
@roles(*ORGANISERS)
def schedule(committee_id: int) -> ResponseReturnValue:
    form = MeetingForm()
    if not form.validate():
        return _committee_page(committee_id, 400, meeting=form)
    try:
        meeting_id = joint().schedule_meeting(committee_id, title=form.title.data, scheduled_for=form.when(),
                                              location=form.location.data, actor=current_actor())
    except ValidationError as error:
        return _committee_page(committee_id, 400, place_engine_errors(form, error.field_errors), meeting=form)
    flash(_("已安排会议"))
    return redirect(url_for("joint.meeting", meeting_id=meeting_id))


@bp.route("/meetings/<int:meeting_id>")
@roles(*READERS)
def meeting(meeting_id: int) -> ResponseReturnValue:
    return _meeting_page(meeting_id)


def _meeting_page(meeting_id: int, status: int = 200, messages: list[str] | None = None,
                  form: SittingForm | None = None) -> ResponseReturnValue:
    actor = current_actor()
    page = joint().meeting(meeting_id, actor)
    may_organise = actor.role in ORGANISERS
    rectification: RectificationService = current_app.extensions["casegrid.rectification"]
    held = page.meeting.status == "held"
    return render_template("joint/meeting.html", page=page, messages=messages or [],
                           items=rectification.of_source("joint_meeting", meeting_id, actor) if held else [],
                           may_raise=held and actor.role in ("supervisor", "auditor", "council"),
                           form=(form or SittingForm()) if may_organise and page.meeting.status == "scheduled" else None,
                           chosen=request.form.getlist("present") if form else [],
                           done_form=DoneForm() if may_organise else None,
                           approve_form=ApproveForm() if actor.username == page.chair_username else None), status


@bp.route("/meetings/<int:meeting_id>/sitting", methods=["POST"])
@roles(*ORGANISERS)
def record(meeting_id: int) -> ResponseReturnValue:
    form = SittingForm()
    page = joint().meeting(meeting_id, current_actor())
    if not form.validate():
        return _meeting_page(meeting_id, 400, form=form)
    try:
        joint().record_sitting(meeting_id, attendees=attendees(request.form, [u.id for u in page.units]),
                               resolutions=form.resolutions.data or "", minutes=form.minutes.data,
                               actor=current_actor())
    except ValidationError as error:
        return _meeting_page(meeting_id, 400, place_engine_errors(form, error.field_errors), form)
    flash(_("已记录会议，纪要待召集人审定后公示"))
    return redirect(url_for("joint.meeting", meeting_id=meeting_id))


@bp.route("/meetings/<int:meeting_id>/approve", methods=["POST"])
@roles("council")
def approve(meeting_id: int) -> ResponseReturnValue:
    form = ApproveForm()
    if not form.validate():
        return _meeting_page(meeting_id, 400)
    joint().approve_minutes(meeting_id, current_actor())  # the committee's chair only (engine)
    flash(_("纪要已审定，已在社区公示栏公示"))
    return redirect(url_for("joint.meeting", meeting_id=meeting_id))


@bp.route("/resolutions/<int:resolution_id>/done", methods=["POST"])
@roles(*ORGANISERS)
def done(resolution_id: int) -> ResponseReturnValue:
    form = DoneForm()
    if not form.validate():
        return redirect(request.referrer or url_for("joint.index"))
    meeting_id = joint().mark_done(resolution_id, current_actor(), note=form.note.data)
    flash(_("已确认决议执行完毕"))
    return redirect(url_for("joint.meeting", meeting_id=meeting_id))
