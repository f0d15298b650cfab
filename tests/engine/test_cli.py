"""The ``casegrid`` command: every command works on a fresh database and refuses bad input without a traceback."""
from __future__ import annotations

import re

from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import main


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'demo.db'}"
    result = CliRunner().invoke(main, ["demo", "--no-serve", "--rounds", "1", "--db", url])
    assert result.exit_code == 0, result.output
    return url


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_help_lists_the_commands() -> None:
    code, out = run("--help")
    assert code == 0
    for command in ["init", "demo", "cases", "show", "replay", "verify", "tick"]:
        assert command in out


def test_init_creates_the_database_and_loads_the_seed_diagram(tmp_path: Path) -> None:
    code, out = run("init", "--db", f"sqlite:///{tmp_path / 'new.db'}")
    assert code == 0
    assert "civic_loop v1" in out


def test_init_twice_loads_nothing_new(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    run("init", "--db", url)
    code, out = run("init", "--db", url)
    assert code == 0 and "loaded" not in out


def test_demo_cases_all_verify(demo_db: str) -> None:
    code, out = run("verify", "--db", demo_db)
    assert code == 0
    assert out.startswith("verified ")


def test_cases_lists_tracking_code_first_then_process_status_and_outcome(demo_db: str) -> None:
    code, out = run("cases", "--db", demo_db, "--status", "closed")
    assert code == 0
    first = out.splitlines()[0].split()
    # The demo's oldest closed cases include its governance projects (set two years back).
    assert len(first[0]) == 13 and first[1] in ("civic_loop", "mediation", "project") and first[2] == "closed"
    assert {line.split()[1] for line in out.splitlines()} >= {"civic_loop", "project"}


def test_show_prints_the_case_with_its_events(demo_db: str) -> None:
    code = run("cases", "--db", demo_db)[1].split()[0]
    status, out = run("show", code, "--db", demo_db)
    assert status == 0
    assert code in out and "case_opened" in out


def test_replay_upto_the_first_event_shows_the_triage_waiting(demo_db: str) -> None:
    code = next(line.split()[0] for line in run("cases", "--db", demo_db)[1].splitlines()
                if line.split()[1] == "civic_loop")
    status, out = run("replay", code, "--upto", "1", "--db", demo_db)
    assert status == 0
    assert "after seq 1" in out and "triage[grid_worker]" in out


@pytest.mark.parametrize("args", [
    ["show", "NO-SUCH-CASE"],
    ["replay", "NO-SUCH-CASE"],
    ["verify", "NO-SUCH-CASE"],
])
def test_an_unknown_case_is_a_clear_error(demo_db: str, args: list[str]) -> None:
    code, out = run(*args, "--db", demo_db)
    assert code == 1
    assert "不存在" in out and "Traceback" not in out


def test_an_unusable_database_url_is_a_clear_error() -> None:
    code, out = run("cases", "--db", "nosuchdb://x")
    assert code != 0 and "错误" in out and "Traceback" not in out


def test_the_demo_run_again_on_its_database_serves_what_is_there(demo_db: str) -> None:
    """The README's first command run twice in the same folder: the second finds the demo and seeds nothing."""
    before = run("cases", "--db", demo_db)[1]
    code, out = run("demo", "--no-serve", "--rounds", "1", "--db", demo_db)
    assert code == 0 and "already holds" in out and "Traceback" not in out, out
    assert run("cases", "--db", demo_db)[1] == before


def test_tick_reports_what_it_fired(demo_db: str) -> None:
    code, out = run("tick", "--db", demo_db)
    assert code == 0 and out.startswith("fired ")


def test_demo_dispatches_most_cases_straight_and_holds_council_meetings_with_household_votes(tmp_path) -> None:
    code, out = run("demo", "--no-serve", "--rounds", "1", "--db", f"sqlite:///{tmp_path / 'demo.db'}")
    assert code == 0
    assert "household votes: failed 1, passed 1" in out
    [line] = [line for line in out.splitlines() if line.strip().startswith("dispatch:")]
    match = re.search(r"(\d+) of (\d+) cases that reached a department never went to the council", line)
    assert match and int(match.group(1)) * 2 > int(match.group(2)), line
    assert "whistle" in line and "direct" in line
