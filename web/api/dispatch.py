"""The JSON API's dispatch operations: a case's 派单与报到 board, 吹哨, 申请延期, the decision on it, 催办.

The same engine calls as the web pages (web/dispatch), with the same checks: the engine decides
role and object (another unit's case or item is 404) and refuses bad input naming the field.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from engine.clock import as_utc
from engine.dispatch.board import DispatchBoard, PendingExtension
from engine.errors import ValidationError
from web import services
from web.api.auth import api_actor, api_roles
from web.api.blueprint import bp
from web.api.views import READERS
from web.dispatch.links import dispatch


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def board_json(board: DispatchBoard) -> dict[str, Any]:
    return {
        "case": board.tracking_code, "priority": board.priority, "suggested_department": board.suggested_department,
        "departments": [{
            "department": u.department_code, "department_name": u.department_name, "part": u.part,
            "round": u.round, "state": u.state, "summoned_at": _iso(u.summoned_at),
            "accept_due": _iso(u.accept_due), "reported_in_at": _iso(u.reported_in_at),
            "onsite_due": _iso(u.onsite_due), "on_site_at": _iso(u.on_site_at),
            "complete_due": _iso(u.complete_due), "done_at": _iso(u.done_at), "return_reason": u.return_reason,
            "escalations": u.escalations, "urges": u.urges, "last_urged_at": _iso(u.last_urged_at),
            "open_task": {"work_item": u.open_task.work_item_id, "bpmn_id": u.open_task.bpmn_id,
                          "name": u.open_task.name, "due_at": _iso(u.open_task.due_at),
                          "overdue": u.open_task.overdue} if u.open_task else None,
            "extensions": [{"id": x.id, "state": x.state, "requested_due": _iso(x.requested_due), "reason": x.reason,
                            "requested_at": _iso(x.requested_at), "decided_at": _iso(x.decided_at),
                            "note": x.decision_note} for x in u.extensions],
        } for u in board.departments],
    }


def pending_json(p: PendingExtension) -> dict[str, Any]:
    return {"id": p.id, "case": p.tracking_code, "case_title": p.case_title, "department": p.department_code,
            "department_name": p.department_name, "work_item": p.work_item_id, "task": p.work_item_name,
            "current_due": _iso(p.current_due), "requested_due": _iso(p.requested_due), "reason": p.reason,
            "requested_at": _iso(p.requested_at), "requested_by": p.requested_by}


_TYPE_WORDS = {str: "应为文本", list: "应为部门代码的列表", bool: "应为 true 或 false"}
#: A missing key in the words the web form shows next to the same field.
_MISSING_WORDS = {"lead": "请选择牵头部门", "co_departments": "请至少选择一个协办部门", "reason": "请填写理由",
                  "new_due": "请填写延期后的日期（YYYY-MM-DD）", "approve": "请说明是否同意（true / false）",
                  "message": "请填写催办意见"}


def _body(spec: Mapping[str, type], required: tuple[str, ...]) -> dict[str, Any]:
    """The JSON object body with the keys of ``spec`` (each of its type), or :class:`ValidationError` naming each bad key."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError("请求体必须是 JSON 对象", {"body": "应为 JSON 对象"})
    errors = {key: "未知字段" for key in body if key not in spec}
    for key, kind in spec.items():
        value = body.get(key)
        if value is None:
            if key in required:
                errors[key] = _MISSING_WORDS.get(key, "必填")
        elif not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            errors[key] = _TYPE_WORDS[kind]
    if errors:
        raise ValidationError("请求体有误", errors)
    return body


@bp.route("/cases/<code>/dispatch")
@api_roles(*READERS)
def dispatch_board(code: str) -> ResponseReturnValue:
    return jsonify(board_json(dispatch().board(code, api_actor())))


@bp.route("/cases/<code>/whistle", methods=["POST"])
@api_roles("grid_worker", "council", "supervisor")
def whistle(code: str) -> ResponseReturnValue:
    dispatch().board(code, api_actor())  # 404 for a case the caller may not see, before the body is looked at
    body = _body({"lead": str, "co_departments": list, "reason": str}, ("lead", "co_departments", "reason"))
    if not all(isinstance(c, str) for c in body["co_departments"]):
        raise ValidationError("请求体有误", {"co_departments": "应为部门代码的列表"})
    dispatch().blow_whistle(code, lead=body["lead"], co_departments=body["co_departments"], actor=api_actor(),
                            reason=body["reason"])
    return jsonify(board_json(dispatch().board(code, api_actor())))


@bp.route("/work-items/<int:item_id>/extension", methods=["POST"])
@api_roles("department")
def request_extension(item_id: int) -> ResponseReturnValue:
    services.cases().task(item_id, api_actor())  # 404 for another department's item, before the body is looked at
    body = _body({"new_due": str, "reason": str}, ("new_due", "reason"))
    try:
        new_due = date.fromisoformat(body["new_due"])
    except ValueError:
        raise ValidationError("请求体有误", {"new_due": "日期格式应为 YYYY-MM-DD"}) from None
    extension_id = dispatch().request_extension(item_id, new_due=new_due, reason=body["reason"], actor=api_actor())
    return jsonify(id=extension_id, state="pending"), 201


@bp.route("/extensions")
@api_roles("supervisor")
def pending_extensions() -> ResponseReturnValue:
    return jsonify(items=[pending_json(p) for p in dispatch().pending_extensions(api_actor())])


@bp.route("/extensions/<int:extension_id>/decision", methods=["POST"])
@api_roles("supervisor")
def decide_extension(extension_id: int) -> ResponseReturnValue:
    body = _body({"approve": bool, "note": str}, ("approve",))
    dispatch().decide_extension(extension_id, approve=body["approve"], note=body.get("note") or "", actor=api_actor())
    return jsonify(id=extension_id, state="approved" if body["approve"] else "refused")


@bp.route("/work-items/<int:item_id>/urge", methods=["POST"])
@api_roles("supervisor")
def urge(item_id: int) -> ResponseReturnValue:
    body = _body({"message": str}, ("message",))
    dispatch().urge(item_id, message=body["message"], actor=api_actor())
    return jsonify(work_item=item_id, urged=True)
