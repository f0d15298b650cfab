"""Run every figure script of DESIGN.md §4 and write the table at the top of ``bench/RESULTS.md``.

Each script runs in its own process (smoke or full size), its figures are collected (from its
``--json`` output, or its printed summary for the older scripts), and the table of every figure
against its target, with the machine and the date, replaces the generated block at the top of
RESULTS.md. Everything below that block (the profile notes, the throughput helper's section) is kept.

    python bench/run_all.py --smoke                       # every script at smoke size (~2–3 minutes)
    python bench/run_all.py --full --sqlite-1m sqlite:////tmp/big.db \\
        --pg-1m postgresql+psycopg://postgres@127.0.0.1:5432/casegrid_big \\
        --pg-scratch postgresql+psycopg://postgres@127.0.0.1:5432/casegrid_scratch
    python bench/run_all.py --smoke --only inbox replay --results /tmp/RESULTS.md
    python bench/run_all.py --full --logs bench-logs --keep --only http --pg-scratch ...   # redo one figure

``--sqlite-1m`` / ``--pg-1m`` hold the bulk load of 1 000 000 historical cases (``bench/bulkload.py``);
with ``--load`` they are loaded first. ``--pg-scratch`` is EMPTIED (throughput drops its schema; the
HTTP benchmark adds its open cases there). Full sizes are heavy: run them once, on a quiet machine.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import Figure, git_head, loadavg, machine  # noqa: E402

HERE = Path(__file__).resolve().parent
BEGIN = "<!-- bench/run_all.py: generated table, begin -->"
END = "<!-- bench/run_all.py: generated table, end -->"
SCRIPTS = ("complete_task", "household_vote", "whistle", "throughput", "assessment", "inbox", "replay", "http",
           "bounded", "outbox", "sweep", "evidence", "merkle", "hotline", "cli")


def _args(name: str, a: argparse.Namespace, out: Path) -> list[str] | None:
    """The command line of one script in this mode, or None when it cannot run (missing script or database)."""
    smoke = a.smoke
    if name == "complete_task":
        return ["complete_task.py", "--json", str(out)] + (["--quick"] if smoke else [])
    if name == "household_vote":
        return ["household_vote.py", "--json", str(out)] + (["--sizes", "50", "300", "--repeat", "1"] if smoke
                                                            else ["--repeat", "5"])
    if name == "whistle":
        return ["whistle.py", "--json", str(out)] + (["--sizes", "1", "10", "--repeat", "1"] if smoke
                                                     else ["--sizes", "1", "10", "--repeat", "5"])
    if name == "throughput":
        if not (HERE / "throughput.py").exists():
            return None
        args = ["throughput.py", "--json", str(out)]
        if a.throughput_cases:
            args += ["--cases", str(a.throughput_cases), "--bare-cases", str(max(5, a.throughput_cases // 10))]
        elif smoke:
            return args + ["--cases", "20", "--bare-cases", "5"]
        return args + (["--pg-url", a.pg_scratch] if a.pg_scratch else [])
    if name == "assessment":
        return ["assessment_1m.py", "--repeat", "1" if smoke else "3"] + (["--cases", "5000"] if smoke else [])
    if name == "inbox":
        if smoke:
            return ["inbox_case_page.py", "--smoke", "--json", str(out)]
        dbs = [x for url in (a.sqlite_1m, a.pg_1m) if url for x in ("--db", url)]
        return ["inbox_case_page.py", "--json", str(out), *dbs] + ([] if a.load else ["--reuse"]) if dbs else None
    if name == "replay":
        if smoke:
            return ["replay_verify.py", "--smoke", "--json", str(out)]
        dbs = [x for url in (a.sqlite_1m, a.pg_1m) if url for x in ("--db", url)]
        return ["replay_verify.py", "--json", str(out), "--reuse", *dbs]
    if name == "http":
        if smoke:
            return ["http_load.py", "--smoke", "--json", str(out)]
        return ["http_load.py", "--db", a.pg_scratch, "--json", str(out)] if a.pg_scratch else None
    if name == "bounded":
        return ["bounded_step.py", "--json", str(out)] + (["--quick"] if smoke else ["--bombs"])
    if name == "outbox":
        return ["outbox_delivery.py", "--json", str(out), "--messages", "200" if smoke else "5000",
                *(["--db", a.pg_scratch] if a.pg_scratch and not smoke else [])]
    if name == "hotline":
        return ["hotline_orders.py", "--json", str(out), "--orders", "50" if smoke else "1000",
                *(["--db", "sqlite", "--db", a.pg_scratch] if a.pg_scratch and not smoke else [])]
    if name == "sweep":
        if smoke:
            return ["sla_sweep.py", "--smoke", "--json", str(out)]
        dbs = [x for url in (a.sqlite_1m, a.pg_1m) if url for x in ("--db", url)]
        return ["sla_sweep.py", "--json", str(out), "--reuse", *dbs] if dbs else None
    if name == "evidence":
        return ["evidence_upload.py", "--json", str(out)] + (["--smoke"] if smoke else [])
    if name == "cli":
        return ["cli_start.py", "--json", str(out), "--repeat", "3" if smoke else "7"]
    if name == "merkle":  # full size bulk-loads ~111 000 cases (1 000 000 events) first: long
        return ["merkle_log.py", "--json", str(out)] + (["--smoke"] if smoke else [])
    raise ValueError(name)


# -- figures of the older scripts ------------------------------------------------------------------


def _fig(key: str, what: str, value: float, unit: str, target: str = "", met: bool | None = None,
         note: str = "") -> Figure:
    return Figure(key, what, value, unit, target, met, note)


def _cpu_per_case(run: dict) -> str:
    """CPU of the driving process per case beside bare SpiffWorkflow's (steadier than wall time under load)."""
    bare = run["bare"]
    return (f"CPU {run['cpu_seconds'] / run['cases'] * 1000:.1f} ms/case, bare Spiff + JSON "
            f"{bare['cpu_seconds'] / max(bare['cases'], 1) * 1000:.1f} ms/case (CPU ratio {run['cpu_ratio']:.2f}×); "
            f"wall ÷ bare {run['ratio']:.2f}×")


