"""The field pages: load → check access (in the engine) → act. A grid worker sees their own grid only."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import ConflictError, ValidationError
from engine.calendar import china_date
from engine.evidence.service import FileToSend
from engine.field.flags import FLAGS
from engine.field.service import FieldService
from web import services
from web.access import current_actor, roles
from web.field.blueprint import bp
from web.field.forms import (
    ActiveForm,
    FlagsForm,
    GenerateForm,
    ImportForm,
    MeetingForm,
    MemberForm,
    NeedToCaseForm,
    NoteForm,
    NoteRequestForm,
    PlanForm,
    RevealForm,
    VisitForm,
    place_engine_errors,
)
from web.uploads import posted_files, receive_all

#: Staff who read field records (the engine narrows a grid worker to their grid).
READERS = ("grid_worker", "supervisor", "auditor")
#: Staff who record visits and 恳谈会.
RECORDERS = ("grid_worker",)
#: Staff who flag households.
FLAGGERS = ("grid_worker", "supervisor")
#: Staff who keep the visit plans.
PLANNERS = ("supervisor",)
#: Most photos one visit form takes.
MAX_PHOTOS = 9


def field() -> FieldService:
    service: FieldService = current_app.extensions["casegrid.field"]
    return service


@bp.route("")
@roles(*READERS)
def index() -> ResponseReturnValue:
    actor = current_actor()
    return render_template("field/index.html", due=field().due_list(actor), counts=field().due_count(actor),
                           visits=field().recent_visits(actor)[:20], may_record=actor.role in RECORDERS)


@bp.route("/households")
@roles(*READERS)
def households() -> ResponseReturnValue:
    flag = request.args.get("flag") or None
    flag = flag if flag in FLAGS else None
    return render_template("field/households.html", rows=field().households(current_actor(), flag=flag),
                           flags=FLAGS, chosen=flag, may_import=current_actor().role in FLAGGERS)


@bp.route("/households/<int:household_id>")
@roles(*READERS)
def household(household_id: int) -> ResponseReturnValue:
    return _household_page(household_id)


def _household_page(household_id: int, status: int = 200, *, member: MemberForm | None = None,
                    note: NoteForm | None = None) -> ResponseReturnValue:
    actor = current_actor()
    page = field().household(household_id, actor)
    writes = actor.role in FLAGGERS
    return render_template("field/household.html", page=page, file=field().household_file(household_id, actor),
                           flags=FLAGS, form=FlagsForm(data={"flags": page.row.flags}) if writes else None,
                           member=(member or MemberForm()) if writes else None,
                           note=(note or NoteForm()) if writes else None, reveal=RevealForm(), ask=NoteRequestForm(),
                           may_record=actor.role in RECORDERS), status


@bp.route("/households/<int:household_id>/members", methods=["POST"])
@roles(*FLAGGERS)
def add_member(household_id: int) -> ResponseReturnValue:
    form = MemberForm()
    if not form.validate():
        return _household_page(household_id, 400, member=form)
    try:
        field().add_member(household_id, name=form.name.data, relation=form.relation.data,
                           birth_year=form.birth_year.data, actor=current_actor())
    except ValidationError as error:
        place_engine_errors(form, error.field_errors)
        return _household_page(household_id, 400, member=form)
    flash(_("已添加成员"))
    return redirect(url_for("field.household", household_id=household_id))


@bp.route("/households/<int:household_id>/notes", methods=["POST"])
@roles(*FLAGGERS)
def add_note(household_id: int) -> ResponseReturnValue:
    form = NoteForm()
    if not form.validate():
        return _household_page(household_id, 400, note=form)
    try:
        field().add_note(household_id, text=form.text.data, sensitive=bool(form.sensitive.data),
                         actor=current_actor())
    except ValidationError as error:
        place_engine_errors(form, error.field_errors)
        return _household_page(household_id, 400, note=form)
    flash(_("已添加备注"))
    return redirect(url_for("field.household", household_id=household_id))


@bp.route("/notes/<int:note_id>/request", methods=["POST"])
@roles(*READERS)
def request_note(note_id: int) -> ResponseReturnValue:
    """Ask the supervisor (社区书记) to approve reading a sensitive note: a purpose and a detail, logged."""
    form = NoteRequestForm()
    if not form.validate():
        return render_template("field/note.html", text=None, message=_("表单已过期或填写有误，请返回后重试。")), 400
    try:
        field().request_note(note_id, form.purpose.data or None, form.detail.data or None, current_actor())
    except ValidationError as error:
        message = "；".join(_(m) for m in error.field_errors.values()) or _(error.message)
        return render_template("field/note.html", text=None, message=message), 400
    flash(_("已提交查看申请，等待街道督办（社区书记）审批"))
    return redirect(request.referrer if _same_site(request.referrer) else url_for("field.households"))


def _same_site(url: str | None) -> bool:
    return bool(url) and str(url).startswith(request.host_url + "field/households/")


@bp.route("/notes/<int:note_id>/read", methods=["POST"])
@roles(*READERS)
def read_note(note_id: int) -> ResponseReturnValue:
    """A sensitive note, shown under a running approval once the view is in the access log (never cached)."""
    form = RevealForm()
    if not form.validate():
        abort(400)
    text = field().read_note(note_id, current_actor())
    response = current_app.make_response(render_template("field/note.html", text=text, message=None))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/households/export.<any(csv,xlsx):kind>")
@roles(*READERS)
def export_households(kind: str) -> ResponseReturnValue:
    data = field().export_households(current_actor(), kind)
    mimetype = ("text/csv; charset=utf-8" if kind == "csv"
                else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response = current_app.response_class(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename=households.{kind}"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/households/import", methods=["GET", "POST"])
@roles(*FLAGGERS)
def import_households() -> ResponseReturnValue:
    actor = current_actor()
    grids = services.people().grids()
    if actor.role == "grid_worker":
        grids = {c: n for c, n in grids.items() if c == actor.grid_code}
    form = ImportForm(grids=grids)
    if not form.is_submitted():
        return render_template("field/import.html", form=form, messages=[])
    upload = request.files.get("file")
    if not form.validate() or upload is None or not upload.filename:
        return render_template("field/import.html", form=form, messages=[_("请选择要导入的文件")]), 400
    try:
        done = field().import_households(form.grid_code.data, upload.stream.read(2 * 1024 * 1024 + 1),
                                         upload.filename, actor)
    except ValidationError as error:
        return render_template("field/import.html", form=form,
                               messages=list(error.field_errors.values()) or [error.message]), 400
    flash(_("已导入：新增 %(added)d 户，更新 %(updated)d 户", added=done.added, updated=done.updated))
    return redirect(url_for("field.households"))


@bp.route("/households/<int:household_id>/flags", methods=["POST"])
@roles(*FLAGGERS)
def set_flags(household_id: int) -> ResponseReturnValue:
    form = FlagsForm()
    if not form.validate():
        abort(400)
    try:
        field().set_flags(household_id, list(form.flags.data or []), current_actor())
    except ValidationError as error:
        flash(error.message, "error")
        return redirect(url_for("field.household", household_id=household_id))
    flash(_("已更新重点人群标识"))
    return redirect(url_for("field.household", household_id=household_id))


@bp.route("/visits/new", methods=["GET", "POST"])
@roles(*RECORDERS)
def new_visit() -> ResponseReturnValue:
    actor = current_actor()
    homes = field().households(actor)
    chosen = request.args.get("household", "")
    form = VisitForm(households=homes, data={"household_id": chosen,
                                             "visited_on": china_date(services.cases().clock.now()).isoformat()})
    if not form.is_submitted():
        return render_template("field/new_visit.html", form=form, messages=[])
    if not form.validate():
        return render_template("field/new_visit.html", form=form, messages=[]), 400
    photos, problems = receive_all(posted_files("photos"), photos_only=True, most=MAX_PHOTOS)
    if problems:
        return render_template("field/new_visit.html", form=form, messages=problems), 400
    try:
        visit_id, _new = field().record_visit(form.to_input(photos), actor)
    except ValidationError as error:
        messages = place_engine_errors(form, error.field_errors) or ([] if error.field_errors else [error.message])
        return render_template("field/new_visit.html", form=form, messages=messages), 400
    flash(_("已记录走访"))
    return redirect(url_for("field.visit", visit_id=visit_id))


@bp.route("/visits/<int:visit_id>")
@roles(*READERS)
def visit(visit_id: int) -> ResponseReturnValue:
    page = field().visit(visit_id, current_actor())
    form = NeedToCaseForm(categories=services.people().categories()) if current_actor().role in RECORDERS else None
    return render_template("field/visit.html", page=page, form=form)


@bp.route("/visits/<int:visit_id>/photos/<sha256>/<any(thumb,original):variant>")
@roles(*READERS)
def visit_photo(visit_id: int, sha256: str, variant: str) -> ResponseReturnValue:
    """A visit's photo: the thumbnail inline; the original (with its EXIF) downloaded and access-logged."""
    stored, media_type = field().visit_photo(visit_id, sha256, variant, current_actor())
    file = FileToSend(services.evidence().store, stored, media_type)
    response = send_file(file.open(), mimetype=media_type, as_attachment=variant == "original",
                         download_name=f"visit-{visit_id}-{sha256[:12]}", etag=False)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.route("/needs/<int:need_id>/case", methods=["POST"])
