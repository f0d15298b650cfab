"""API tokens: issued for an account, accepted as ``Authorization: Bearer``, revocable, expiring, stored as a hash."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine.cases.models import Case
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.errors import ValidationError
from engine.people.roles import HOTLINE_PLATFORM
from engine.people.tokens import ApiToken, TokenService, hash_token
from engine.people.tokens_cli import tokens as tokens_command
from tests.web.conftest import LoginAs


@pytest.fixture
def tokens(app: Flask) -> TokenService:
    service: TokenService = app.extensions["casegrid.tokens"]
    return service


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_a_token_acts_as_its_account(client: FlaskClient, tokens: TokenService, driver: Driver) -> None:
    case = driver.report("楼道灯坏了", "公共设施")
    secret = tokens.issue("wangge", "微信小程序", by="admin").secret
    response = client.get("/api/inbox", headers=bearer(secret))
    assert response.status_code == 200
    assert [i["case"] for i in response.get_json()["items"]] == [case.tracking_code]


def test_only_the_hash_of_a_token_is_stored(tokens: TokenService, db: Database) -> None:
    secret = tokens.issue("wangge", "小程序", by="admin").secret
    with db.reading() as s:
        row = s.scalars(select(ApiToken)).one()
    assert row.token_hash == hash_token(secret) and secret not in (row.token_hash, row.hint)


def test_an_unknown_or_malformed_token_gets_401_with_a_bearer_challenge(client: FlaskClient) -> None:
    for secret in ["cgt_unknown-token-unknown-token", "", "x" * 5000, "cgt_\u0000\u202e"]:
        response = client.get("/api/inbox", headers=bearer(secret))
        assert response.status_code == 401, secret
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.get_json()["status"] == 401


def test_a_revoked_token_gets_401(client: FlaskClient, tokens: TokenService) -> None:
    issued = tokens.issue("wangge", "小程序", by="admin")
    tokens.revoke(issued.info.id, by="admin")
    assert client.get("/api/inbox", headers=bearer(issued.secret)).status_code == 401


def test_an_expired_token_gets_401(client: FlaskClient, tokens: TokenService, clock: FixedClock) -> None:
    secret = tokens.issue("wangge", "小程序", days=1, by="admin").secret
    assert client.get("/api/inbox", headers=bearer(secret)).status_code == 200
    clock.advance(days=1)
    assert client.get("/api/inbox", headers=bearer(secret)).status_code == 401


def test_a_disabled_accounts_token_gets_401(client: FlaskClient, tokens: TokenService, app: Flask) -> None:
    secret = tokens.issue("chengguan", "部门系统", by="admin").secret
    app.extensions["casegrid.people"].set_account_active("chengguan", False, by="admin")
    assert client.get("/api/inbox", headers=bearer(secret)).status_code == 401


def test_a_token_of_a_role_without_an_inbox_gets_403(client: FlaskClient, tokens: TokenService) -> None:
    secret = tokens.issue("jiandu", "评估系统", by="admin").secret
    assert client.get("/api/inbox", headers=bearer(secret)).status_code == 403


def test_another_units_case_is_404_for_a_token(client: FlaskClient, tokens: TokenService, driver: Driver) -> None:
    case: Case = driver.report("HP 网格的问题", "环境卫生", grid_code="HP-01")
    secret = tokens.issue("wangge", "小程序", by="admin").secret  # wangge works grid XF-01
    assert client.get(f"/api/cases/{case.tracking_code}", headers=bearer(secret)).status_code == 404


def test_last_use_is_recorded_at_most_once_a_minute(client: FlaskClient, tokens: TokenService,
                                                     clock: FixedClock) -> None:
    issued = tokens.issue("wangge", "小程序", by="admin")
    client.get("/api/inbox", headers=bearer(issued.secret))
    first = tokens.tokens()[0].last_used_at
    clock.advance(seconds=30)
    client.get("/api/inbox", headers=bearer(issued.secret))
    assert tokens.tokens()[0].last_used_at == first
    clock.advance(seconds=30)
    client.get("/api/inbox", headers=bearer(issued.secret))
    assert tokens.tokens()[0].last_used_at != first


def test_admins_residents_and_unknown_accounts_get_no_token(tokens: TokenService) -> None:
    for username in ["admin", "jumin", "nobody"]:
        with pytest.raises(ValidationError) as error:
            tokens.issue(username, "脚本", by="admin")
        assert "username" in error.value.field_errors
    assert tokens.tokens() == []


def test_the_cli_issues_lists_and_revokes_tokens(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEGRID_DATABASE_URL", db.url)
    runner = CliRunner()
    issued = runner.invoke(tokens_command, ["issue", "wangge", "--name", "微信小程序", "--days", "30"])
    assert issued.exit_code == 0, issued.output
    secret = issued.stdout.strip().splitlines()[-1]
    assert secret.startswith("cgt_")
    listed = runner.invoke(tokens_command, ["list"])
    assert "active" in listed.stdout and "wangge" in listed.stdout and secret not in listed.stdout
    revoked = runner.invoke(tokens_command, ["revoke", listed.stdout.split()[0]])
    assert revoked.exit_code == 0, revoked.output
    assert "revoked" in runner.invoke(tokens_command, ["list", "--user", "wangge"]).stdout


def test_the_cli_refuses_a_bad_token_request_without_a_traceback(db: Database,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEGRID_DATABASE_URL", db.url)
    result = CliRunner().invoke(tokens_command, ["issue", "admin", "--name", "x"])
    assert result.exit_code == 1
    assert "错误" in result.output and "Traceback" not in result.output


def test_ids_beyond_the_database_range_are_404_not_500(client: FlaskClient, tokens: TokenService) -> None:
    headers = bearer(tokens.issue("wangge", "小程序", by="admin").secret)
    assert client.post("/api/work-items/141273961443215/claim", headers=headers, json={}).status_code == 404
    for code in ["99999999999", "²", "X" * 500]:
        assert client.get(f"/api/cases/{code}", headers=headers).status_code == 404, code


def test_the_admin_issues_a_token_once_and_revokes_it(login_as: LoginAs, app: Flask) -> None:
    admin = login_as("admin")
    page = admin.post("/admin/tokens", data={"username": "wangge", "name": "微信小程序", "days": "30"})
    assert page.status_code == 200
    service: TokenService = app.extensions["casegrid.tokens"]
    info = service.tokens()[0]
    text = page.get_data(as_text=True)
    secret = text.split("<code>cgt_", 1)[1].split("</code>", 1)[0]
    assert service.authenticate("cgt_" + secret) is not None
    assert "cgt_" + secret not in admin.get("/admin/tokens").get_data(as_text=True)  # shown once only
    assert admin.post(f"/admin/tokens/{info.id}/revoke").status_code == 302
    assert service.authenticate("cgt_" + secret) is None


def test_the_admin_makes_an_integration_account_and_issues_its_token(login_as: LoginAs, app: Flask) -> None:
    """/admin/integrations: an account with no password and no login; its token is issued on the tokens page."""
    admin = login_as("admin")
    made = admin.post("/admin/integrations", data={"username": "hotline-12345", "display_name": "市 12345 热线平台",
                                                   "role": HOTLINE_PLATFORM})
    assert made.status_code == 302 and made.headers["Location"].endswith("/admin/tokens")
    again = admin.post("/admin/integrations", data={"username": "hotline-12345", "display_name": "重复",
                                                    "role": HOTLINE_PLATFORM})
    assert again.status_code == 400 and "已被使用" in again.get_data(as_text=True)
    assert admin.post("/admin/integrations", data={"username": "x-1", "display_name": "x",
                                                   "role": "supervisor"}).status_code == 400
    page = admin.post("/admin/tokens", data={"username": "hotline-12345", "name": "12345 平台"})
    assert page.status_code == 200 and "<code>cgt_" in page.get_data(as_text=True)
    listing = admin.get("/admin/integrations").get_data(as_text=True)
    assert "hotline-12345" in listing and "12345 热线平台（接口）" in listing
    edit = admin.get("/admin/users/hotline-12345").get_data(as_text=True)
    assert "接口账号没有密码" in edit and "设置新密码" not in edit
    assert admin.post("/admin/users/hotline-12345", data={"display_name": "平台", "role": HOTLINE_PLATFORM}
                      ).status_code == 302  # its name can change; its role cannot
    admin.post("/lang/en")
    assert "Integration accounts" in admin.get("/admin/integrations").get_data(as_text=True)
    login = app.test_client().post("/login", data={"username": "hotline-12345", "password": ""})
    assert login.status_code != 302
