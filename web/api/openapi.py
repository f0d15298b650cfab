"""The API's OpenAPI 3.1 document, written by hand next to the views it describes.

A test compares its paths and methods with the app's URL map, so a route added
without documentation (or documentation left behind) fails the build.
"""
from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from engine.cases.queries import MAX_ID

from web.access import public
from web.api.blueprint import bp


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


_NULLABLE_STRING = {"type": ["string", "null"]}
_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}

_ITEM_ID = {"name": "item_id", "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
            "description": "Work item id (``id`` in the inbox)."}

#: Answers every authenticated operation can give.
_AUTH_ERRORS = {
    "401": {**_error("No credentials, a wrong password, or an unknown, revoked or expired token."),
            "headers": {"WWW-Authenticate": {
                "required": True, "schema": {"type": "string"},
                "description": '``Basic realm="casegrid"``, or ``Bearer realm="casegrid", error="invalid_token"`` '
                               "when a token was sent."}}},
    "403": _error("The caller's role may not do this (or the item is held by a colleague)."),
    "429": _error("Too many failed authentications from this address (20 a minute); wait for the minute to end."),
}
#: Any request whose path, query or body holds control characters or lone surrogates (web/input_guard.py).
_BAD_TEXT = {"400": _error("Control characters or lone surrogates in the path, query or body "
                           "(``field_errors`` says where); nothing was written.")}
_POST_ERRORS = {
    **_AUTH_ERRORS,
    "404": _error("No such work item, or it belongs to another department or grid."),
    "409": _error("Someone completed the task or changed the case first; ``message`` says who and when."),
    "415": _error("The body is not ``application/json``."),
}

_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["error", "message", "status"],
        "properties": {
            "error": {"type": "string", "description": "Short title of the status."},
            "message": {"type": ["string", "null"], "description": "What went wrong, for a person (Chinese)."},
            "status": {"type": "integer"},
            "code": {"type": "string", "enum": ["invalid", "not_found", "forbidden", "conflict", "step_failed"],
                     "description": "Stable error code of an engine error."},
            "field_errors": {"type": "object", "additionalProperties": {"type": "string"},
                             "description": "For 400: field id → what is wrong with it."},
        },
    },
    "Task": {"type": "object", "properties": {"bpmn_id": {"type": "string"}, "name": {"type": "string"}}},
    "WorkItem": {
        "type": "object",
        "required": ["id", "case", "task", "role", "department", "assignee", "state", "due_at", "overdue"],
        "properties": {
            "id": {"type": "integer"},
            "case": {"type": "string", "description": "The case's tracking code."},
            "task": _ref("Task"),
            "role": {"type": "string"},
            "department": _NULLABLE_STRING,
            "assignee": {**_NULLABLE_STRING, "description": "Username holding the item; null while unclaimed."},
            "state": {"type": "string", "enum": ["ready", "claimed", "completed", "cancelled"]},
            "due_at": _NULLABLE_TIME,
            "overdue": {"type": "boolean"},
        },
    },
    "InboxItem": {"allOf": [_ref("WorkItem"), {"type": "object", "properties": {
        "case_title": {"type": "string"}, "category": {"type": "string"}}}]},
    "Inbox": {
        "type": "object", "required": ["items", "total", "limit", "offset"],
        "properties": {"items": {"type": "array", "items": _ref("InboxItem")}, "total": {"type": "integer"},
                       "limit": {"type": "integer"}, "offset": {"type": "integer"}},
    },
    "FormField": {
        "type": "object", "required": ["id", "label", "type", "required"],
        "properties": {
            "id": {"type": "string"}, "label": {"type": "string"},
            "type": {"type": "string", "enum": ["string", "long", "boolean", "date", "enum"]},
            "required": {"type": "boolean"},
            "options": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "string"}, "label": {"type": "string"}}},
                "description": "Allowed values (enum fields, and fields whose values are departments or grids)."},
            "default": {"type": "string"}, "min": {"type": "number"}, "max": {"type": "number"},
            "min_length": {"type": "integer"}, "max_length": {"type": "integer"},
        },
    },
    "WorkItemDetail": {"allOf": [_ref("WorkItem"), {"type": "object", "properties": {
        "case_version": {"type": "integer", "description": "Send back as ``expected_version`` when completing."},
        "completed_by": _NULLABLE_STRING, "finished_at": _NULLABLE_TIME,
        "form": {"type": "array", "items": _ref("FormField")}}}]},
    "Completion": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "data": {"type": "object", "description": "Form field id → value (see the item's ``form``)."},
            "expected_version": {"type": ["integer", "null"],
                                 "description": "Refuse with 409 if the case changed since this version."},
        },
    },
    "CaseState": {
        "type": "object",
        "properties": {"tracking_code": {"type": "string"}, "status": {"type": "string", "enum": ["open", "closed"]},
                       "phase": {"type": "string"}, "outcome": _NULLABLE_STRING, "version": {"type": "integer"}},
    },
    "CompletionResult": {
        "type": "object", "required": ["case", "next_work_items"],
        "properties": {"case": _ref("CaseState"),
                       "next_work_items": {"type": "array", "items": _ref("WorkItem"),
                                           "description": "Work items this step opened."}},
    },
    "Case": {"allOf": [_ref("CaseState"), {"type": "object", "properties": {
        "title": {"type": "string"}, "description": {"type": "string"}, "category": {"type": "string"},
        "channel": {"type": "string"}, "grid": _NULLABLE_STRING, "community": _NULLABLE_STRING,
        "address": _NULLABLE_STRING, "department": _NULLABLE_STRING,
        "opened_at": {"type": "string", "format": "date-time"},
        "opened_by": {"type": "string"}, "closed_at": _NULLABLE_TIME,
        "reporter": {"type": ["object", "null"], "description": "Masked contact of the reporter.",
                     "properties": {"name": _NULLABLE_STRING, "phone": _NULLABLE_STRING}},
        "work_items": {"type": "array", "items": _ref("WorkItem")}}}]},
}


