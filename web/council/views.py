"""The council's screens: agenda and meetings, the sitting recorded in one go, household votes.

Load → act through :class:`~engine.council.service.CouncilService` → show; the engine checks the rules.
"""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine import ConflictError, ValidationError
from engine.council.meetings import MINUTES_FIELD
from web import services
from web.access import current_actor, roles
from web.auth.forms import EmptyForm
from web.council import sitting
from web.council.blueprint import bp, council
from web.council.forms import HouseholdRegisterForm, ProxyForm, ScheduleForm
from web.errors import render_error
from web.uploads import posted_files, receive_all
from web.wording import names_in_words

#: The grid workers see the household votes (to record proxy votes and hand out links).
VOTE_STAFF = ("council", "grid_worker")


def _index(form: ScheduleForm, status: int = 200, messages: list[str] | None = None) -> ResponseReturnValue:
    actor = current_actor()
    return render_template("council/index.html", form=form, issues=council().pending_issues(actor),
                           meetings=council().meetings(actor), votes=council().votes(actor),
                           messages=messages or []), status


@bp.route("")
@roles("council")
def index() -> ResponseReturnValue:
    return _index(ScheduleForm())


@bp.route("/meetings", methods=["POST"])
@roles("council")
def schedule() -> ResponseReturnValue:
    form = ScheduleForm()
    if not form.validate_on_submit():
        return _index(form, 400)
    try:
        meeting_id = council().schedule_meeting(title=form.title.data, scheduled_for=form.when(),
                                                members=form.member_names(), location=form.location.data or None,
                                                actor=current_actor())
    except ValidationError as error:
        targets = {"title": form.title, "members": form.members}
        messages = []
        for key, message in error.field_errors.items():
            if key in targets:
                targets[key].errors = [*targets[key].errors, message]
            else:
                messages.append(message)
        return _index(form, 400, messages)
    flash(_("会议已安排，待议事项已列入议程"))
    return redirect(url_for("council.meeting", meeting_id=meeting_id))


def _meeting_page(meeting_id: int, status: int = 200, errors: dict[str, str] | None = None,
                  typed: dict[str, list[str]] | None = None, message: str | None = None) -> ResponseReturnValue:
    page = council().meeting(meeting_id, current_actor())
    return render_template("council/meeting.html", page=page, form=EmptyForm(), errors=errors or {},
                           typed=typed, message=message,
                           departments=names_in_words(services.people().departments())), status


@bp.route("/meetings/<int:meeting_id>")
@roles("council")
def meeting(meeting_id: int) -> ResponseReturnValue:
    return _meeting_page(meeting_id)


def _minutes_files() -> tuple[list[str], dict[str, str]]:
    """The minutes' scans and photos posted (received before any transaction), and the refusal to show."""
    hashes, problems = receive_all(posted_files(MINUTES_FIELD), photos_only=False,
                                   most=int(current_app.config["REPORT_MAX_PHOTOS"]))
    return hashes, ({MINUTES_FIELD: "；".join(problems)} if problems else {})


#: Said with a refusal when files were posted: a browser does not keep the chosen files.
_CHOOSE_AGAIN = _l("会议纪要文件需要重新选择。")


@bp.route("/meetings/<int:meeting_id>", methods=["POST"])
@roles("council")
def record(meeting_id: int) -> ResponseReturnValue:
    page = council().meeting(meeting_id, current_actor())
    typed = request.form.to_dict(flat=False)
    if not EmptyForm().validate_on_submit():
        return _meeting_page(meeting_id, 400, typed=typed, message=_("页面已过期，请重新提交。"))
    if page.status != "scheduled":
        return render_error(409, _("该会议已经记录，不能重复记录。"))
    present, decisions, errors = sitting.read(page, request.form)
    if errors:
        return _meeting_page(meeting_id, 400, errors, typed, _("请修改标出的内容后再提交。"))
    files, refused = _minutes_files()
    if refused:
        return _meeting_page(meeting_id, 400, refused, typed,
                             f"{_('会议记录未保存：会议纪要文件未被接收。')}{_CHOOSE_AGAIN}")
    try:
        result = council().record_sitting(meeting_id, present=present, decisions=decisions, actor=current_actor(),
                                          minutes=request.form.get("minutes", "")[:4000], minutes_files=files)
    except ValidationError as error:
        again = str(_CHOOSE_AGAIN) if files else ""
        return _meeting_page(meeting_id, 400, error.field_errors, typed,
                             f"{_('会议记录未保存：请修改标出的内容后再提交。')}{again}")
    except ConflictError as error:
        return render_error(409, error.message)
    flash(_("会议记录已保存，各议题已按决议办理"))
    if result.tokens:
        flash(_("已发起户主表决：请网格员在表决页面为各户发放投票链接或代为投票"))
    return redirect(url_for("council.meeting", meeting_id=meeting_id))


