"""An OpenAPI 3.1 description of casegrid's Open311 GeoReport v2 endpoint (``/open311/v2/openapi.json``).

GeoReport itself is specified in prose; this document states what casegrid answers,
so clients can generate code and the tests can fuzz every operation with schemathesis.
XML answers carry the same fields as the JSON ones (``<services><service>…``,
``<service_requests><request>…``, ``<errors><error>…``).
"""
from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from web.access import public
from web.open311.blueprint import bp
from web.open311.formats import FORMATS

_STRING = {"type": "string"}
_NULLABLE_STRING = {"type": ["string", "null"]}
_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _answer(fmt: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    """An answer of a ``.json`` path (with its schema) or of a ``.xml`` one (the same fields as elements)."""
    if fmt == "json":
        return {"description": description, "content": {"application/json": {"schema": schema}}}
    return {"description": description, "content": {"text/xml": {"schema": _STRING}}}


_SCHEMAS: dict[str, Any] = {
    "Discovery": {
        "type": "object", "required": ["changeset", "contact", "key_service", "endpoints"],
        "properties": {"changeset": {"type": "string", "format": "date-time"}, "contact": _STRING,
                       "key_service": _STRING, "endpoints": {"type": "array", "items": {
                           "type": "object", "required": ["specification", "url", "changeset", "type", "formats"],
                           "properties": {"specification": _STRING, "url": _STRING,
                                          "changeset": {"type": "string", "format": "date-time"},
                                          "type": {"enum": ["production", "test"]},
                                          "formats": {"type": "array", "items": _STRING}}}}}},
    "Errors": {"type": "array", "items": {
        "type": "object", "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": _STRING}}},
    "Service": {
        "type": "object",
        "required": ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"],
        "properties": {"service_code": _STRING, "service_name": _STRING, "description": _STRING,
                       "metadata": {"type": "boolean"}, "type": {"enum": ["realtime", "batch", "blackbox"]},
                       "keywords": _STRING, "group": _STRING}},
    "ServiceDefinition": {
        "type": "object", "required": ["service_code", "attributes"],
        "properties": {"service_code": _STRING, "attributes": {"type": "array", "items": {
            "type": "object",
            "required": ["variable", "code", "datatype", "required", "datatype_description", "order", "description"],
            "properties": {
                "variable": {"type": "boolean"}, "code": _STRING,
                "datatype": {"enum": ["string", "number", "datetime", "text", "singlevaluelist",
                                      "multivaluelist"]},
                "required": {"type": "boolean"}, "datatype_description": _STRING, "order": {"type": "integer"},
                "description": _STRING,
                "values": {"type": "array", "items": {"type": "object", "required": ["key", "name"],
                                                      "properties": {"key": _STRING, "name": _STRING}}}}}}}},
    "Created": {"type": "array", "items": {
        "type": "object", "required": ["service_request_id"],
        "properties": {"service_request_id": _STRING, "service_notice": _NULLABLE_STRING,
                       "account_id": _NULLABLE_STRING,
                       "reporter_url": {**_STRING, "description": (
                           "Extension: the resident's private link (rate the result, act as the reporter). "
                           "Returned only here, once; pass it to the resident. The service_request_id only shows "
                           "progress.")}}}},
    "ServiceRequest": {
        "type": "object", "required": ["service_request_id", "status", "service_name", "requested_datetime"],
        "properties": {
            "service_request_id": {**_STRING, "description": "The case's tracking code."},
            "status": {"enum": ["open", "closed"]},
            "status_notes": {**_NULLABLE_STRING, "description": "How a closed case ended (resolved, rejected …)."},
            "service_name": _STRING, "service_code": _NULLABLE_STRING, "description": _NULLABLE_STRING,
            "agency_responsible": {**_NULLABLE_STRING, "description": "The department responsible now."},
            "service_notice": _NULLABLE_STRING, "requested_datetime": {"type": "string", "format": "date-time"},
            "updated_datetime": _NULLABLE_TIME,
            "expected_datetime": {**_NULLABLE_TIME, "description": "The earliest deadline of the open work."},
            "address": _NULLABLE_STRING, "address_id": _NULLABLE_STRING, "zipcode": _NULLABLE_STRING,
            "lat": {"type": ["number", "null"]}, "long": {"type": ["number", "null"]},
            "media_url": {**_NULLABLE_STRING, "description": "The request's first public photo: a copy re-encoded "
                                                              "without EXIF (never the original)."}}},
}

_CODE = {"name": "code", "in": "path", "required": True, "schema": _STRING}
_JURISDICTION = {"name": "jurisdiction_id", "in": "query", "schema": _STRING,
                 "description": "Optional: this endpoint serves one jurisdiction (see discovery); another is 404."}