def _action(summary: str, description: str) -> dict[str, Any]:
    """Claim or release: a POST with an (empty) JSON body that answers with the work item."""
    return {"post": {
        "summary": summary, "description": description, "parameters": [_ITEM_ID],
        "requestBody": {"required": False, "content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": {"200": _json(_ref("WorkItem"), "The work item now."), **_BAD_TEXT, **_POST_ERRORS},
    }}


PATHS: dict[str, Any] = {
    "/api/inbox": {"get": {
        "summary": "The caller's open work items",
        "description": "Items claimed by the caller, then the team's unclaimed ones; "
                       "each part earliest deadline first.",
        "parameters": [
            {"name": "limit", "in": "query",
             "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
            {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
            {"name": "category", "in": "query", "schema": {"type": "string"}},
            {"name": "grid", "in": "query", "schema": {"type": "string"}},
            {"name": "status", "in": "query",
             "schema": {"type": "string", "enum": ["all", "overdue", "due_soon", "claimed", "unclaimed"]}},
        ],
        "responses": {"200": _json(_ref("Inbox"), "One page of the inbox."),
                      "400": _error("A bad query parameter (named in ``field_errors``)."), **_AUTH_ERRORS},
    }},
    "/api/work-items/{item_id}": {"get": {
        "summary": "A work item and the form it needs",
        "parameters": [_ITEM_ID],
        "responses": {"200": _json(_ref("WorkItemDetail"), "The item, with its form fields from the diagram."),
                      **_BAD_TEXT, **_AUTH_ERRORS, "404": _POST_ERRORS["404"]},
    }},
    "/api/work-items/{item_id}/claim": _action("Claim a work item", "Take it from the team queue."),
    "/api/work-items/{item_id}/release": _action("Release a work item", "Put a claimed item back into the queue."),
    "/api/work-items/{item_id}/complete": {"post": {
        "summary": "Complete a work item with its form data",
        "parameters": [_ITEM_ID],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Completion")}}},
        "responses": {
            "200": _json(_ref("CompletionResult"), "The case's new state and the work items it now waits for."),
            "400": _error("The data was refused; ``field_errors`` names each bad field. Nothing was written."),
            **_POST_ERRORS,
            "422": _error("The process itself failed on this step; the case did not move."),
        },
    }},
    "/api/cases/{code}": {"get": {
        "summary": "A case: summary and open work items",
        "description": "Supervisors, the council and auditors see every case; a department the cases routed to it; "
                       "a grid worker the cases of their grid.",
        "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"},
                        "description": "Tracking code, e.g. 260302-ABCDEF."}],
        "responses": {"200": _json(_ref("Case"), "The case."), **_BAD_TEXT, **_AUTH_ERRORS,
                      "404": _error("No such case, or not one the caller may see.")},
    }},
    "/api/openapi.json": {"get": {
        "summary": "This document", "security": [],
        "responses": {"200": {"description": "The OpenAPI document.", "content": {"application/json": {}}}},
    }},
}


_SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer",
                   "description": "An API token (``cgt_…``) from ``casegrid tokens issue`` or the admin's token page; "
                                  "it acts as its account, with that account's role."},
    "basicAuth": {"type": "http", "scheme": "basic", "description": "A casegrid account's username and password."},
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "casegrid API",
            "version": "1",
            "description": (
                "The operations of casegrid's web UI for integrations. Authenticate every request with an API "
                "token (``Authorization: Bearer cgt_…``) or HTTP Basic and a casegrid account; the account's role "
                "decides what it may do, with the same rules as the UI. "
                "POST bodies must be ``application/json``. Errors are JSON objects (schema ``Error``); messages are "
                "in Chinese, the product's first language."),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}, {"basicAuth": []}],
        "paths": PATHS,
        "components": {"securitySchemes": _SECURITY_SCHEMES, "schemas": _SCHEMAS},
    }


@bp.route("/openapi.json")
@public
def openapi() -> ResponseReturnValue:
    return jsonify(document())
