"""The JSON API and the Open311 endpoint against their own OpenAPI documents, with schemathesis in-process.

Every operation gets a bounded number of generated requests, valid and invalid, sent
with a grid worker's API token over a database holding a few cases (so small ids hit
real work items): no answer may be a server error, and every answer must be one the
document describes — status code, content type, headers and body schema.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
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

from sqlalchemy import text

from engine import Intake
from engine.demo.driver import Driver
from engine.cases.location import Location
from web.api.openapi import PATHS
from web.api.resident_openapi import PATHS as RESIDENT_PATHS
from web.open311.openapi import document as open311_document

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
OPERATIONS = [(path, method) for path, item in PATHS.items() for method in item]
#: Generated requests per operation: enough to cross every documented answer, small enough for CI.
EXAMPLES = 25


@dataclass
class World:
    """What the generated requests can aim at besides random values: real ids and codes."""

    token: str
    #: Path parameter → values that name something real.
    known: dict[str, list[Any]] = field(default_factory=dict)


@pytest.fixture
def world(app: Flask, driver: Driver) -> World:
    """A grid worker's token over three cases of their grid, one gone on to the council."""
    cases = [driver.report(description, "公共设施") for description in ("楼道灯坏了", "垃圾没人清运", "路面塌陷")]
    driver.do(cases[-1], "triage", triage_decision="negotiate")
    items = [i.id for c in cases for i in driver.service.work_items(c.id)]
    token: str = app.extensions["casegrid.tokens"].issue("wangge", "schemathesis", by="test").secret
    codes = [c.tracking_code for c in cases]
    return World(token, {"item_id": items, "code": codes + ["1", "2"]})


def _strategy(operation: Any, world: World) -> Any:
    """Generated requests, valid and invalid, and valid ones whose path names real objects."""
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    for name in (p.name for p in operation.path_parameters):
        strategies += [operation.as_strategy(GenerationMode.POSITIVE, path_parameters={name: value})
                       for value in world.known.get(name, [])]
    return st.one_of(strategies)


def _check_every_operation(schema: Any, operations: list[tuple[str, str]], world: World, headers: dict[str, str],
                           adapt: Any = None) -> None:
    for path, method in operations:
        cases = _strategy(schema[path][method.upper()], world)
        if adapt is not None:
            cases = st.tuples(cases, st.booleans()).map(adapt)

        @given(case=cases)
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def answers_as_documented(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        answers_as_documented()


# pytest-level ``schema.parametrize`` cannot take the parametrized ``app`` fixture under pytest 9
# (schemathesis' lazy fixture loader reads a private pytest attribute), and one app per operation
# would pay the database setup for each: one test walks the operations, a Hypothesis run each.
def test_every_api_operation_answers_as_documented(app: Flask, world: World) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    _check_every_operation(schema, OPERATIONS, world, {"Authorization": f"Bearer {world.token}"})


def test_every_resident_app_operation_answers_as_documented(app: Flask, world: World) -> None:
    """With a resident's token over two of their own reports (and the staff world's codes, which are not theirs)."""
    service = app.extensions["casegrid.resident_app"]
    service.request_code("13812345678")
    with service.db.reading() as s:
        message = s.execute(text("SELECT message FROM notification WHERE kind = 'verification_code' "
                                 "ORDER BY id DESC LIMIT 1")).scalar_one()
    token = service.verify("13812345678", re.search(r"\d{6}", message).group(0)).token
    who = service.authenticate(token)
    own = [service.report(who, Intake(description=d, category="环境卫生", channel="resident_app"),
                          Location(address="幸福里"), follow=True) for d in ("东门垃圾", "路灯不亮")]
    world.known["code"] = own + world.known["code"]
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [(path, method) for path, item in RESIDENT_PATHS.items() for method in item]
    _check_every_operation(schema, operations, world, {"Authorization": f"Bearer {token}"})


def test_every_open311_operation_answers_as_documented(app: Flask, world: World) -> None:
    def with_key(generated: tuple[Any, bool]) -> Any:
        """Give POSTs the real api_key, and half of them a real service and place, so they reach the intake."""
        case, placed = generated
        if isinstance(case.body, dict):
            case.body = case.body | {"api_key": world.token}
            if placed:
                case.body |= {"service_code": "2", "lat": "31.23", "long": "121.47", "attribute[grid]": "XF-01"}
        return case

    schema = schemathesis.openapi.from_wsgi("/open311/v2/openapi.json", app)
    operations = [(path, method) for path, item in open311_document()["paths"].items() for method in item]
    _check_every_operation(schema, operations, world, {}, adapt=with_key)