_NEW_REQUEST = {
    "type": "object", "required": ["api_key", "service_code"],
    "properties": {
        "api_key": {**_STRING, "description": "An API token of a grid worker's account."},
        "jurisdiction_id": _JURISDICTION["schema"],
        "service_code": _STRING, "description": {**_STRING, "description": "Optional, at most 4000 characters."},
        "lat": _STRING, "long": _STRING,
        "address_string": _STRING, "address_id": {**_STRING, "description": (
            "An id in the jurisdiction's address register; lat and long, address_string or address_id locate "
            "the request.")}, "first_name": _STRING, "last_name": _STRING, "phone": _STRING,
        "email": _STRING, "device_id": _STRING, "account_id": _STRING,
        "media_url": {**_STRING, "description": "A link to a photo the client keeps: recorded in the case as given."},
        "attribute[grid]": {**_STRING, "description": "A grid code from the service definition."},
        "attribute[privacy_mode]": {"type": "string", "enum": ["true", "false"],
                                    "description": "The resident's 隐私保护模式: true keeps the request off the public "
                                                   "pages and the public listings (default false)."}},
}
_LIST_QUERY = [
    _JURISDICTION,
    {"name": "service_request_id", "in": "query", "schema": _STRING,
     "description": "Tracking codes, comma-separated (at most 100); the other filters are then ignored."},
    {"name": "service_code", "in": "query", "schema": _STRING},
    {"name": "start_date", "in": "query", "schema": {"type": "string", "format": "date-time"}},
    {"name": "end_date", "in": "query", "schema": {"type": "string", "format": "date-time"},
     "description": "Without dates: the last 90 days. At most 90 days apart; at most 1000 requests, newest first."},
    {"name": "status", "in": "query", "schema": _STRING, "description": "open, closed, or both comma-separated."},
]


def _operations(fmt: str) -> dict[str, Any]:
    def answer(schema: dict[str, Any], description: str) -> dict[str, Any]:
        return _answer(fmt, schema, description)

    def errors(description: str) -> dict[str, Any]:
        return _answer(fmt, _ref("Errors"), description)

    #: Every operation has a budget (README, "Rate limits"); the description says when to retry.
    throttled = {"429": {**errors("Over the budget of this address, or of the api_key's token; the error's "
                                  "description and the Retry-After header say when to try again."),
                         "headers": {"Retry-After": {"schema": {"type": "string"},
                                                     "description": "Seconds until the budget refills."}}}}

    #: Any parameter may carry characters no text should (web/input_guard.py refuses them).
    bad = {"400": errors("Control characters or invalid text in a parameter; nothing was read or written.")}

    return {
        f"/open311/v2/discovery.{fmt}": {"get": {
            "summary": "Service discovery: the endpoint, its formats, whom to contact and how to get an api_key",
            "responses": {"200": answer(_ref("Discovery"), "The discovery document."), **bad, **throttled}}},
        f"/open311/v2/services.{fmt}": {"get": {
            "summary": "The services (issue categories)", "parameters": [_JURISDICTION],
            "responses": {"200": answer({"type": "array", "items": _ref("Service")}, "Active categories."),
                          "404": errors("Another jurisdiction_id."), **bad, **throttled}}},
        f"/open311/v2/services/{{code}}.{fmt}": {"get": {
            "summary": "A service's definition: its attributes", "parameters": [_CODE, _JURISDICTION],
            "responses": {"200": answer(_ref("ServiceDefinition"), "The attributes a request may carry."), **bad,
                          "404": errors("No such active service, or another jurisdiction_id."),
                          **throttled}}},
        f"/open311/v2/requests.{fmt}": {
            "get": {"summary": "Service requests", "parameters": _LIST_QUERY,
                    "responses": {"200": answer({"type": "array", "items": _ref("ServiceRequest")},
                                                 "Newest first."),
                                  "400": errors("A bad filter."),
                                  "404": errors("Another jurisdiction_id."), **throttled}},
            "post": {"summary": "File a service request (opens a case)",
                     "requestBody": {"required": True, "content": {
                         "application/x-www-form-urlencoded": {"schema": _NEW_REQUEST},
                         "multipart/form-data": {"schema": {**_NEW_REQUEST, "properties": {
                             **_NEW_REQUEST["properties"],
                             "media": {"type": "string", "format": "binary",
                                       "description": "A photo (JPEG, PNG, WebP, HEIC), as FixMyStreet's Open311 takes it; "
                                                      "sniffed from its content and stored with the case."}}}}}},
                     "responses": {"201": answer(_ref("Created"), "The new request's id (its tracking code)."),
                                   "400": errors("A missing or bad field (a ``media`` that is no photo, a bad "
                                                 "``media_url``); nothing was written."),
                                   "403": errors("No valid api_key."),
                                   "404": errors("No such active service_code, or another jurisdiction_id."),
                                   "413": errors("The body is too large."),
                                   "503": errors("The evidence store is unavailable; nothing was written."),
                                   **throttled}}},
        f"/open311/v2/requests/{{code}}.{fmt}": {"get": {
            "summary": "One service request", "parameters": [_CODE, _JURISDICTION],
            "responses": {"200": answer({"type": "array", "items": _ref("ServiceRequest"), "maxItems": 1},
                                         "The request."),
                          "404": errors("No request with this tracking code."), **bad, **throttled}}},
    }


def document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for fmt in FORMATS:
        paths |= _operations(fmt)
    paths["/open311/v2/openapi.json"] = {"get": {
        "summary": "This document",
        "responses": {"200": {"description": "The OpenAPI document.", "content": {"application/json": {}}}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "casegrid Open311 GeoReport v2", "version": "2",
                 "description": "Reports from residents as GeoReport v2 service requests. Reading is public and "
                                "shows no personal data; filing needs an api_key."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": _SCHEMAS},
    }


@bp.route("/openapi.json")
@public
def openapi() -> ResponseReturnValue:
    return jsonify(document())
