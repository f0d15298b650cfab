"""The JSON API: the inbox, a work item with its form, claim / release / complete, a case.

Each view is load → check access (in the engine, with the same rules as the UI:
another unit's work item or case is 404, another role's is 403) → act.
"""
from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from engine.bpmn.forms import FormSpec
from engine.cases.inbox_query import InboxFilter
from engine.errors import ValidationError
from web import services
from web.api import serialize
from web.api.auth import api_actor, api_roles
from web.api.blueprint import bp
from web.replica import cases_for_reading

#: Roles that work cases from an inbox (the UI's inbox roles).
WORKERS = ("grid_worker", "council", "department", "mediator", "supervisor")
#: Roles that may read case pages (the engine narrows it to the cases each may see).
READERS = (*WORKERS, "auditor")

MAX_LIMIT = 200


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ValidationError("查询参数有误", {name: f"应为 {low} 到 {high} 之间的整数"})
    return int(raw)


@bp.route("/inbox")
@api_roles(*WORKERS)
def inbox() -> ResponseReturnValue:
    limit, offset = _int_arg("limit", 50, 1, MAX_LIMIT), _int_arg("offset", 0, 0, 100_000)
    flt = InboxFilter(category=request.args.get("category") or None, grid_code=request.args.get("grid") or None,
                      status=request.args.get("status") or "all")
    if offset % limit == 0:
        page = cases_for_reading().inbox_page(api_actor(), flt, page=offset // limit + 1, page_size=limit)
        rows = page.rows
    else:  # an offset between pages: read up to the end of the window (inboxes are short)
        page = cases_for_reading().inbox_page(api_actor(), flt, page=1, page_size=offset + limit)
        rows = page.rows[offset:]
    return jsonify(items=[serialize.inbox_item(r) for r in rows], total=page.total, limit=limit, offset=offset)


def _sources(form: FormSpec) -> dict[str, dict[str, str]]:
    """Allowed values of the fields whose options come from the organisation."""
    wanted = {f.options_source for f in form.fields if f.options_source}
    sources: dict[str, dict[str, str]] = {}
    if "departments" in wanted:
        sources["departments"] = services.people().departments()
    if "grids" in wanted:
        sources["grids"] = services.people().grids()
    return sources


@bp.route("/work-items/<int:item_id>")
@api_roles(*WORKERS)
def work_item(item_id: int) -> ResponseReturnValue:
    view = services.cases().task(item_id, api_actor())
    return jsonify(serialize.task(view, _sources(view.form)))


def _item_response(item_id: int, claim: bool) -> ResponseReturnValue:
    view = services.cases().task(item_id, api_actor())  # 404 for another unit's item, as in the UI
    action = services.cases().claim if claim else services.cases().release
    item = action(item_id, api_actor())
    return jsonify(serialize.work_item(item, view.case.tracking_code, services.cases().deadlines([item])[item.id]))


@bp.route("/work-items/<int:item_id>/claim", methods=["POST"])
@api_roles(*WORKERS)
def claim(item_id: int) -> ResponseReturnValue:
    return _item_response(item_id, claim=True)


@bp.route("/work-items/<int:item_id>/release", methods=["POST"])
@api_roles(*WORKERS)
def release(item_id: int) -> ResponseReturnValue:
    return _item_response(item_id, claim=False)


def _completion(body: Any) -> tuple[dict[str, Any], int | None]:
    """``data`` and ``expected_version`` of a completion body, or :class:`ValidationError` naming the bad key."""
    if not isinstance(body, dict):
        raise ValidationError("请求体必须是 JSON 对象", {"body": '应为 {"data": {…}, "expected_version": n}'})
    errors = {key: "未知字段" for key in body if key not in ("data", "expected_version")}
    data, version = body.get("data", {}), body.get("expected_version")
    if not isinstance(data, dict):
        errors["data"] = "应为对象：表单字段 → 值"
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        errors["expected_version"] = "应为整数（案件的 version）"
    if errors:
        raise ValidationError("请求体有误", errors)
    return data, version


@bp.route("/work-items/<int:item_id>/complete", methods=["POST"])
@api_roles(*WORKERS)
def complete(item_id: int) -> ResponseReturnValue:
    data, version = _completion(request.get_json(silent=True))
    services.cases().task(item_id, api_actor())  # 404 for another unit's item, as in the UI
    result = services.cases().complete_task(item_id, data, api_actor(), expected_version=version)
    case, deadlines = result.case, services.cases().deadlines(result.opened)
    return jsonify(case={"tracking_code": case.tracking_code, "status": case.status, "phase": case.phase,
                         "outcome": case.outcome, "version": case.version},
                   next_work_items=[serialize.work_item(i, case.tracking_code, deadlines[i.id])
                                    for i in result.opened])


@bp.route("/cases/<code>")
@api_roles(*READERS)
def case(code: str) -> ResponseReturnValue:
    page = services.cases().case_page(code, api_actor())
    items = services.cases().work_items(page.case.id)
    return jsonify(serialize.case(page, items, services.cases().deadlines(items)))
