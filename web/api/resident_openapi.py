"""The residents' app operations in the API's OpenAPI document (web/api/openapi.py merges them)."""
from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}
_TIME = {"type": "string", "format": "date-time"}
_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
_NULLABLE_STRING = {"type": ["string", "null"]}
_SECURITY: list[dict[str, list[str]]] = [{"residentToken": []}]
_CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"},
         "description": "The report's tracking code (only the token's own reports are found)."}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ERROR, description)


_THROTTLED = {"429": {**_error("Over this address's budget (RESIDENT_APP_LIMIT; codes and logins "
                               "RESIDENT_CODE_LIMIT); ``retry_after`` and Retry-After say when to try again."),
                      "headers": {"Retry-After": {"schema": {"type": "string"}}}}}
_BAD = {"400": _error("A missing or bad field (``field_errors``), or control characters; nothing was written.")}
_TOKEN_ERRORS = {
    "401": {**_error("No resident token, or one that is unknown or expired (tokens last two hours)."),
            "headers": {"WWW-Authenticate": {"required": True, "schema": {"type": "string"}}}},
    "404": _error("No report with this tracking code among the token's own (another resident's is not found "
                  "either)."),
    **_THROTTLED, **_BAD,
}
_JSON_ONLY = {"415": _error("The body is not ``application/json``.")}

REPORT_ROW = {"type": "object", "required": ["tracking_code", "title", "category", "status", "opened_at"],
              "properties": {"tracking_code": {"type": "string"}, "title": {"type": "string"},
                             "category": {"type": "string"}, "status": {"enum": ["open", "closed"]},
                             "outcome": _NULLABLE_STRING, "opened_at": _TIME, "closed_at": _NULLABLE_TIME}}
REPORT_VIEW = {"type": "object",
               "required": ["tracking_code", "status", "stage", "can_rate", "following", "steps"],
               "properties": {"tracking_code": {"type": "string"}, "title": {"type": "string"},
                              "category": {"type": "string"}, "status": {"enum": ["open", "closed"]},
                              "stage": {"type": "string"}, "opened_at": _TIME, "outcome": _NULLABLE_STRING,
                              "can_rate": {"type": "boolean"}, "rate_until": _NULLABLE_TIME,
                              "following": {"type": "boolean", "description": "Progress goes to the phone."},
                              "steps": {"type": "array", "items": {
                                  "type": "object", "required": ["kind", "at"],
                                  "properties": {"kind": {"type": "string"}, "at": _TIME}}}}}

VOLUNTEERS = {"type": "object", "required": ["volunteers"], "properties": {"volunteers": {"type": "array", "items": {
    "type": "object",
    "required": ["name", "grid", "active", "hours_this_year", "points", "time_bank_minutes", "services", "ledger"],
    "properties": {
        "name": {"type": "string"}, "grid": _NULLABLE_STRING, "active": {"type": "boolean"},
        "hours_this_year": {"type": "number"}, "points": {"type": "integer"}, "time_bank_minutes": {"type": "integer"},
        "services": {"type": "array", "items": {"type": "object", "properties": {
            "served_on": {"type": "string", "format": "date"}, "hours": {"type": "number"},
            "description": {"type": "string"}, "status": {"type": "string"}, "note": _NULLABLE_STRING}}},
        "ledger": {"type": "array", "items": {"type": "object", "properties": {
            "account": {"type": "string"}, "amount": {"type": "integer"}, "balance": {"type": "integer"},
            "reason": {"type": "string"}, "at": _TIME}}}}}}}}


def _action(summary: str, body: dict[str, Any], description: str = "") -> dict[str, Any]:
    return {"post": {
        "summary": summary, "description": description, "security": _SECURITY, "parameters": [_CODE],
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
        "responses": {"200": _json(REPORT_VIEW, "The report after it."), **_TOKEN_ERRORS, **_JSON_ONLY,
                      "409": _error("Not possible now (nothing to rate, the case is closed, or someone acted "
                                    "first).")}}}