def figures_of(name: str, out: Path, stdout: str) -> list[Figure]:
    if name in ("inbox", "replay", "http", "outbox", "sweep", "whistle", "evidence", "merkle", "hotline", "cli"):
        return [Figure(**f) for f in json.loads(out.read_text())["figures"]]
    if name == "complete_task":  # issue 24's targets, each beside bare SpiffWorkflow doing the same step
        res = json.loads(out.read_text())
        st, age, rp = res["standard"], res["age"], res["replay"]
        replay_note = f"min {rp['min_ms']:.1f} ms; byte-exact with the stored snapshot"
        if "in_memory_ms" in rp:
            replay_note += f"; the same events in memory without round trips {rp['in_memory_ms']:.1f} ms"
        return [
            _fig("1.p50", "complete one task, p50 (SQLite)", st["casegrid_p50"], "ms",
                 note=f"bare Spiff + JSON round trip {st['bare_rt_p50']:.2f} ms, in memory {st['bare_mem_p50']:.2f} ms"),
            _fig("1.p95", "complete one task, p95 (quiet machine)", st["casegrid_p95"], "ms", "≤ 10 ms",
                 st["casegrid_p95"] <= 10, f"bare Spiff + JSON round trip p95 {st['bare_rt_p95']:.2f} ms"),
            _fig("1.ratio", "complete one task ÷ bare SpiffWorkflow with JSON round trip (p50)", st["ratio_p50"], "×",
                 "≤ 1.0×", st["ratio_p50"] <= 1.0, "interleaved step by step: load hits both sides alike"),
            _fig("2.age", "step after ~200 events ÷ step after ~10 events", age["ratio"], "×", "≤ 1.5×",
                 age["ratio"] <= 1.5, f"bare SpiffWorkflow {age['ratio_bare']:.2f}×"),
            _fig("5.replay.complete_task", f"replay of a {rp['events']:.0f}-event case (complete_task.py)",
                 rp["median_ms"], "ms", "≤ 100 ms", rp["median_ms"] <= 100, replay_note),
        ]
    if name == "household_vote":
        res = json.loads(out.read_text())
        sizes = sorted(res, key=int)
        big, small = res[sizes[-1]], res[sizes[0]]
        return [_fig("3v.vote", f"household vote over {sizes[-1]} households, in all", big["total"], "s", "≤ 0.3 s",
                     big["total"] <= 0.3,
                     f"{big['per_vote_ms']:.2f} ms/vote; ×{big['total'] / small['total']:.1f} for "
                     f"{int(sizes[-1]) / int(sizes[0]):.0f}× the households; bare Spiff in memory "
                     f"{big['spiff_memory']:.3f} s, round trip per child {big['spiff_roundtrip']:.3f} s")]
    if name == "throughput":
        runs = json.loads(out.read_text())
        by = {r["backend"]: r for r in runs}
        figs = []
        if "sqlite" in by:
            r = by["sqlite"]
            figs.append(_fig("3.sqlite", f"drive {r['cases']} cases through the loop, SQLite, one process",
                             r["cases_per_s"], "cases/s", "≥ 60 cases/s", r["cases_per_s"] >= 60, _cpu_per_case(r)))
        if "postgresql" in by:
            r = by["postgresql"]
            workers = int(r.get("workers", 1))
            figs.append(_fig("3.pg", f"drive {r['cases']} cases through the loop, PostgreSQL, {workers} worker "
                             f"process{'es' if workers > 1 else ''}", r["cases_per_s"], "cases/s",
                             "≥ 100 cases/s (2 workers)", r["cases_per_s"] >= 100 and workers >= 2, _cpu_per_case(r)))
        return figs
    if name == "bounded":
        res = json.loads(out.read_text())
        return [_fig("1.bounded", "bounded evaluation (watchdog + a timer check) ÷ engine step, issue 15",
                     res["share_pct"], "%", "≤ 5 %", res["share_pct"] <= 5,
                     f"{res['arm_us']:.1f} + {res['timer_check_us']:.1f} µs of a {res['step_ms']:.2f} ms engine step")] + ([
            _fig("1.bombs", "slowest unrelated page load while each diagram bomb is tried (real server)",
                 res["bombs_other_max_ms"], "ms", "< 200 ms", res["bombs_other_max_ms"] < 200,
                 "; ".join(f"{k} refused in {b['report_s']:.1f} s" for k, b in res["bombs"].items()))]
            if "bombs" in res else [])
    if name == "assessment":
        match = re.search(r"best ([\d.]+) s, median ([\d.]+) s over (\d+) runs", stdout)
        cases = re.search(r"over ([\d,]+) cases", stdout)
        if not match:
            raise ValueError("assessment_1m.py printed no summary")
        median = float(match.group(2))
        return [_fig("6.assessment", f"quarterly assessment over {cases.group(1) if cases else '?'} cases (SQLite)",
                     median, "s", "≤ 30 s", median <= 30, f"best {float(match.group(1)):.2f} s")]
    raise ValueError(name)


