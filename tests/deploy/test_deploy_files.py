"""deploy/: the docker-compose file validates with the compose tool, the systemd units with ``systemd-analyze
verify``, and every command they run is a real casegrid (or gunicorn/Prefect) entry point.

No docker daemon is needed: ``docker compose config`` (or Debian's ``docker-compose config``) only reads and
resolves the file. In CI (``CI=true``) ``.ci/run`` installs docker-compose, so the compose test never skips.
"""
from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from engine.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
BIN = Path(sys.executable).parent
#: Where the units expect the virtual environment on a server (README "Production").
SERVER_BIN = "/opt/casegrid/venv/bin"


def _compose_tool() -> list[str]:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    if legacy := shutil.which("docker-compose"):
        return [legacy]
    if os.environ.get("CI") == "true":
        raise pytest.UsageError("CI=true but neither `docker compose` nor `docker-compose` is installed")
    pytest.skip("no compose tool (apt-get install docker-compose)")


def _config(env_file: Path | None) -> subprocess.CompletedProcess[str]:
    env_args = ["--env-file", str(env_file)] if env_file else []
    # An empty environment but PATH: the file must not lean on variables of whoever runs it.
    return subprocess.run([*_compose_tool(), *env_args, "-f", str(COMPOSE), "config"], capture_output=True,
                          text=True, cwd=DEPLOY, env={"PATH": os.environ["PATH"]}, timeout=120)


def _resolved() -> dict[str, dict]:  # type: ignore[type-arg]
    result = _config(DEPLOY / "casegrid.env.example")
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)["services"]  # type: ignore[no-any-return]


def test_the_compose_file_validates_with_the_example_env_file() -> None:
    services = _resolved()
    assert set(services) == {"postgres", "redis", "migrate", "prefect-server", "deploy-flows", "worker", "web"}
    web, worker = services["web"], services["worker"]
    assert web["command"][0] == "gunicorn" and "deploy/gunicorn.conf.py" in web["command"][-1]
    assert worker["command"] == ["casegrid", "flows", "worker", "--pool", "casegrid"]
    for name in ("web", "worker", "migrate", "deploy-flows"):
        env = services[name]["environment"]
        # Only the one-shot migration is the tables' owner; the rest connect as the application role.
        role = "casegrid" if name == "migrate" else "casegrid_app"
        assert env["CASEGRID_DATABASE_URL"].startswith(f"postgresql+psycopg://{role}:")
        assert env["CASEGRID_DATABASE_URL"].endswith("@postgres:5432/casegrid")
        assert env["CASEGRID_RATELIMIT_STORAGE_URI"] == "redis://redis:6379/0"
        assert env["PREFECT_API_URL"] == "http://prefect-server:4200/api"
    assert services["prefect-server"]["environment"]["PREFECT_API_DATABASE_CONNECTION_URL"].endswith("/prefect")
    assert services["migrate"]["command"] == ["casegrid", "init", "--app-role", "casegrid_app"]
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_the_compose_file_refuses_to_run_without_the_secrets() -> None:
    result = _config(None)
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr or "CASEGRID_" in result.stderr


def _casegrid_commands() -> list[list[str]]:
    """Every command the compose file and the units run, with the server's venv path taken off."""
    commands = [service["command"] for service in yaml.safe_load(COMPOSE.read_text())["services"].values()
                if service.get("command") and service["command"][0] in ("casegrid", "prefect", "gunicorn")]
    for unit in UNITS:
        for line in unit.read_text().splitlines():
            if found := re.match(r"ExecStart(?:Pre)?=(\S+)(.*)", line):
                program, rest = found.groups()
                if program.startswith(SERVER_BIN):
                    commands.append([program.removeprefix(SERVER_BIN + "/"), *shlex.split(rest)])
    return commands


def test_every_command_is_a_real_entry_point() -> None:
    commands = _casegrid_commands()
    assert {c[0] for c in commands} == {"casegrid", "prefect", "gunicorn"}
    for command in commands:
        if command[0] == "gunicorn":
            config = command[command.index("--config") + 1]
            assert config.endswith("deploy/gunicorn.conf.py") and (ROOT / "deploy" / "gunicorn.conf.py").exists()
            continue
        if command[0] == "prefect":
            assert command[1:3] == ["server", "start"]  # Prefect's own, pinned in setup.cfg
            continue
        # `casegrid init --help`, `casegrid flows worker --help` …: the command and its options exist.
        words = []  # the subcommand: the words before the first option
        for word in command[1:]:
            if word.startswith("-"):
                break
            words.append(word)
        options = [w for w in command[1:] if w.startswith("--")]
        result = CliRunner().invoke(main, [*words, "--help"])
        assert result.exit_code == 0, (command, result.output)
        for option in options:
            assert option in result.output, (command, option)


def test_the_gunicorn_configuration_serves_the_app_without_preloading() -> None:
    settings: dict[str, object] = {}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), settings)
    assert settings["wsgi_app"] == "web:create_app()"
    assert settings["preload_app"] is False  # each worker opens its own database pool after the fork


def test_the_dockerfile_copies_what_exists_and_installs_the_deploy_extra() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (.+) \S+$", text, flags=re.M):
        for path in source.split():
            assert (ROOT / path).exists(), path
    extras = configparser.ConfigParser()
    extras.read(ROOT / "setup.cfg")
    assert "gunicorn" in extras["options.extras_require"]["deploy"]
    assert "pip install '.[deploy]'" in text


def test_the_systemd_units_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    # The units point at /opt/casegrid/venv; verify checks that each program exists, so point copies at this venv.
    for unit in UNITS:
        (tmp_path / unit.name).write_text(unit.read_text().replace(SERVER_BIN, str(BIN)))
    result = subprocess.run([analyze, "verify", *map(str, sorted(tmp_path.glob("*.service")))],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    assert {u.name for u in UNITS} == {"casegrid-web.service", "casegrid-worker.service", "casegrid-prefect.service"}
    for unit in UNITS:
        assert "EnvironmentFile=/etc/casegrid/casegrid.env" in unit.read_text()