PATHS: dict[str, Any] = {
    "/api/resident/codes": {"post": {
        "summary": "Residents' app: send a verification code to a phone",
        "description": "Six digits by SMS (the deployment's notification senders), valid 10 minutes, five guesses; "
                       "at most five codes a phone an hour.",
        "security": [],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["phone"], "properties": {"phone": {"type": "string"}}}}}},
        "responses": {"202": _json({"type": "object", "properties": {"sent": {"type": "boolean"},
                                                                     "expires_in": {"type": "integer"}}},
                                   "The code is on its way."),
                      **_BAD, **_JSON_ONLY, **_THROTTLED,
                      "409": _error("Too many codes for this phone in the last hour.")}}},
    "/api/resident/tokens": {"post": {
        "summary": "Residents' app: trade phone and code for a token",
        "security": [],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["phone", "code"],
            "properties": {"phone": {"type": "string"}, "code": {"type": "string"}}}}}},
        "responses": {"201": _json({"type": "object", "required": ["token", "expires_at"],
                                    "properties": {"token": {"type": "string"}, "token_type": {"type": "string"},
                                                   "expires_at": _TIME}},
                                   "A resident token (``cgr_…``) for two hours."),
                      **_BAD, **_JSON_ONLY, **_THROTTLED}}},
    "/api/resident/reports": {
        "get": {"summary": "Residents' app: my reports, newest first", "security": _SECURITY,
                "responses": {"200": _json({"type": "object", "required": ["reports"], "properties": {
                    "reports": {"type": "array", "items": REPORT_ROW}}}, "The token's own reports."),
                    **{k: v for k, v in _TOKEN_ERRORS.items() if k != "404"}}},
        "post": {"summary": "Residents' app: report an issue (随手拍) with photos and location",
                 "security": _SECURITY,
                 "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                     "type": "object", "required": ["category", "description"],
                     "properties": {"category": {"type": "string", "description": "An issue category's name."},
                                    "description": {"type": "string"}, "address": {"type": "string"},
                                    "grid": {"type": "string"}, "lat": {"type": "string"},
                                    "long": {"type": "string"},
                                    "follow": {"type": "string", "enum": ["1", "0", "true", "false"],
                                               "description": "Consent: send progress to the verified phone."},
                                    "privacy_mode": {"type": "string", "enum": ["1", "0", "true", "false"],
                                                     "description": "隐私保护模式: the case never reaches a public "
                                                                    "page and staff see no contact without a purpose."},
                                    "photo": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}},
                 "responses": {"201": _json({"type": "object", "required": ["tracking_code"],
                                             "properties": {"tracking_code": {"type": "string"}}},
                                            "The new report's tracking code."),
                               **{k: v for k, v in _TOKEN_ERRORS.items() if k != "404"},
                               "413": _error("The body is too large."),
                               "415": _error("The body is not ``multipart/form-data``."),
                               "503": _error("The evidence store is unavailable; nothing was written.")}}},
    "/api/resident/reports/{code}": {"get": {
        "summary": "Residents' app: one of my reports, with its progress", "security": _SECURITY,
        "parameters": [_CODE],
        "responses": {"200": _json(REPORT_VIEW, "The report."), **_TOKEN_ERRORS}}},
    "/api/resident/reports/{code}/information": _action(
        "Residents' app: add information to my open report", {
            "type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}},
        "Recorded for the staff, not published."),
    "/api/resident/reports/{code}/rating": _action(
        "Residents' app: rate the result", {
            "type": "object", "required": ["rating"],
            "properties": {"rating": {"enum": ["satisfied", "basically", "dissatisfied"]},
                           "comment": {"type": "string"}}}),
    "/api/resident/reports/{code}/follow": _action(
        "Residents' app: follow (progress messages to the verified phone)", {
            "type": "object", "required": ["consent"], "properties": {"consent": {"const": True}}}),
    "/api/resident/reports/{code}/withdraw": _action(
        "Residents' app: withdraw consent to messages about the report", {"type": "object"}),
    "/api/resident/volunteer": {"get": {
        "summary": "Residents' app: my volunteer records (志愿者): services, points and time bank",
        "description": "The volunteers registered with the token's verified phone; an empty list when it belongs "
                       "to none.",
        "security": _SECURITY,
        "responses": {"200": _json(VOLUNTEERS, "The volunteer records."),
                      "401": _TOKEN_ERRORS["401"], **_THROTTLED}}},
}

SECURITY_SCHEME = {"type": "http", "scheme": "bearer",
                   "description": "A resident token (``cgr_…``) from ``POST /api/resident/tokens``: two hours, "
                                  "acts only on the reports filed with it."}