# -- RESULTS.md --------------------------------------------------------------------------------------


def table(results: dict[str, list[list[Figure]]], mode: str, info: dict[str, str], started: datetime,
          loads: dict[str, str], failures: dict[str, str]) -> str:
    lines = [BEGIN, "# Benchmark results (DESIGN.md §4)", "",
             f"Generated by `python bench/run_all.py {mode}` on {started:%Y-%m-%d %H:%M} UTC, commit {git_head()}. "
             f"Machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM; Python {info['python']}, "
             f"SQLite {info['sqlite']}, PostgreSQL {info['postgresql']}. The machine is shared with other "
             "engineers: load average per script below; compare ratios rather than absolute times.", "",
             "| Figure | Measured (median of runs) | p95 of runs | Runs | Target | | Notes |",
             "|---|---|---|---|---|---|---|"]
    for name, runs in results.items():
        if not runs:
            continue
        for i, first in enumerate(runs[0]):
            values = [run[i].value for run in runs if i < len(run)]
            values.sort()
            median = values[len(values) // 2]
            p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
            met = first.met
            if met is not None:
                met = all(run[i].met for run in runs if i < len(run))
            verdict = "" if met is None else ("met" if met else "**missed**")
            lines.append(f"| {first.what} | {median:.4g} {first.unit} | {p95:.4g} {first.unit} | {len(values)} | "
                         f"{first.target} | {verdict} | {first.note} |")
    lines.append("")
    lines.append("Load average (1, 5, 15 min) when each script ended: " +
                 "; ".join(f"{name} {load}" for name, load in loads.items()) + ".")
    for name, error in failures.items():
        lines.append(f"- `{name}` did not finish: {error}")
    for name in SCRIPTS:
        if not results.get(name) and name not in failures:
            lines.append(f"- `{name}` was not run for this table; its own section below has its figures.")
    lines += ["", END, ""]
    return "\n".join(lines)


def write_results(path: Path, block: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        text = before + block + "\n" + after
    else:
        text = block + "\n" + text
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--smoke", action="store_true")
    mode.add_argument("--full", action="store_true")
    parser.add_argument("--only", nargs="+", choices=SCRIPTS)
    parser.add_argument("--skip", nargs="+", choices=SCRIPTS, default=[])
    parser.add_argument("--runs", type=int, default=1, help="Run each script this many times.")
    parser.add_argument("--sqlite-1m", help="SQLite URL holding the 1 000 000-case bulk load.")
    parser.add_argument("--pg-1m", help="PostgreSQL URL holding the 1 000 000-case bulk load.")
    parser.add_argument("--load", action="store_true", help="Bulk-load --sqlite-1m / --pg-1m first.")
    parser.add_argument("--pg-scratch", help="PostgreSQL URL that may be EMPTIED (throughput, HTTP).")
    parser.add_argument("--throughput-cases", type=int,
                        help="Cases the throughput figure drives (default: 20 with --smoke, 10 000 with --full).")
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--logs", type=Path, help="Folder for each script's output (default: a temporary one).")
    parser.add_argument("--keep", action="store_true",
                        help="With --logs: scripts not run now keep their figures from the last run there.")
    args = parser.parse_args(argv)
    started = datetime.now(UTC)
    logs = args.logs or Path(tempfile.mkdtemp(prefix="casegrid-bench-logs-"))
    logs.mkdir(parents=True, exist_ok=True)
    results: dict[str, list[list[Figure]]] = {}
    loads: dict[str, str] = {}
    failures: dict[str, str] = {}
    previous = logs / "figures.json"
    if args.keep and previous.exists():
        # Scripts not run this time keep the figures of the last run into the same --logs folder.
        saved = json.loads(previous.read_text())
        for name in SCRIPTS:
            if name in saved.get("figures", {}):
                results[name] = [[Figure(**f) for f in run] for run in saved["figures"][name]]
                loads[name] = saved.get("loads", {}).get(name, "?")
    for name in args.only or SCRIPTS:
        if name in args.skip:
            continue
        runs_before = results.get(name)
        results[name] = []
        for run in range(args.runs):
            out = logs / f"{name}.{run}.json"
            command = _args(name, args, out)
            if command is None:
                print(f"{name}: skipped (script or database not given)", flush=True)
                break
            t0 = time.perf_counter()
            print(f"{name} (run {run + 1}/{args.runs}): {' '.join(command)}", flush=True)
            proc = subprocess.run([sys.executable, str(HERE / command[0]), *command[1:]], cwd=HERE.parent,
                                  capture_output=True, text=True)
            (logs / f"{name}.{run}.log").write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr)
            loads[name] = loadavg()
            try:
                figures = figures_of(name, out, proc.stdout)
            except (OSError, ValueError, KeyError) as exc:
                failures[name] = f"exit {proc.returncode}, {type(exc).__name__}: {exc} (log {logs / name}.{run}.log)"
                print(f"{name}: FAILED — {failures[name]}\n{proc.stderr[-1500:]}", flush=True)
                break
            for figure in figures:
                print("  " + figure.line(), flush=True)
            print(f"  ({time.perf_counter() - t0:.0f} s, exit {proc.returncode})", flush=True)
            results[name].append(figures)
        if runs_before:
            # Figures this run did not produce (skipped, failed, or another database) stay from the last run.
            if not results[name]:
                results[name] = runs_before
            else:
                for i, run_figures in enumerate(results[name]):
                    keys = {f.key for f in run_figures}
                    before = runs_before[min(i, len(runs_before) - 1)]
                    run_figures.extend(f for f in before if f.key not in keys)
    block = table(results, "--smoke" if args.smoke else "--full", machine(), started, loads, failures)
    write_results(args.results, block)
    previous.write_text(json.dumps({"figures": {k: [[asdict(f) for f in run] for run in v]
                                               for k, v in results.items() if v},
                                    "loads": loads}, ensure_ascii=False, indent=1))
    print(f"wrote {args.results}; logs in {logs}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
