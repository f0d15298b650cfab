"""Web fixtures: the app over the test database and clock, and logged-in clients per demo role."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.clock import FixedClock
from engine.db import Database
from engine.demo.organisation import DEMO_PASSWORD
from web import create_app

LoginAs = Callable[[str], FlaskClient]


@pytest.fixture
def app(db: Database, clock: FixedClock, tmp_path: Path) -> Flask:
    return create_app({
        "TESTING": True, "DATABASE": db, "DATABASE_URL": db.url, "CLOCK": clock,
        "SECRET_KEY": "test", "INSTANCE": str(tmp_path / "instance"), "RATELIMIT_ENABLED": False,
    })


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def csrf_app(app: Flask) -> Flask:
    """The app with CSRF checks off, for tests that post forms directly (CSRF has its own tests)."""
    app.config["WTF_CSRF_ENABLED"] = False
    return app


@pytest.fixture
def login_as(csrf_app: Flask) -> LoginAs:
    def login(username: str) -> FlaskClient:
        client = csrf_app.test_client()
        response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client
    return login
