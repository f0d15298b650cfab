"""12345 hotline work orders over the JSON API (docs/hotline.md; engine/hotline).

The city's platform calls with an API token of its integration account (role ``hotline_platform``, created on
/admin/integrations; it has no password and can call nothing else): it dispatches orders and reports the
caller's 回访 rating. The street answers — accept, object (退回, once), reply — as a supervisor
or as the grid worker of the case's grid (another grid's order is 404). Every answer goes back to the
platform as a signed callback from the sweep.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import ValidationError
from engine.hotline import HotlineService, OrderView, WorkOrder
from engine.people.roles import HOTLINE_PLATFORM, Role
from web.api.auth import api_actor, api_roles
from web.api.blueprint import bp
from web.api.serialize import iso

#: Only the platform's own integration account (engine/people/integrations.py), with its token.
PLATFORM = (HOTLINE_PLATFORM,)
STREET = (Role.GRID_WORKER.value, Role.SUPERVISOR.value)
FIELDS = ("order_no", "category", "content", "time_limit_class", "deadline", "urgency", "address", "lat", "long",
          "grid", "caller")


def hotline() -> HotlineService:
    service: HotlineService = current_app.extensions["casegrid.hotline"]
    return service


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError(_("请求体必须是 JSON 对象"), {})
    return body


def _string(body: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise ValidationError(_("工单有误"), {name: _("必填")})
        return None
    if not isinstance(value, str):
        raise ValidationError(_("工单有误"), {name: _("应为文字")})
    return value.strip()


def _float(body: dict[str, Any], name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(_("工单有误"), {name: _("应为数字")})
    return float(value)


def _order(body: dict[str, Any]) -> WorkOrder:
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise ValidationError(_("工单有误"), {unknown[0][:40]: _("未知字段")})
    raw_deadline = _string(body, "deadline", required=True) or ""
    try:
        deadline = datetime.fromisoformat(raw_deadline)
    except ValueError:
        raise ValidationError(_("工单有误"), {"deadline": _("应为带时区的日期时间，例如 2026-12-09T17:30:00+08:00")}) \
            from None
    caller = body.get("caller") or {}
    if not isinstance(caller, dict):
        raise ValidationError(_("工单有误"), {"caller": _("应为对象：{\"name\": …, \"phone\": …}")})
    return WorkOrder(order_no=_string(body, "order_no", required=True) or "",
                     category=_string(body, "category", required=True) or "",
                     content=_string(body, "content", required=True) or "",
                     time_limit_class=_string(body, "time_limit_class", required=True) or "",
                     deadline=deadline, urgency=_string(body, "urgency") or "一般",
                     address=_string(body, "address"), lat=_float(body, "lat"), long=_float(body, "long"),
                     grid_code=_string(body, "grid"), caller_name=_string(caller, "name"),
                     caller_phone=_string(caller, "phone"))


def _json(view: OrderView) -> dict[str, Any]:
    return {"order_no": view.order_no, "tracking_code": view.tracking_code, "state": view.state,
            "category": view.category, "time_limit_class": view.time_limit_class, "deadline": iso(view.deadline),
            "urgency": view.urgency, "objected": view.objected, "reply": view.reply,
            "visit_rating": view.visit_rating}


@bp.route("/hotline/orders", methods=["POST"])
@api_roles(*PLATFORM)
def hotline_receive() -> ResponseReturnValue:
    """The platform dispatches a work order: 201 with the case, 200 when it was sent before."""
    received = hotline().receive(_order(_body()))
    return jsonify(_json(received.order)), 201 if received.new else 200


@bp.route("/hotline/orders/<order_no>", methods=["GET"])
@api_roles(*STREET)
def hotline_order(order_no: str) -> ResponseReturnValue:
    return jsonify(_json(hotline().order(order_no, api_actor())))


@bp.route("/hotline/orders/<order_no>/accept", methods=["POST"])
@api_roles(*STREET)
def hotline_accept(order_no: str) -> ResponseReturnValue:
    _body()
    return jsonify(_json(hotline().accept(order_no, api_actor())))


@bp.route("/hotline/orders/<order_no>/object", methods=["POST"])
@api_roles(*STREET)
def hotline_object(order_no: str) -> ResponseReturnValue:
    reason = _string(_body(), "reason", required=True) or ""
    return jsonify(_json(hotline().object_to(order_no, reason, api_actor())))


@bp.route("/hotline/orders/<order_no>/reply", methods=["POST"])
@api_roles(*STREET)
def hotline_reply(order_no: str) -> ResponseReturnValue:
    text = _string(_body(), "reply", required=True) or ""
    return jsonify(_json(hotline().reply(order_no, text, api_actor())))


@bp.route("/hotline/orders/<order_no>/visit", methods=["POST"])
@api_roles(*PLATFORM)
def hotline_visit(order_no: str) -> ResponseReturnValue:
    """回访: the caller's rating as the hotline heard it (closes the loop like the resident's own rating)."""
    body = _body()
    rating = _string(body, "rating", required=True) or ""
    return jsonify(_json(hotline().visit(order_no, rating, _string(body, "comment"))))
