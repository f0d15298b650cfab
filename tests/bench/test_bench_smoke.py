"""The figure scripts of bench/ (4, 5, 7, the bulk loader and the runner) at smoke size, so they cannot rot.

Each script runs as it would by hand, in its own process, and must exit 0 and print its figure
rows. No timing is asserted: the numbers belong in bench/RESULTS.md, not in the test suite.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from sqlalchemy import text

from engine.audit.verify import verify_cases, verify_chains
from engine.db import Database
from tests.engine import helpers_tamper as tamper

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _run(script: str, *args: str) -> str:
    done = subprocess.run([sys.executable, str(BENCH / script), *args], cwd=BENCH.parent, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done.stdout


def test_bulk_loaded_copies_have_valid_chains_and_replay_to_their_snapshots(db: Database) -> None:
    bulkload = _module("bulkload")
    result = bulkload.bulk_load(db, 40, moments=1, paths=["resolved_on_the_spot", "adopted_assigned_and_satisfied",
                                                          "returned_once_and_redispatched"])
    assert result.cases == 40 and result.rows["case"] == 40
    with db.reading() as s:
        scan = verify_chains(s)
        assert scan.failures == [] and scan.cases == 43  # the 3 engine-run templates and their 40 copies
        assert scan.events > result.rows["case_event"]
        checks = list(verify_cases(s))
    assert [c for c in checks if not c.ok] == []


def test_the_streamed_chain_check_names_the_case_whose_event_was_rewritten(db: Database) -> None:
    bulkload = _module("bulkload")
    bulkload.bulk_load(db, 5, moments=1, paths=["resolved_on_the_spot"])
    with tamper.as_owner(db) as conn:
        victim, event_id, payload = conn.execute(text(
            "SELECT case_id, id, payload FROM case_event WHERE type = 'task_completed' ORDER BY id DESC LIMIT 1")).one()
        conn.execute(text("UPDATE case_event SET payload = :p WHERE id = :id"),
                     {"p": payload.replace("satisfied", "dissatisfied"), "id": event_id})
    with db.reading() as s:
        scan = verify_chains(s)
    assert [(f.case_id, f.problem) for f in scan.failures] == [(victim, "哈希不符：事件内容被修改")]
    assert scan.cases == 6


def test_figure_4_prints_the_inbox_and_case_page_rows() -> None:
    out = _run("inbox_case_page.py", "--smoke")
    for row in ("FIGURE 4.inbox.sqlite.grid_worker", "FIGURE 4.inbox.sqlite.department", "FIGURE 4.case_page.sqlite",
                "FIGURE 4.bare_inbox.sqlite"):
        assert row in out, out


def test_figure_5_prints_the_replay_and_verify_rows() -> None:
    out = _run("replay_verify.py", "--smoke")
    for row in ("FIGURE 5.replay", "FIGURE 5.verify.sqlite", "FIGURE 5.verify_replay.sqlite"):
        assert row in out, out
    assert "equals the stored snapshot: True" in out


def test_figure_7_prints_requests_per_second_and_worker_memory() -> None:
    out = _run("http_load.py", "--smoke")
    for row in ("FIGURE 7.inbox_rps.sqlite", "FIGURE 7.complete_rps.sqlite", "FIGURE 7.rss.sqlite"):
        assert row in out, out


def test_the_bounded_step_bench_prints_the_watchdog_share_of_a_step() -> None:
    out = _run("bounded_step.py", "--quick")
    assert "arming and disarming the watchdog" in out and "% of the step" in out and "one timer's value" in out


def test_figure_8_delivers_every_outbox_message_once_to_the_signed_webhook(tmp_path: Path) -> None:
    out = _run("outbox_delivery.py", "--messages", "60", "--json", str(tmp_path / "outbox.json"))
    assert "FIGURE 8.outbox.sqlite" in out, out
    run_all = _module("run_all")
    [figure] = run_all.figures_of("outbox", tmp_path / "outbox.json", out)
    assert figure.key == "8.outbox.sqlite" and figure.unit == "messages/s" and figure.value > 0


def test_the_hotline_bench_ingests_work_orders_and_delivers_every_callback_once(tmp_path: Path) -> None:
    out = _run("hotline_orders.py", "--orders", "30", "--json", str(tmp_path / "hotline.json"))
    assert "30 callbacks delivered" in out and "FIGURE 26.hotline.sqlite" in out, out
    run_all = _module("run_all")
    [figure] = run_all.figures_of("hotline", tmp_path / "hotline.json", out)
    assert figure.key == "26.hotline.sqlite" and figure.unit == "s" and figure.value > 0


def test_the_sla_sweep_bench_times_an_idle_cycle_per_stage_and_the_cost_per_due_case(tmp_path: Path) -> None:
    out = _run("sla_sweep.py", "--smoke", "--json", str(tmp_path / "sweep.json"))
    for row in ("FIGURE 8.sweep_idle.sqlite |", "FIGURE 8.sweep_idle.sqlite.timers", "FIGURE 8.sweep_idle.sqlite.outbox",
                "FIGURE 8.sweep_due.sqlite"):
        assert row in out, out
    figures = _module("run_all").figures_of("sweep", tmp_path / "sweep.json", out)
    assert figures[0].key == "8.sweep_idle.sqlite" and figures[0].target == "≤ 10 ms" and figures[0].value > 0


def test_the_whistle_benchmark_prints_its_step_ratio_beside_bare_spiffworkflow(tmp_path: Path) -> None:
    out = _run("whistle.py", "--sizes", "1", "3", "--repeat", "1", "--json", str(tmp_path / "whistle.json"))
    for row in ("FIGURE 14.whistle.step", "FIGURE 14.whistle.total", "FIGURE 14.whistle.ratio"):
        assert row in out, out
    sizes = json.loads((tmp_path / "whistle.json").read_text())["sizes"]
    assert [sizes[n]["steps"] for n in ("1", "3")] == [3, 9]  # 3N department steps after the whistle


def test_the_runner_replaces_its_table_and_keeps_the_notes_below_it(tmp_path: Path) -> None:
    run_all = _module("run_all")
    results = tmp_path / "RESULTS.md"
    results.write_text("# Profile notes\n\nwhat each fix bought\n", encoding="utf-8")
    figure = run_all.Figure("5.replay", "replay of a 200-event case", 80.0, "ms", "≤ 100 ms", True, "")
    info = {"cpu": "cpu", "cores": "2", "ram": "1 GB", "python": "3", "sqlite": "3", "postgresql": "15"}
    for value in (120.0, 80.0):
        figure.value, figure.met = value, value <= 100
        block = run_all.table({"replay": [[figure]]}, "--smoke", info, run_all.datetime.now(run_all.UTC),
                              {"replay": "1.0"}, {})
        run_all.write_results(results, block)
    text = results.read_text(encoding="utf-8")
    assert text.count(run_all.BEGIN) == 1 and "| replay of a 200-event case | 80 ms |" in text
    assert "120 ms" not in text
    assert text.endswith("# Profile notes\n\nwhat each fix bought\n")


def test_the_runner_without_a_mode_stops_with_a_usage_error() -> None:
    done = subprocess.run([sys.executable, str(BENCH / "run_all.py")], cwd=BENCH.parent, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2, done.stderr


def test_figure_17_prints_the_evidence_upload_and_file_check_rows(tmp_path: Path) -> None:
    out = _run("evidence_upload.py", "--smoke", "--json", str(tmp_path / "evidence.json"))
    for row in ("FIGURE 17.upload.p50", "FIGURE 17.verify_files"):
        assert row in out, out
    figures = _module("run_all").figures_of("evidence", tmp_path / "evidence.json", out)
    assert [f.key for f in figures] == ["17.upload.p50", "17.verify_files"]


def test_the_merkle_log_figure_runs_at_smoke_size(tmp_path: Path) -> None:
    """Figure 18 (issue 18): verify with the Merkle tree, proofs, the leaf's cost per step, the head sweep."""
    out, url = tmp_path / "merkle.json", f"sqlite:///{tmp_path / 'merkle.db'}"
    printed = _run("merkle_log.py", "--smoke", "--db", url, "--json", str(out))
    keys = [f["key"] for f in json.loads(out.read_text())["figures"]]
    assert keys == ["18.verify", "18.inclusion", "18.consistency", "18.step", "18.head", "18.seal", "18.sweep"], printed
    assert "inclusion proof" in printed
    figures = _module("run_all").figures_of("merkle", out, printed)  # as run_all.py collects them (no time asserted)
    assert [f.target for f in figures if f.key in ("18.inclusion", "18.consistency")] == ["≤ 10 ms", "≤ 50 ms"]
    # the database it loaded, measured again: the head sweep alone (a sealed log, then a signed head)
    again = tmp_path / "sweep.json"
    printed = _run("merkle_log.py", "--reuse", url, "--sweep-only", "--json", str(again))
    assert [f["key"] for f in json.loads(again.read_text())["figures"]] == ["18.seal", "18.sweep"], printed


def test_the_due_visit_list_bench_prints_its_rows() -> None:
    out = _run("field_due.py", "--smoke")
    for row in ("FIGURE due_list_sqlite", "FIGURE due_list_p95_sqlite", "FIGURE due_count_p95_sqlite",
                "FIGURE due_generate_sqlite"):
        assert row in out, out


def test_the_command_line_bench_prints_help_and_validate_beside_the_bare_references(tmp_path: Path) -> None:
    """Issue 24: `casegrid --help` and `casegrid process validate` in fresh processes, beside `python -c pass`
    and bare SpiffWorkflow parsing a diagram (no time asserted)."""
    out = tmp_path / "cli.json"
    printed = _run("cli_start.py", "--repeat", "1", "--json", str(out))
    figures = _module("run_all").figures_of("cli", out, printed)
    assert [(f.key, f.target) for f in figures] == [("24.help", "≤ 0.3 s"), ("24.validate", "≤ 1 s")], printed
    assert "bare SpiffWorkflow" in figures[1].note and "python -c pass" in figures[0].note
