"""Inbox, claim / release, and the task form: load → check access (in the engine) → act."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _

from engine import BusyError, CasegridError, ConflictError, NotFound, ValidationError
from engine.bpmn.forms import FormSpec
from engine.cases.read_models import TaskView
from web import services
from web.access import current_actor, roles
from web.auth.forms import EmptyForm
from web.errors import render_error
from web.inbox.blueprint import bp
from web.inbox.forms import InboxFilterForm
from web.inbox.task_form import TaskForm
from web.wording import names_in_words
from web.replica import cases_for_reading

#: Roles that work cases from an inbox (the auditor: a governance project's half-yearly third-party evaluation,
#: the only tasks in its lane).
WORKERS = ("grid_worker", "council", "department", "mediator", "supervisor", "auditor")
#: ``app.extensions`` key of the form keys whose tasks have a page of their own (see :func:`register_task_page`).
TASK_PAGES = "casegrid.task_pages"
#: The inbox parameters a claim or release carries back to the list it came from.
FILTER_ARGS = ("category", "grid", "status", "page")


@bp.route("")
@roles(*WORKERS)
def index() -> ResponseReturnValue:
    grids = names_in_words(services.people().grids())
    form = InboxFilterForm(formdata=request.args, categories=services.people().categories(), grids=grids)
    if not form.validate():
        return render_template("inbox/index.html", form=form, inbox=None, grids=grids), 400
    inbox = cases_for_reading().inbox_page(current_actor(), form.to_filter(), page=form.page_number,
                                        page_size=current_app.config["INBOX_PAGE_SIZE"])
    return render_template("inbox/index.html", form=form, inbox=inbox, grids=grids, visits=_due_visits())


def _due_visits() -> tuple[list[object], tuple[int, int]] | None:
    """A grid worker's most urgent due visits (走访计划) beside their tasks: (the first five, (open, overdue))."""
    field = current_app.extensions.get("casegrid.field")
    actor = current_actor()
    if field is None or actor.role != "grid_worker" or not actor.grid_code:
        return None
    return field.due_list(actor, limit=5), field.due_count(actor)


def _back() -> ResponseReturnValue:
    """To the page the button was on: a same-site ``next``, else the inbox with its filter."""
    target = request.form.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc:
        return redirect(target)
    return redirect(url_for("inbox.index", **{k: v for k, v in request.args.items() if k in FILTER_ARGS}))


def _claim_or_release(item_id: int, claim: bool) -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit():
        return render_error(400, _("表单已过期或缺少安全令牌，请刷新页面后重试。"))
    view = services.cases().task(item_id, current_actor())  # 404 for another unit's item
    try:
        if claim:
            services.cases().claim(item_id, current_actor())
            flash(_("已认领：%(task)s（%(code)s）", task=view.task_name, code=view.case.tracking_code))
        else:
            services.cases().release(item_id, current_actor())
            flash(_("已放弃认领：%(task)s（%(code)s），任务回到待认领", task=view.task_name,
                    code=view.case.tracking_code))
    except NotFound:
        raise
    except CasegridError as error:
        # Someone was quicker (claimed or finished it): say so on the list, not on an error page.
        flash(_("操作未完成：%(reason)s", reason=error.message), "error")
    return _back()


@bp.route("/tasks/<int:item_id>/claim", methods=["POST"])
@roles(*WORKERS)
def claim(item_id: int) -> ResponseReturnValue:
    return _claim_or_release(item_id, claim=True)


@bp.route("/tasks/<int:item_id>/release", methods=["POST"])
@roles(*WORKERS)
def release(item_id: int) -> ResponseReturnValue:
    return _claim_or_release(item_id, claim=False)


def _options(spec: FormSpec) -> dict[str, dict[str, str]]:
    """Choices of the fields whose options come from the organisation, read only when the form has such fields."""
    sources = {f.options_source for f in spec.fields if f.options_source}
    options: dict[str, dict[str, str]] = {}
    if "departments" in sources:
        options["departments"] = names_in_words(services.people().departments())
    if "grids" in sources:
        options["grids"] = names_in_words(services.people().grids())
    return options


def _finished(view: TaskView) -> str:
    """Why the task can no longer be done, naming who did it."""
    if view.state == "completed":
        who = view.completed_by_name or view.completed_by or _("他人")
        if view.finished_at is None:
            return _("该任务已由 %(who)s 办理完成。", who=who)
        return _("该任务已由 %(who)s 于 %(when)s 办理完成。", who=who,
                 when=format_datetime(view.finished_at, "yyyy-MM-dd HH:mm"))
    return _("该任务已取消（可能已超时上报或被改派）。")


def _page(view: TaskView, form: TaskForm | None, status: int = 200,
          messages: list[str] | None = None) -> ResponseReturnValue:
    return render_template("inbox/task.html", view=view, form=form, messages=messages or []), status


def register_task_page(app: Flask, form_key: str, endpoint: str) -> None:
    """A task of ``form_key`` is done on ``endpoint``'s page (taking ``item_id``), not the generic form:
    the inbox, the case page and any other link lead there, so a task has one form wherever it is opened."""
    app.extensions.setdefault(TASK_PAGES, {})[form_key] = endpoint


@bp.route("/tasks/<int:item_id>", methods=["GET", "POST"])
@roles(*WORKERS)
def task(item_id: int) -> ResponseReturnValue:
    view = services.cases().task(item_id, current_actor())
    if (endpoint := current_app.extensions.get(TASK_PAGES, {}).get(view.form.key)) is not None:
        # 303: a generic form posted from an old tab is not replayed onto the dedicated form.
        return redirect(url_for(endpoint, item_id=item_id), 303)
    if not view.is_open:
        return _page(view, None, 409, [_finished(view)])
    if view.held_by_other(current_actor()):
        return _page(view, None, 403, [_("该任务已由 %(who)s 认领，只有认领人可以办理。",
                                         who=view.assignee_name or view.assignee)])
    form = TaskForm.for_task(view.form, options=_options(view.form), prefill=view.prefill,
                             data={"case_version": view.case.version})
    if not form.is_submitted():
        return _page(view, form)
    if not form.validate() or not form.receive_files():
        return _page(view, form, 400)
    try:
        services.cases().complete_task(item_id, form.engine_data(), current_actor(),
                                       expected_version=form.case_version.data)
    except ValidationError as error:
        return _page(view, form, 400, form.add_engine_errors(error.field_errors) or
                     ([] if error.field_errors else [error.message]))
    except ConflictError as error:
        return _conflict(item_id, form, error)
    flash(_("已办理：%(task)s（%(code)s）", task=view.task_name, code=view.case.tracking_code))
    return redirect(url_for("inbox.index"))


def _conflict(item_id: int, form: TaskForm, error: ConflictError) -> ResponseReturnValue:
    """Someone changed the case first: show who and what the case looks like now (HTTP 409)."""
    view = services.cases().task(item_id, current_actor())
    if isinstance(error, BusyError):  # nothing changed: keep the answers and say the case was busy
        return _page(view, form, 409, [error.message])
    if not view.is_open:
        return _page(view, None, 409, [_finished(view)])
    if view.held_by_other(current_actor()):
        return _page(view, None, 409, [_("该任务已由 %(who)s 认领，只有认领人可以办理。",
                                         who=view.assignee_name or view.assignee)])
    # The task is still open but the case moved on: keep the answers, take the new version.
    form.case_version.data, form.case_version.raw_data = view.case.version, [str(view.case.version)]
    return _page(view, form, 409, [_("案件在您填写期间已被他人更新，请核对上方的最新情况后重新提交。")])
