"""Web fixtures: the app over the test database and clock, and logged-in clients per demo role."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from engine.audit.keystore import keygen
from engine.audit.signing import ED25519
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.organisation import DEMO_PASSWORD
from web import create_app

LoginAs = Callable[[str], FlaskClient]


@pytest.fixture
def app(db: Database, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
    # the operator's signing key, outside the instance folder, and its public ring (exports, checkpoints)
    made = keygen(tmp_path / "instance", profile=ED25519, out=tmp_path / "operator" / "signing-key.json",
                  ring=tmp_path / "operator" / "public-keys.json", at=clock.now())
    monkeypatch.setenv("CASEGRID_AUDIT_SIGNING_KEY", str(made.private_path))
    monkeypatch.setenv("CASEGRID_AUDIT_PUBLIC_KEYS", str(made.ring_path))
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


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    """The app served on 127.0.0.1 (a free port) in a thread, for clients that speak real HTTP."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
