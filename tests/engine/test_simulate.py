"""``casegrid simulate``: a district workload driven through the real services, the same for the same seed."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from engine.cases.events import CaseEvent
from engine.audit.verify import verify_chains
from engine.cases.models import Case
from engine.cli import main
from engine.db import Database
from engine.errors import ValidationError
from engine import CaseService
from engine.simulate import PathMix, SimulationSummary, run_simulation

#: The district's mix with the rare turns made common, so that a few dozen cases take every path.
EVERY_PATH = PathMix(mediation=0.3, on_spot=0.3, duplicate=0.5, to_council=0.45, whistle=0.35, refused=0.1,
                     missed_triage=0.15, council_defer=0.2, council_reject=0.2,
                     major_matter=0.3, department_return=0.2, missed_accept=0.15, missed_on_site=0.15,
                     missed_complete=0.15, silent_resident=0.15, dissatisfied=0.3, dissatisfied_again=0.8,
                     final_close=0.5, conflict_of_interest=0.2, consent_refused=0.15, mediation_idle=0.3,
                     declined_to_sign=0.2, agreement_broken=0.3)


def fresh_sqlite(template: Path, folder: Path) -> Database:
    path = folder / "casegrid.db"
    shutil.copy(template, path)
    return Database(f"sqlite:///{path}")


@pytest.fixture(scope="module")
def district(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Database, SimulationSummary]:
    """One simulated district shared by the read-only checks below (simulating is the slow part)."""
    db = fresh_sqlite(sqlite_template, tmp_path_factory.mktemp("district"))
    summary = run_simulation(db, cases=40, days=3, seed=1, mix=EVERY_PATH)
    yield db, summary
    db.dispose()


def test_every_path_of_the_mix_appears(district: tuple[Database, SimulationSummary]) -> None:
    paths = district[1].tally.paths
    expected = {
        "on_spot", "duplicate", "refused", "dispatched", "whistle", "missed_triage", "to_council", "council_adopt", "council_adopt_major", "council_defer",
        "council_reject", "department_return", "missed_accept", "missed_on_site", "missed_complete",
        "dissatisfied", "default_rating", "final_close", "mediation_session", "mediation_consent_refused",
        "mediation_conflict_of_interest", "mediation_overdue", "mediation_declined_to_sign",
        "mediation_agreement_broken",
    }
    assert expected <= set(paths), expected - set(paths)
    assert any(path.startswith("escalation_") for path in paths)


def test_every_outcome_of_both_processes_appears(district: tuple[Database, SimulationSummary]) -> None:
    outcomes = set(district[1].outcomes)
    assert {("civic_loop", "resolved"), ("civic_loop", "rejected"), ("civic_loop", "merged"),
            ("civic_loop", "closed_by_supervisor"), ("mediation", "resolved"), ("mediation", "referred")} <= outcomes


def test_every_case_reaches_the_end_of_its_path(district: tuple[Database, SimulationSummary]) -> None:
    db, summary = district
    assert summary.tally.diverted == []
    assert summary.tally.paths["stuck"] == 0
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Case).where(Case.status != "closed")) == 0


def test_every_chain_verifies(district: tuple[Database, SimulationSummary]) -> None:
    db, _ = district
    with db.reading() as s:
        scan = verify_chains(s)
    assert scan.cases == 40
    assert scan.failures == []


def test_every_case_replays_to_its_snapshot(district: tuple[Database, SimulationSummary]) -> None:
    checks = CaseService(district[0]).verify()
    assert len(checks) == 40
    assert [(c.tracking_code, c.problem) for c in checks if not c.ok] == []


def test_the_summary_counts_what_the_database_holds(district: tuple[Database, SimulationSummary]) -> None:
    db, summary = district
    with db.reading() as s:
        events = s.scalar(select(func.count()).select_from(CaseEvent))
        escalated = s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.type == "escalated"))
    assert sum(summary.outcomes.values()) == 40
    assert summary.events == events
    assert summary.escalations == escalated > 0


def test_the_same_seed_writes_the_same_events(db: Database, sqlite_template: Path, tmp_path: Path) -> None:
    first = run_simulation(db, cases=12, days=2, seed=7)
    (tmp_path / "other").mkdir()
    other = fresh_sqlite(sqlite_template, tmp_path / "other")
    try:
        second = run_simulation(other, cases=12, days=2, seed=7)
    finally:
        other.dispose()
    assert first.outcomes == second.outcomes
    assert first.fingerprint == second.fingerprint


def test_the_same_seed_writes_the_same_mediations_though_they_commit_keyed_digests(
        db: Database, sqlite_template: Path, tmp_path: Path) -> None:
    """Parties' contacts are committed under each case's data key (row format 3): the run seeds those keys too."""
    mix = PathMix(mediation=0.6, to_council=0.6)
    first = run_simulation(db, cases=6, days=2, seed=7, mix=mix)
    (tmp_path / "other").mkdir()
    other = fresh_sqlite(sqlite_template, tmp_path / "other")
    try:
        second = run_simulation(other, cases=6, days=2, seed=7, mix=mix)
    finally:
        other.dispose()
    assert first.mediations == second.mediations > 0
    assert first.fingerprint == second.fingerprint


def test_another_seed_writes_other_events(sqlite_template: Path, tmp_path: Path) -> None:
    prints = []
    for seed in (7, 8):
        (tmp_path / str(seed)).mkdir()
        db = fresh_sqlite(sqlite_template, tmp_path / str(seed))
        prints.append(run_simulation(db, cases=3, days=1, seed=seed).fingerprint)
        db.dispose()
    assert prints[0] != prints[1]


def test_simulate_prints_the_summary_and_exits_0(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["simulate", "--db", f"sqlite:///{tmp_path / 'sim.db'}",
                                       "--cases", "4", "--days", "1", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "simulated 4 cases over 1 days (seed 3)" in result.output
    assert "events written:" in result.output
    assert "cases/s" in result.output


@pytest.mark.parametrize("args, complaint", [
    (["--cases", "0"], "--cases"),
    (["--cases", "5", "--days", "0"], "--days"),
    (["--cases", "many"], "--cases"),
    ([], "--cases"),
])
def test_bad_arguments_are_a_clear_error(tmp_path: Path, args: list[str], complaint: str) -> None:
    result = CliRunner().invoke(main, ["simulate", "--db", f"sqlite:///{tmp_path / 'sim.db'}", *args])
    assert result.exit_code == 2
    assert complaint in result.output
    assert "Traceback" not in result.output


def test_out_of_range_sizes_are_refused_by_the_service(db: Database) -> None:
    with pytest.raises(ValidationError) as refused:
        run_simulation(db, cases=0, days=400)
    assert set(refused.value.field_errors) == {"cases", "days"}
