"""The JSON API against its own OpenAPI document, with schemathesis in-process (no server, no network).

Every operation gets a bounded number of generated requests, valid and invalid, sent
with a grid worker's API token over a database holding a few cases (so small ids hit
real work items): no answer may be a server error, and every answer must be one the
document describes — status code, content type, headers and body schema.
"""
from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from engine.demo.driver import Driver
from web.api.openapi import PATHS

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
OPERATIONS = [(path, method) for path, item in PATHS.items() for method in item]
#: Generated requests per operation: enough to cross every documented answer, small enough for CI.
EXAMPLES = 25


@pytest.fixture
def token(app: Flask, driver: Driver) -> str:
    """A grid worker's token over three cases, one of them gone on to the council (small ids are real items)."""
    for description in ("楼道灯坏了", "垃圾没人清运", "路面塌陷"):
        case = driver.report(description, "公共设施")
    driver.do(case, "triage", triage_decision="negotiate")
    secret: str = app.extensions["casegrid.tokens"].issue("wangge", "schemathesis", by="test").secret
    return secret


# pytest-level ``schema.parametrize`` cannot take the parametrized ``app`` fixture under pytest 9
# (schemathesis' lazy fixture loader reads a private pytest attribute), and one app per operation
# would pay the database setup seven times: one test walks the operations, a Hypothesis run each.
def test_every_operation_answers_as_documented(app: Flask, token: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    for path, method in OPERATIONS:
        operation = schema[path][method.upper()]
        cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                          operation.as_strategy(GenerationMode.NEGATIVE))

        @given(case=cases)
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def answers_as_documented(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        answers_as_documented()
