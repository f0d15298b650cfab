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
from web.api.hotline_openapi import PATHS as HOTLINE_PATHS
from web.api.resident_openapi import PATHS as RESIDENT_PATHS
from web.api.resident_openapi import SECURITY_SCHEME as RESIDENT_SCHEME


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


_NULLABLE_STRING = {"type": ["string", "null"]}
_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
_PRIORITY = {"type": "string", "enum": ["normal", "urgent", "critical"], "description": "一般 / 紧急 / 特急."}

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
    "429": _error("Too many failed authentications from this address (20 a minute), or a token over its quota "
                  "(INTEGRATION_LIMIT); ``retry_after`` and the Retry-After header say when to try again."),
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
            "code": {"type": "string", "enum": ["invalid", "not_found", "forbidden", "conflict", "step_failed",
                                                "storage_unavailable"],
                     "description": "Stable error code of an engine error (``storage_unavailable``: 503, the "
                                    "database cannot store now; nothing was written)."},
            "retry_after": {"type": "integer", "description": "For 429: seconds until the budget refills."},
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
            "priority": _PRIORITY,
            "due_at": _NULLABLE_TIME,
            "overdue": {"type": "boolean"},
            "deadline": {"oneOf": [_ref("Deadline"), {"type": "null"}]},
        },
    },
    "Deadline": {
        "type": "object", "required": ["state", "urgent", "workdays_left", "workdays_overdue", "minutes_left",
                                       "minutes_overdue"],
        "description": "The deadline as every page reads it: ordinary matters in working days of the official "
                       "calendar, urgent ones (紧急 / 特急, ``urgent``) in clock minutes.",
        "properties": {
            "state": {"type": "string", "enum": ["overdue", "due_today", "due_soon", "open"],
                      "description": "Urgent: due_today within the hour, due_soon within four hours."},
            "urgent": {"type": "boolean"},
            "workdays_left": {"type": "integer"}, "workdays_overdue": {"type": "integer"},
            "minutes_left": {"type": "integer"}, "minutes_overdue": {"type": "integer"},
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
            "type": {"type": "string", "enum": ["string", "long", "boolean", "date", "enum", "file", "photo"],
                     "description": "``file``/``photo``: a list of sha256 of files uploaded to /api/evidence "
                                    "(``photo``: images only)."},
            "purpose": {"type": "string", "description": "File fields: why the files are attached (before, after, "
                                                         "document, agreement …); another purpose is refused."},
            "min_files": {"type": "integer"}, "max_files": {"type": "integer"},
            "required": {"type": "boolean"},
            "options": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "string"}, "label": {"type": "string"}}},
                "description": "Allowed values (enum fields, and fields whose values are departments or grids)."},
            "default": {"type": "string"}, "min": {"type": "number"}, "max": {"type": "number"},
            "min_length": {"type": "integer"}, "max_length": {"type": "integer"},
            "multiple": {"type": "boolean", "description": "The value is a list of option ids (e.g. co-departments)."},
            "suggested": {"description": "The value the case proposes (e.g. the routing table's department); "
                                         "a list for ``multiple`` fields."},
            "shown_when": {"type": "object", "description": "Only meaningful when field ``field`` has one of ``values``.",
                           "properties": {"field": {"type": "string"},
                                          "values": {"type": "array", "items": {"type": "string"}}}},
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
        "priority": _PRIORITY, "work_items": {"type": "array", "items": _ref("WorkItem")}}}]},
    "SummonedDepartment": {
        "type": "object",
        "description": "One department's turn at the case: lead (牵头), co (协办) or sole (直接派单), per dispatch round.",
        "properties": {
            "department": {"type": "string"}, "department_name": {"type": "string"},
            "part": {"type": "string", "enum": ["sole", "lead", "co"]}, "round": {"type": "integer"},
            "state": {"type": "string", "enum": ["pending", "accepted", "on_site", "completed", "returned", "reassigned"]},
            "summoned_at": {"type": "string", "format": "date-time"},
            "accept_due": _NULLABLE_TIME, "reported_in_at": {**_NULLABLE_TIME, "description": "报到 (accepted)."},
            "onsite_due": _NULLABLE_TIME, "on_site_at": _NULLABLE_TIME, "complete_due": _NULLABLE_TIME,
            "done_at": {**_NULLABLE_TIME, "description": "Completion (lead, sole) or the part's report (co)."},
            "return_reason": _NULLABLE_STRING, "escalations": {"type": "integer"}, "urges": {"type": "integer"},
            "last_urged_at": _NULLABLE_TIME,
            "open_task": {"type": ["object", "null"], "description": "Urge it or ask an extension on it.",
                          "properties": {"work_item": {"type": "integer"}, "bpmn_id": {"type": "string"},
                                         "name": {"type": "string"}, "due_at": _NULLABLE_TIME,
                                         "overdue": {"type": "boolean"}}},
            "extensions": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "integer"}, "state": {"type": "string", "enum": ["pending", "approved", "refused", "lapsed"]},
                "requested_due": {"type": "string", "format": "date-time"}, "reason": {"type": "string"},
                "requested_at": {"type": "string", "format": "date-time"}, "decided_at": _NULLABLE_TIME,
                "note": _NULLABLE_STRING}}},
        },
    },
    "DispatchBoard": {
        "type": "object", "required": ["case", "priority", "departments"],
        "properties": {
            "case": {"type": "string"}, "priority": _PRIORITY,
            "suggested_department": {**_NULLABLE_STRING, "description": "The routing table's suggestion."},
            "departments": {"type": "array", "items": _ref("SummonedDepartment"),
                            "description": "Newest dispatch first, the lead before its co-departments."},
        },
    },
    "Whistle": {
        "type": "object", "additionalProperties": False, "required": ["lead", "co_departments", "reason"],
        "properties": {"lead": {"type": "string", "description": "Department code of the lead (牵头)."},
                       "co_departments": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                                          "description": "Department codes of the co-departments (协办)."},
                       "reason": {"type": "string"}},
    },
    "ExtensionRequest": {
        "type": "object", "additionalProperties": False, "required": ["new_due", "reason"],
        "properties": {"new_due": {"type": "string", "format": "date"}, "reason": {"type": "string"}},
    },
    "ExtensionDecision": {
        "type": "object", "additionalProperties": False, "required": ["approve"],
        "properties": {"approve": {"type": "boolean"},
                       "note": {"type": "string", "description": "Required when refusing."}},
    },
    "PendingExtension": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "case": {"type": "string"}, "case_title": {"type": "string"},
                       "department": _NULLABLE_STRING, "department_name": {"type": "string"},
                       "work_item": {"type": "integer"}, "task": {"type": "string"},
                       "current_due": _NULLABLE_TIME, "requested_due": {"type": "string", "format": "date-time"},
                       "reason": {"type": "string"}, "requested_at": {"type": "string", "format": "date-time"},
                       "requested_by": {"type": "string"}},
    },
    "Urge": {"type": "object", "additionalProperties": False, "required": ["message"],
             "properties": {"message": {"type": "string"}}},
}


