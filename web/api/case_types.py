"""The JSON API for any process: start a case from its start form, deliver a message a case waits for.

Same engine calls as the "新建案件" page and the case page's message form, with the same checks:
the engine decides who may start which process and who may deliver; bad input is refused naming
the field, with nothing written.
"""
from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from engine.errors import ValidationError
from web import services
from web.api.auth import api_actor, api_roles
from web.api.blueprint import bp
from web.api.views import READERS

#: Roles that may start cases (each process's start lane narrows it: the engine decides).
STARTERS = ("grid_worker", "council", "department", "mediator", "supervisor")


def _body(allowed: tuple[str, ...]) -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError("请求体必须是 JSON 对象", {"body": f"应为 JSON 对象，字段：{', '.join(allowed)}"})
    errors = {key: "未知字段" for key in body if key not in allowed}
    if "data" in body and not isinstance(body["data"], dict):
        errors["data"] = "应为对象：字段 → 值"
    if errors:
        raise ValidationError("请求体有误", errors)
    return body


@bp.route("/processes")
@api_roles(*READERS)
def startable_processes() -> ResponseReturnValue:
    """The processes the caller may start a case of, each with its start form."""
    items = []
    for s in services.cases().startable(api_actor()):
        if s.own_intake is not None:
            continue
        _name, form = services.cases().start_form(s.key, api_actor())
        items.append({"key": s.key, "name": s.name, "start_form": [
            {"id": f.id, "label": f.label, "type": f.type, "required": f.required,
             "options": [{"id": o.id, "label": o.label} for o in f.options], "options_source": f.options_source}
            for f in form.fields]})
    return jsonify(items=items)


@bp.route("/processes/<key>/cases", methods=["POST"])
@api_roles(*STARTERS)
def start_case(key: str) -> ResponseReturnValue:
    body = _body(("data",))
    case = services.cases().start_case(key, body.get("data", {}), api_actor())
    return jsonify(tracking_code=case.tracking_code, process=case.process_key, status=case.status,
                   phase=case.phase, version=case.version), 201


@bp.route("/cases/<code>/messages", methods=["POST"])
@api_roles("supervisor")
def deliver_message(code: str) -> ResponseReturnValue:
    body = _body(("name", "data"))
    if not isinstance(body.get("name"), str):
        raise ValidationError("请求体有误", {"name": "请给出消息名称（流程图中消息的 name）"})
    result = services.cases().deliver_message(code, body["name"], body.get("data"), api_actor())
    case = result.case
    return jsonify(tracking_code=case.tracking_code, status=case.status, phase=case.phase, version=case.version)