@bp.route("/meetings/<int:meeting_id>/minutes", methods=["POST"])
@roles("council")
def add_minutes(meeting_id: int) -> ResponseReturnValue:
    """The signed minutes scanned or photographed after the sitting: attached to each case decided at it."""
    page = council().meeting(meeting_id, current_actor())  # 404 for a meeting that is not there
    if not EmptyForm().validate_on_submit():
        return _meeting_page(meeting_id, 400, message=_("页面已过期，请重新提交。"))
    if page.status != "held":  # refused before any file is kept: the files go with the sitting's record
        return render_error(409, _("会议尚未记录：请在记录会议时一并上传会议纪要。"))
    files, refused = _minutes_files()
    if refused:
        return _meeting_page(meeting_id, 400, refused, message=_("会议纪要文件未被接收。"))
    try:
        cases = council().add_minutes(meeting_id, files, current_actor())
    except ValidationError as error:
        return _meeting_page(meeting_id, 400, error.field_errors, message=error.message)
    except ConflictError as error:
        return render_error(409, error.message)
    flash(_("会议纪要已附加到本次会议议定的 %(n)d 件案件", n=cases))
    return redirect(url_for("council.meeting", meeting_id=meeting_id))


@bp.route("/households", methods=["GET", "POST"])
@roles("grid_worker", "council")
def households() -> ResponseReturnValue:
    """The household register votes are drawn from: grid workers enter their grid's households."""
    page = council().household_register(current_actor())
    form = HouseholdRegisterForm()
    form.grid.choices = page.grids
    status = 200
    if form.is_submitted():
        status = 400
        if form.validate():
            try:
                added = council().register_households(form.grid.data, form.households.data, current_actor())
            except ValidationError as error:
                form.households.errors = [*form.households.errors, *error.field_errors.values()] or [error.message]
            else:
                flash(_("已登记 %(n)s 户", n=added))
                return redirect(url_for("council.households"))
    return render_template("council/households.html", page=page, form=form), status


@bp.route("/votes")
@roles(*VOTE_STAFF)
def votes() -> ResponseReturnValue:
    return render_template("council/votes.html", votes=council().votes(current_actor()))


def _vote_page(vote_id: int, status: int = 200, link: tuple[int, str] | None = None,
               errors: dict[int, str] | None = None) -> ResponseReturnValue:
    page = council().vote(vote_id, current_actor())
    return render_template("council/vote.html", page=page, form=EmptyForm(), proxy=ProxyForm(),
                           link=link, errors=errors or {},
                           departments=names_in_words(services.people().departments())), status


@bp.route("/votes/<int:vote_id>")
@roles(*VOTE_STAFF)
def vote(vote_id: int) -> ResponseReturnValue:
    return _vote_page(vote_id)


@bp.route("/votes/<int:vote_id>/households/<int:household_id>/proxy", methods=["POST"])
@roles("grid_worker")
def proxy(vote_id: int, household_id: int) -> ResponseReturnValue:
    form = ProxyForm()
    if not form.validate_on_submit():
        return _vote_page(vote_id, 400, errors={household_id: _("请选择同意、反对或弃权")})
    try:
        council().cast_proxy(vote_id, household_id, form.choice.data, current_actor())
    except ConflictError as error:
        return _vote_page(vote_id, 409, errors={household_id: error.message})
    flash(_("已代为投票（记录为您代投）"))
    return redirect(url_for("council.vote", vote_id=vote_id))


@bp.route("/votes/<int:vote_id>/households/<int:household_id>/link", methods=["POST"])
@roles("grid_worker")
def reissue(vote_id: int, household_id: int) -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit():
        return _vote_page(vote_id, 400)
    try:
        token = council().reissue_token(vote_id, household_id, current_actor())
    except ConflictError as error:
        return _vote_page(vote_id, 409, errors={household_id: error.message})
    return _vote_page(vote_id, link=(household_id, url_for("vote.ballot", token=token, _external=True)))


@bp.route("/votes/<int:vote_id>/close", methods=["POST"])
@roles("council")
def close(vote_id: int) -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit():
        return _vote_page(vote_id, 400)
    try:
        council().close_vote(vote_id, current_actor())
    except ConflictError as error:
        return render_error(409, error.message)
    flash(_("表决已结束，计票结果已记入决议并公示"))
    return redirect(url_for("council.vote", vote_id=vote_id))