def _dispatch_post(summary: str, description: str, body: str, answer: dict[str, Any],
                   parameter: dict[str, Any]) -> dict[str, Any]:
    """A dispatch operation: a JSON body refused field by field (400, nothing written) or done."""
    return {"post": {
        "summary": summary, "description": description, "parameters": [parameter],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(body)}}},
        "responses": {**answer, "400": _error("Refused; ``field_errors`` names each bad field. Nothing was written."),
                      **_POST_ERRORS},
    }}


_CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"},
         "description": "Tracking code, e.g. 260302-ABCDEF."}


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
    "/api/evidence": {"post": {
        "summary": "Upload a photo or PDF to attach with a step",
        "description": "Multipart ``file``: JPEG, PNG, WebP, HEIC or a plain PDF, sniffed from its content (10 MB by "
                       "default). Name the answer's ``sha256`` in a completion's ``file``/``photo`` field: a list "
                       "of hashes or of ``{\"sha256\": …, \"purpose\": …}`` (a purpose other than the field's is "
                       "refused). An upload no step attaches is removed after a grace period.",
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}}}}}},
        "responses": {
            "201": _json({"type": "object", "required": ["sha256", "size", "media_type"], "properties": {
                "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "size": {"type": "integer"},
                "media_type": {"type": "string"}}}, "The file was stored; not yet in any case."),
            "400": _error("Not a photo or plain PDF (a renamed program, a polyglot, a truncated file, an image "
                          "bomb …) or over the size limit; ``field_errors.file`` says why. Nothing was stored."),
            **_AUTH_ERRORS,
            "413": _error("The body is larger than the upload limit."),
            "415": _error("The body is not multipart/form-data with a ``file`` part (e.g. a malformed multipart "
                          "body); nothing was stored."),
            "503": _error("The evidence store is unavailable; nothing was stored."),
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
    "/api/cases/{code}/dispatch": {"get": {
        "summary": "Who was summoned to a case, who reported in and when (派单与报到)",
        "parameters": [_CODE],
        "responses": {"200": _json(_ref("DispatchBoard"), "Each summoned department with its deadlines."),
                      **_BAD_TEXT, **_AUTH_ERRORS, "404": _error("No such case, or not one the caller may see.")},
    }},
    "/api/cases/{code}/whistle": _dispatch_post(
        "Blow the whistle (吹哨): summon a lead department and co-departments",
        "The grid worker of the case's grid, the community (council) or a supervisor, on a case waiting for "
        "dispatch (409 otherwise). A whistle without a lead, an unknown or disabled department, or the lead also "
        "listed as a co-department is refused naming the field.",
        "Whistle", {"200": _json(_ref("DispatchBoard"), "The case's board after the whistle.")}, _CODE),
    "/api/work-items/{item_id}/extension": _dispatch_post(
        "Ask for an extension (申请延期) of a department's open work item",
        "The department holding the item; a date in the past or beyond the maximum is refused (``new_due``).",
        "ExtensionRequest", {"201": _json({"type": "object", "properties": {
            "id": {"type": "integer"}, "state": {"type": "string"}}}, "The request, pending the decision.")},
        _ITEM_ID),
    "/api/extensions": {"get": {
        "summary": "Extension requests waiting for a decision (supervisors)",
        "responses": {"200": _json({"type": "object", "properties": {
            "items": {"type": "array", "items": _ref("PendingExtension")}}}, "Oldest first."), **_AUTH_ERRORS},
    }},
    "/api/extensions/{extension_id}/decision": _dispatch_post(
        "Approve or refuse an extension request", "Supervisors; refusing needs a ``note``.", "ExtensionDecision",
        {"200": _json({"type": "object", "properties": {"id": {"type": "integer"}, "state": {"type": "string"}}},
                      "The decision.")},
        {"name": "extension_id", "in": "path", "required": True,
         "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID}}),
    "/api/work-items/{item_id}/urge": _dispatch_post(
        "Urge (催办) an open assignment", "Supervisors; the department is notified and the urging recorded.",
        "Urge", {"200": _json({"type": "object", "properties": {"work_item": {"type": "integer"},
                                                               "urged": {"type": "boolean"}}}, "Recorded.")},
        _ITEM_ID),
    "/api/processes": {"get": {
        "summary": "The processes the caller may start a case of, with their start forms",
        "description": "Every published process except those whose cases open through a page of their own "
                       "(the civic loop's report, mediation's intake).",
        "responses": {"200": _json({"type": "object", "properties": {"items": {"type": "array", "items": {
            "type": "object", "properties": {"key": {"type": "string"}, "name": {"type": "string"},
                                             "start_form": {"type": "array", "items": {"type": "object"}}}}}}},
            "The processes."), **_AUTH_ERRORS},
    }},
    "/api/processes/{key}/cases": {"post": {
        "summary": "Start a case of a published process (新建案件)",
        "description": "``data`` holds the start event's form fields, checked like a task form. The process's "
                       "start lane says which role may start it (supervisors always may).",
        "parameters": [{"name": "key", "in": "path", "required": True, "schema": {"type": "string"},
                        "description": "Process key, e.g. dibao_review."}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "additionalProperties": False,
            "properties": {"data": {"type": "object"}}}}}},
        "responses": {"201": _json({"type": "object", "properties": {
            "tracking_code": {"type": "string"}, "process": {"type": "string"}, "status": {"type": "string"},
            "phase": {"type": "string"}, "version": {"type": "integer"}}}, "The new case."),
            "400": _error("Refused; ``field_errors`` names each bad field. Nothing was written."),
            **_BAD_TEXT, **_POST_ERRORS, "404": _error("No published process with this key."),
            "409": _error("The process opens its cases through a page of its own.")},
    }},
    "/api/cases/{code}/messages": {"post": {
        "summary": "Deliver a message the case's diagram waits for (message catch event)",
        "description": "Correlated by case and message name; ``data`` lands in the process variable named after "
                       "the message. Supervisors (an integration's token belongs to one). 409 when the case is not "
                       "waiting for that message now.",
        "parameters": [_CODE],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "additionalProperties": False, "required": ["name"],
            "properties": {"name": {"type": "string"}, "data": {"type": "object"}}}}}},
        "responses": {"200": _json({"type": "object", "properties": {
            "tracking_code": {"type": "string"}, "status": {"type": "string"}, "phase": {"type": "string"},
            "version": {"type": "integer"}}}, "The case after the message."),
            "400": _error("Refused; ``field_errors`` names the bad field. Nothing was written."),
            **_BAD_TEXT, **_POST_ERRORS, "404": _error("No such case, or not one the caller may see.")},
    }},
    "/api/openapi.json": {"get": {
        "summary": "This document", "security": [],
        "responses": {"200": {"description": "The OpenAPI document.", "content": {"application/json": {}}}},
    }},
}


PATHS |= HOTLINE_PATHS

_SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer",
                   "description": "An API token (``cgt_…``) from ``casegrid tokens issue`` or the admin's token page; "
                                  "it acts as its account, with that account's role."},
    "basicAuth": {"type": "http", "scheme": "basic", "description": "A casegrid account's username and password."},
    "residentToken": RESIDENT_SCHEME,
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
        "paths": PATHS | RESIDENT_PATHS,
        "components": {"securitySchemes": _SECURITY_SCHEMES, "schemas": _SCHEMAS},
    }


@bp.route("/openapi.json")
@public
def openapi() -> ResponseReturnValue:
    return jsonify(document())
