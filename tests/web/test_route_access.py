"""Every route is either protected by a role check or deliberately public (DESIGN.md §3: every route checks the role)."""
from __future__ import annotations

import pytest
from flask import Flask

from engine.demo.organisation import USERS
from tests.web.conftest import LoginAs
from web.access import ACCESS_ATTR

ROLES_BY_USER = {username: role for username, (_, role, *_rest) in USERS.items() if role != "resident"}


def _routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, url with sample arguments) for every route but static files."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        # An ``any(…)`` converter takes only its own words (the evidence file's variant).
        samples = {"code": "XX", "lang": "XX", "variant": "thumb", "fmt": "csv", "kind": "csv"}
        args = {name: samples.get(name, "999999") for name in rule.arguments}
        url = rule.build(args, append_unknown=False)[1] if rule.arguments else rule.rule
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, url))
    return found


def test_every_route_declares_who_may_call_it(app: Flask) -> None:
    undeclared = [e for e, _, _ in _routes(app) if getattr(app.view_functions[e], ACCESS_ATTR, None) is None]
    assert undeclared == []


def test_protected_routes_send_anonymous_users_to_the_login_page(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    for endpoint, method, url in _routes(csrf_app):
        if getattr(csrf_app.view_functions[endpoint], ACCESS_ATTR) == "public":
            continue
        response = client.open(url, method=method)
        expected = 302 if not url.startswith("/api/") else 401
        assert response.status_code == expected, (endpoint, method, response.status_code)


@pytest.mark.parametrize("username", sorted(ROLES_BY_USER))
def test_role_routes_refuse_every_other_role_with_403(app: Flask, login_as: LoginAs, username: str) -> None:
    client = login_as(username)
    role = ROLES_BY_USER[username]
    for endpoint, method, url in _routes(app):
        access = getattr(app.view_functions[endpoint], ACCESS_ATTR)
        if isinstance(access, frozenset) and role not in access:
            response = client.open(url, method=method)
            assert response.status_code == 403, (endpoint, method, username, response.status_code)
