"""Single sign-on against a real OpenID Connect provider (panva's oidc-provider, started by node for this
module: tests/fixtures/oidc_provider.py): the code flow with PKCE through the provider's login form, the
admins' claim rules, the first login creating or linking the account, and every refusal — a wrong state,
a wrong nonce, a token for another client, an expired token, claims no rule matches, a disabled account —
as a clear page, never a 500. Logout ends the local session and goes to the provider's end_session_endpoint.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.clock import FixedClock
from engine.db import Database
from engine.demo.organisation import DEMO_PASSWORD
from engine.errors import ValidationError
from engine.people.service import PeopleService
from tests.fixtures.oidc_provider import Provider, running_provider, sign_in_at_provider
from web import create_app
from web.sso.client import OidcClient
from web.sso.flow import Pending, TokenRefused

APP = "http://localhost"
CALLBACK = f"{APP}/login/sso/callback"


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    with running_provider(tmp_path_factory.mktemp("oidc"), [APP]) as running:
        yield running


def _app(db: Database, clock: FixedClock, tmp_path: Path, settings: dict[str, str]) -> Flask:
    return create_app({"TESTING": True, "DATABASE": db, "DATABASE_URL": db.url, "CLOCK": clock,
                       "SECRET_KEY": "test", "INSTANCE": str(tmp_path / "instance"), "RATELIMIT_ENABLED": False,
                       "WTF_CSRF_ENABLED": False, **settings})


@pytest.fixture
def sso_app(db: Database, clock: FixedClock, tmp_path: Path, provider: Provider) -> Flask:
    # The provider signs with the real time: the app's clock is set to it (and moved on by the tests).
    clock.set(datetime.now(UTC))
    app = _app(db, clock, tmp_path, provider.config())
    people: PeopleService = app.extensions["casegrid.people"]
    people.add_sso_rule(position=10, claim="department", operator="equals", value="城管科", role="department",
                        department_code="chengguan", grid_code=None, by="admin")
    people.add_sso_rule(position=20, claim="groups", operator="contains", value="street-supervisors",
                        role="supervisor", department_code=None, grid_code=None, by="admin")
    return app


def people(app: Flask) -> PeopleService:
    return app.extensions["casegrid.people"]


def begin(client: FlaskClient, query: str = "") -> str:
    response = client.get("/login/sso" + query)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def at_provider(url: str, login: str) -> str:
    with httpx.Client() as http:
        return sign_in_at_provider(http, url, login, CALLBACK)


def come_back(client: FlaskClient, callback: str) -> tuple[int, str, str]:
    response = client.get(callback.removeprefix(APP))
    return response.status_code, response.headers.get("Location", ""), response.get_data(as_text=True)


def sso_login(client: FlaskClient, login: str) -> tuple[int, str, str]:
    return come_back(client, at_provider(begin(client), login))


def test_without_a_provider_the_login_page_has_no_button_and_the_routes_are_404(app: Flask) -> None:
    client = app.test_client()
    assert "用统一身份认证登录" not in client.get("/login").get_data(as_text=True)
    assert client.get("/login/sso").status_code == 404
    assert client.get("/login/sso/callback?code=x&state=y").status_code == 404


def test_first_login_creates_the_account_by_the_rule_and_lands_in_the_inbox(sso_app: Flask) -> None:
    client = sso_app.test_client()
    assert "用统一身份认证登录" in client.get("/login").get_data(as_text=True)
    status, location, _page = sso_login(client, "zhang.cg")
    assert (status, location) == (302, "/")
    assert client.get("/").headers["Location"] == "/inbox"
    assert client.get("/inbox").status_code == 200
    account = people(sso_app).find_account("zhang.cg")
    assert (account.role, account.department_code, account.display_name) == ("department", "chengguan", "张城管")
    [identity] = people(sso_app).sso_identities()
    assert (identity.username, identity.how, identity.subject) == ("zhang.cg", "created", "zhang.cg")
    # no password: the account cannot log in locally
    assert people(sso_app).authenticate("zhang.cg", "") is None
    # the second login finds the same account
    again = sso_app.test_client()
    assert sso_login(again, "zhang.cg")[:2] == (302, "/")
    assert len(people(sso_app).sso_identities()) == 1


def test_a_group_rule_links_the_local_account_of_the_same_username(sso_app: Flask) -> None:
    client = sso_app.test_client()
    status, location, _page = sso_login(client, "dudao")  # the provider's dudao is in street-supervisors
    assert (status, location) == (302, "/")
    [identity] = people(sso_app).sso_identities()
    assert (identity.username, identity.how) == ("dudao", "linked")
    assert people(sso_app).find_account("dudao").role == "supervisor"
    # the local password still works alongside
    assert people(sso_app).authenticate("dudao", DEMO_PASSWORD) is not None


def test_claims_no_rule_matches_are_refused_with_a_clear_page_and_nothing_written(sso_app: Flask) -> None:
    before = people(sso_app).accounts()
    status, _location, page = sso_login(sso_app.test_client(), "wang.x")
    assert status == 403 and "没有对应的本系统角色" in page
    assert people(sso_app).accounts() == before and people(sso_app).sso_identities() == []


def test_a_disabled_account_cannot_log_in_through_the_provider(sso_app: Flask) -> None:
    assert sso_login(sso_app.test_client(), "zhang.cg")[0] == 302
    people(sso_app).set_account_active("zhang.cg", False, by="admin")
    status, _location, page = sso_login(sso_app.test_client(), "zhang.cg")
    assert status == 403 and "该账号已停用" in page
    # nor a disabled local account on its first single sign-on
    people(sso_app).set_account_active("dudao", False, by="admin")
    client = sso_app.test_client()
    status, _location, page = sso_login(client, "dudao")
    assert status == 403 and "该账号已停用" in page
    assert client.get("/inbox").status_code == 302  # not logged in
    assert [i.username for i in people(sso_app).sso_identities()] == ["zhang.cg"]


def test_a_wrong_state_is_refused_and_so_is_a_replayed_callback(sso_app: Flask) -> None:
    client = sso_app.test_client()
    callback = at_provider(begin(client), "zhang.cg")
    state = parse_qs(urlsplit(callback).query)["state"][0]
    status, _location, page = come_back(client, callback.replace(state, "forged" + state[6:]))
    assert status == 400 and "state 不符" in page
    # the pending login is gone with the refusal: even the right answer is refused now
    status, _location, page = come_back(client, callback)
    assert status == 400 and "没有进行中的统一身份认证登录" in page
    # a callback with no login begun in this browser
    assert come_back(sso_app.test_client(), callback)[0] == 400
    assert people(sso_app).sso_identities() == []


def test_a_token_with_the_wrong_nonce_is_refused(sso_app: Flask) -> None:
    client = sso_app.test_client()
    url = begin(client)
    with client.session_transaction() as session:
        session["sso_pending"] = {**session["sso_pending"], "nonce": "not-the-nonce-sent"}
    status, _location, page = come_back(client, at_provider(url, "zhang.cg"))
    assert status == 400 and "身份令牌未通过校验" in page
    assert people(sso_app).sso_identities() == []


def test_an_expired_token_is_refused(sso_app: Flask, clock: FixedClock) -> None:
    client = sso_app.test_client()
    callback = at_provider(begin(client), "zhang.cg")
    clock.advance(minutes=12)  # the provider's ID tokens live 10 minutes, plus a minute's leeway
    status, _location, page = come_back(client, callback)
    assert status == 400 and "身份令牌未通过校验" in page
    assert people(sso_app).sso_identities() == []


def test_a_token_for_another_client_is_refused(db: Database, clock: FixedClock, tmp_path: Path,
                                               sso_app: Flask, provider: Provider) -> None:
    # The same provider's client "other" signs a person in; its real, signed ID token names "other" as audience.
    other = _app(db, clock, tmp_path / "other", provider.config("other"))
    client = other.test_client()
    url = begin(client)
    pending = Pending.of(_pending(client))
    assert pending is not None
    signed = other.extensions["casegrid.sso"].finish(
        parse_qs(urlsplit(at_provider(url, "zhang.cg")).query)["code"][0], pending, CALLBACK)
    ours: OidcClient = sso_app.extensions["casegrid.sso"]
    with pytest.raises(TokenRefused, match="aud"):
        ours.verify(signed.id_token, pending.nonce)
    # and a code the provider issued to "other" gets this app nothing
    client = sso_app.test_client()
    ours_url = begin(client)
    theirs = at_provider(ours_url.replace("client_id=casegrid", "client_id=other"), "zhang.cg")
    status, _location, page = come_back(client, theirs)
    assert status == 400 and "身份令牌未通过校验" in page
    assert people(sso_app).sso_identities() == []


def _pending(client: FlaskClient) -> dict[str, str]:
    with client.session_transaction() as session:
        return dict(session["sso_pending"])


def test_logout_ends_the_local_session_and_the_providers(sso_app: Flask, provider: Provider) -> None:
    client = sso_app.test_client()
    with httpx.Client() as http:
        callback = sign_in_at_provider(http, begin(client), "zhang.cg", CALLBACK)
        assert come_back(client, callback)[0] == 302
        response = client.post("/logout")
        assert response.status_code == 200  # a page that moves on to the provider (a form may not redirect there)
        end = html.unescape(re.search(r'id="sso-logout" href="([^"]+)"', response.get_data(as_text=True))[1])
        assert end.startswith(f"{provider.issuer}/session/end?")
        query = parse_qs(urlsplit(end).query)
        assert query["post_logout_redirect_uri"] == [f"{APP}/"] and query["id_token_hint"]
        assert client.get("/inbox").status_code == 302  # logged out here already
        # at the provider: its confirmation, then back to the app's home page
        assert sign_in_at_provider(http, end, "", APP + "/", logout="yes") == APP + "/"
        # the provider's session is over: the next sign-on asks for the login again
        again = http.get(begin(sso_app.test_client()))
        assert "/interaction/" in again.headers["location"]
        assert 'name="login"' in http.get(urljoin(provider.issuer, again.headers["location"])).text


def test_a_local_login_logs_out_locally_only(sso_app: Flask) -> None:
    client = sso_app.test_client()
    assert client.post("/login", data={"username": "dudao", "password": DEMO_PASSWORD}).status_code == 302
    assert client.post("/logout").headers["Location"] == "/"


def test_a_provider_that_cannot_be_reached_is_a_clear_page(db: Database, clock: FixedClock, tmp_path: Path) -> None:
    from tests.fixtures.stores import DEAD_PORT
    app = _app(db, clock, tmp_path, {"SSO_ISSUER": f"http://127.0.0.1:{DEAD_PORT}", "SSO_CLIENT_ID": "casegrid",
                                     "SSO_CLIENT_SECRET": "x"})
    response = app.test_client().get("/login/sso")
    assert response.status_code == 502 and "暂时无法访问" in response.get_data(as_text=True)


def test_the_admin_adds_and_deletes_rules_on_the_admin_page(sso_app: Flask) -> None:
    client = sso_app.test_client()
    assert client.post("/login", data={"username": "admin", "password": DEMO_PASSWORD}).status_code == 302
    page = client.get("/admin/sso").get_data(as_text=True)
    assert "城管科" in page and "street-supervisors" in page
    response = client.post("/admin/sso", data={"claim": "groups", "operator": "contains", "value": "archive",
                                               "role": "auditor", "department_code": "", "grid_code": ""})
    assert response.status_code == 302
    rules = people(sso_app).sso_rules()
    assert [r.value for r in rules] == ["城管科", "street-supervisors", "archive"]
    # a department rule without a department is refused, naming the field
    response = client.post("/admin/sso", data={"claim": "department", "operator": "equals", "value": "x",
                                               "role": "department", "department_code": "", "grid_code": ""})
    assert response.status_code == 400 and "职能部门用户必须属于一个部门" in response.get_data(as_text=True)
    assert len(people(sso_app).sso_rules()) == 3
    assert client.post(f"/admin/sso/{rules[2].id}/delete").status_code == 302
    assert [r.value for r in people(sso_app).sso_rules()] == ["城管科", "street-supervisors"]


@pytest.mark.parametrize("claim, operator, value", [("", "equals", "x"), ("a b", "equals", "x"),
                                                    ("groups", "like", "x"), ("groups", "contains", ""),
                                                    ("groups", "contains", "a\x00b")])
def test_a_bad_rule_is_refused_by_the_service(sso_app: Flask, claim: str, operator: str, value: str) -> None:
    with pytest.raises(ValidationError):
        people(sso_app).add_sso_rule(position=None, claim=claim, operator=operator, value=value, role="auditor",
                                     department_code=None, grid_code=None, by="admin")
    assert len(people(sso_app).sso_rules()) == 2


def test_the_page_asked_for_is_where_the_login_lands_but_never_another_site(sso_app: Flask) -> None:
    client = sso_app.test_client()
    assert come_back(client, at_provider(begin(client, "?next=/cases"), "zhang.cg"))[:2] == (302, "/cases")
    client = sso_app.test_client()
    assert come_back(client, at_provider(begin(client, "?next=https://evil.example/"), "zhang.cg"))[:2] == (302, "/")


def test_the_refusal_page_speaks_english_to_an_english_user(sso_app: Flask) -> None:
    client = sso_app.test_client()
    client.post("/lang/en")
    status, _location, page = sso_login(client, "wang.x")
    assert status == 403 and "has no role in this system" in page and "Not logged in" in page