@roles(*RECORDERS)
def need_to_case(need_id: int) -> ResponseReturnValue:
    form = NeedToCaseForm(categories=services.people().categories())
    back = request.form.get("back", "")
    target = back if back.startswith("/field/") and "//" not in back else url_for("field.index")
    if not form.validate():
        flash(_("请选择类别"), "error")
        return redirect(target)
    try:
        code = field().need_to_case(need_id, form.category.data, current_actor())
    except (ValidationError, ConflictError) as error:
        flash(error.message, "error")
        return redirect(target)
    flash(_("已转为案件 %(code)s", code=code))
    return redirect(url_for("cases.detail", code=code))


@bp.route("/meetings")
@roles(*READERS)
def meetings() -> ResponseReturnValue:
    return render_template("field/meetings.html", rows=field().meetings(current_actor()),
                           may_record=current_actor().role in RECORDERS)


@bp.route("/meetings/new", methods=["GET", "POST"])
@roles(*RECORDERS)
def new_meeting() -> ResponseReturnValue:
    form = MeetingForm(data={"held_on": china_date(services.cases().clock.now()).isoformat()})
    if not form.is_submitted():
        return render_template("field/new_meeting.html", form=form, messages=[])
    if not form.validate():
        return render_template("field/new_meeting.html", form=form, messages=[]), 400
    try:
        meeting_id = field().record_meeting(form.to_input(), current_actor())
    except ValidationError as error:
        messages = place_engine_errors(form, error.field_errors) or ([] if error.field_errors else [error.message])
        return render_template("field/new_meeting.html", form=form, messages=messages), 400
    flash(_("已记录恳谈会"))
    return redirect(url_for("field.meeting", meeting_id=meeting_id))


