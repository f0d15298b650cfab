"""The 12345 hotline operations in the API's OpenAPI document (web/api/openapi.py merges them; docs/hotline.md)."""
from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}
_NULLABLE_STRING = {"type": ["string", "null"]}
_ORDER_NO = {"name": "order_no", "in": "path", "required": True, "schema": {"type": "string"},
             "description": "The hotline's order number (工单编号)."}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ERROR, description)


_COMMON = {
    "400": _error("A missing or bad field (``field_errors`` names it), or control characters; nothing was written."),
    "401": {**_error("No credentials, or an unknown, revoked or expired token."),
            "headers": {"WWW-Authenticate": {"required": True, "schema": {"type": "string"}}}},
    "403": _error("The caller's role may not do this."),
    "415": _error("The body is not ``application/json``."),
    "429": _error("Over the token's quota (INTEGRATION_LIMIT) or too many failed authentications."),
}

ORDER = {"type": "object", "required": ["order_no", "tracking_code", "state", "deadline"], "properties": {
    "order_no": {"type": "string"}, "tracking_code": {"type": "string", "description": "The street's case."},
    "state": {"enum": ["received", "accepted", "objected", "replied", "closed"]},
    "category": {"type": "string"}, "time_limit_class": {"type": "string"},
    "deadline": {"type": "string", "format": "date-time", "description": "The hotline's deadline, as sent."},
    "urgency": {"enum": ["normal", "urgent", "critical"]}, "objected": {"type": "boolean"},
    "reply": _NULLABLE_STRING, "visit_rating": _NULLABLE_STRING}}

WORK_ORDER = {
    "type": "object", "additionalProperties": False,
    "required": ["order_no", "category", "content", "time_limit_class", "deadline"],
    "properties": {
        "order_no": {"type": "string", "maxLength": 64}, "category": {"type": "string",
                                                                      "description": "The hotline's category."},
        "content": {"type": "string", "description": "What the caller reported (工单内容)."},
        "time_limit_class": {"type": "string", "description": "时限类别, e.g. 3 个工作日."},
        "deadline": {"type": "string", "format": "date-time", "description": "With its offset."},
        "urgency": {"enum": ["一般", "紧急", "特急", "normal", "urgent", "critical"]},
        "address": {"type": "string"}, "lat": {"type": "number"}, "long": {"type": "number"},
        "grid": {"type": "string", "description": "The street's grid code, when the platform knows it."},
        "caller": {"type": "object", "properties": {"name": {"type": "string"}, "phone": {"type": "string"}},
                   "description": "Sensitive: kept in one place, shown masked, never sent back."}}}


def _street(summary: str, body: dict[str, Any], description: str) -> dict[str, Any]:
    return {"post": {
        "summary": summary, "description": description, "parameters": [_ORDER_NO],
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
        "responses": {"200": _json(ORDER, "The order after it; its callback is queued."), **_COMMON,
                      "404": _error("No such order, or one of another grid."),
                      "409": _error("Not in a state that allows it (``message`` says why).")}}}


PATHS: dict[str, Any] = {
    "/api/hotline/orders": {"post": {
        "summary": "12345: dispatch a work order to the street (the platform)",
        "description": "Opens a case through the routing table (the hotline's category mapped to the street's); "
                       "the case keeps the order number and the hotline's deadline. Sending an order again is "
                       "answered 200 with the same case.",
        "requestBody": {"required": True, "content": {"application/json": {"schema": WORK_ORDER}}},
        "responses": {"201": _json(ORDER, "The new case."), "200": _json(ORDER, "Sent before: the same case."),
                      **_COMMON}}},
    "/api/hotline/orders/{order_no}": {"get": {
        "summary": "12345: one work order and its case", "parameters": [_ORDER_NO],
        "responses": {"200": _json(ORDER, "The order."),
                      **{k: v for k, v in _COMMON.items() if k not in ("415",)},
                      "404": _error("No such order, or one of another grid.")}}},
    "/api/hotline/orders/{order_no}/accept": _street(
        "12345: accept (签收) the order", {"type": "object"}, "Callback ``accepted``."),
    "/api/hotline/orders/{order_no}/object": _street(
        "12345: object (退回) with a reason — once per order, before a reply",
        {"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}},
        "Callback ``objected``."),
    "/api/hotline/orders/{order_no}/reply": _street(
        "12345: reply with the result (办理结果、回复)",
        {"type": "object", "required": ["reply"], "properties": {"reply": {"type": "string"}}},
        "Callback ``replied`` (``late`` when past the hotline's deadline)."),
    "/api/hotline/orders/{order_no}/visit": _street(
        "12345: the caller's 回访 rating (the platform)",
        {"type": "object", "required": ["rating"],
         "properties": {"rating": {"enum": ["satisfied", "basically", "dissatisfied"]},
                        "comment": {"type": "string"}}},
        "Given as the reporter's own rating: satisfied closes the case (callback ``closed``)."),
}