@bp.route("/meetings/<int:meeting_id>")
@roles(*READERS)
def meeting(meeting_id: int) -> ResponseReturnValue:
    page = field().meeting(meeting_id, current_actor())
    form = NeedToCaseForm(categories=services.people().categories()) if current_actor().role in RECORDERS else None
    return render_template("field/meeting.html", page=page, form=form)


@bp.route("/plans")
@roles(*READERS)
def plans() -> ResponseReturnValue:
    return _plans_page(PlanForm(grids=services.people().grids()), [])


def _plans_page(form: PlanForm, messages: list[str], status: int = 200) -> ResponseReturnValue:
    may_plan = current_actor().role in PLANNERS
    return render_template("field/plans.html", rows=field().plans(current_actor()), form=form if may_plan else None,
                           generate=GenerateForm() if may_plan else None, toggle=ActiveForm() if may_plan else None,
                           messages=messages), status


@bp.route("/plans", methods=["POST"])
@roles(*PLANNERS)
def create_plan() -> ResponseReturnValue:
    form = PlanForm(grids=services.people().grids())
    if not form.validate():
        return _plans_page(form, [], 400)
    try:
        made = field().create_plan(name=form.name.data, flag=form.flag.data, per_month=form.per_month.data,
                                   grid_code=form.grid_code.data or None, actor=current_actor())
    except ValidationError as error:
        return _plans_page(form, place_engine_errors(form, error.field_errors), 400)
    flash(_("已制定走访计划，本月生成 %(n)d 次待走访", n=made.created))
    return redirect(url_for("field.plans"))


@bp.route("/plans/generate", methods=["POST"])
@roles(*PLANNERS)
def generate() -> ResponseReturnValue:
    form = GenerateForm()
    if not form.validate():
        return _plans_page(PlanForm(grids=services.people().grids()), [_("月份格式应为 YYYY-MM")], 400)
    try:
        made = field().generate_due(form.month.data or None, current_actor())
    except ValidationError as error:
        return _plans_page(PlanForm(grids=services.people().grids()), [error.message], 400)
    flash(_("%(month)s 新生成 %(n)d 次待走访", month=made.month, n=made.created))
    return redirect(url_for("field.plans"))


@bp.route("/plans/<int:plan_id>/active", methods=["POST"])
@roles(*PLANNERS)
def set_plan_active(plan_id: int) -> ResponseReturnValue:
    form = ActiveForm()
    if not form.validate() or form.active.data not in ("0", "1"):
        abort(400)
    field().set_plan_active(plan_id, form.active.data == "1", current_actor())
    flash(_("已启用走访计划") if form.active.data == "1" else _("已停用走访计划"))
    return redirect(url_for("field.plans"))
