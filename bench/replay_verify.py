"""Benchmark (DESIGN.md §4, figure 5): replay a 200-event case; verify the hash chain of 1 000 000 events.

1. Replay: one civic-loop case that loops (不满意 → 督办裁定 → 重新交办 …) is driven through the
   engine until it has ~200 events, then ``CaseService.replay`` rebuilds it from its log (median of
   several runs; the result must equal the stored snapshot byte for byte). Beside it, bare
   SpiffWorkflow applying the same task data to one workflow in memory (no persistence at all).
2. Verify: ``engine.audit.verify.verify_chains`` streams the event log of the loaded historical cases
   (``bench/bulkload.py``) and checks every hash, seq and chain head until 1 000 000 events. A full
   ``verify`` also replays every case to its snapshot; that is timed on a random sample and reported
   per event, with what it would take for 1 000 000 events.

Run from the repository root::

    python bench/replay_verify.py --db sqlite:////tmp/big.db --reuse     # over an existing bulk load
    python bench/replay_verify.py --db sqlite:////tmp/big.db --cases 120000
    python bench/replay_verify.py --smoke                                # seconds
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import Figures, loadavg, med, scratch_sqlite  # noqa: E402
from bulkload import bulk_load, sample_case_ids  # noqa: E402
from sqlalchemy import select  # noqa: E402

from engine.cases.events import CaseEvent  # noqa: E402
from engine.audit.verify import verify_cases, verify_chains  # noqa: E402
from engine.bootstrap import init_database  # noqa: E402
from engine.db import Database  # noqa: E402

REPLAY_TARGET_EVENTS = 200


def replay_figure(target_events: int, repeat: int, figures: Figures) -> None:
    from complete_task import Bare, Casegrid, parse_bare, run_long_case, start_data

    with tempfile.TemporaryDirectory(prefix="casegrid-bench-") as folder:
        cg = Casegrid(Path(folder))
        case, steps, _ = run_long_case(cg, None, {}, target_events, with_bare=False)
        stored = cg.service.case(case.id)
        samples = []
        for _ in range(repeat + 1):
            t0 = time.perf_counter()
            replayed = cg.service.replay(case.id)
            samples.append((time.perf_counter() - t0) * 1000)
        exact = replayed.snapshot() == stored.snapshot
        samples = samples[1:]
        with cg.db.reading() as s:
            payloads = [json.loads(p) for p in s.scalars(select(CaseEvent.payload).where(
                CaseEvent.case_id == case.id, CaseEvent.type == "task_completed").order_by(CaseEvent.seq))]
        spec, subs = parse_bare()
        bare_ms = []
        for _ in range(max(1, repeat // 2)):
            t0 = time.perf_counter()
            bare = Bare(spec, subs, start_data(cg, case), cg.clock, round_trip=False)
            for p in payloads:
                bare.step(p["bpmn_id"], p["data"])
            bare_ms.append((time.perf_counter() - t0) * 1000)
        cg.db.dispose()
    print(f"replay of a {stored.last_seq}-event case ({len(steps)} steps): median {med(samples):.1f} ms "
          f"(min {min(samples):.1f}, n={len(samples)}), equals the stored snapshot: {exact}; "
          f"bare SpiffWorkflow in memory, same steps: {med(bare_ms):.1f} ms", flush=True)
    if not exact:
        raise SystemExit("replay does not reproduce the stored snapshot")
    figures.add("5.replay", f"replay of a {stored.last_seq}-event case", med(samples), "ms", "≤ 100 ms", 100,
                note=f"min {min(samples):.1f} ms; byte-exact; bare Spiff in memory {med(bare_ms):.1f} ms "
                     f"(ratio {med(samples) / med(bare_ms):.2f}×)")


def _scan_range(url: str, first: int, last: int) -> tuple[int, int, int]:
    db = init_database(url)[0]
    with db.reading() as s:
        scan = verify_chains(s, first, last)
    db.dispose()
    return scan.cases, scan.events, len(scan.failures)


def parallel_verify(db: Database, events: int, workers: int) -> tuple[int, int, int, float]:
    """The first ``events`` events' cases split by case id into ``workers`` ranges, each in its own process."""
    with db.engine.connect() as conn:
        last = conn.execute(select(CaseEvent.case_id).order_by(CaseEvent.id).offset(events - 1).limit(1)).scalar()
        first = conn.execute(select(CaseEvent.case_id).order_by(CaseEvent.id).limit(1)).scalar() or 0
    last = last if last is not None else 2**62
    step = max(1, (min(last, first + 10**9) - first + 1) // workers) if last < 2**62 else 2**62
    bounds = [(first + i * step, first + (i + 1) * step - 1 if i < workers - 1 else last) for i in range(workers)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(_scan_range, [db.url] * workers, *zip(*bounds)))
    elapsed = time.perf_counter() - t0
    return sum(p[0] for p in parts), sum(p[1] for p in parts), sum(p[2] for p in parts), elapsed


def verify_figure(db: Database, label: str, events: int, sample: int, figures: Figures, workers: int = 1) -> None:
    with db.reading() as s:
        t0 = time.perf_counter()
        scan = verify_chains(s, max_events=events)
        elapsed = time.perf_counter() - t0
    print(f"verify chains ({label}): {scan.events:,} events of {scan.cases:,} cases in {elapsed:.2f} s "
          f"({scan.events / elapsed:,.0f} events/s), {len(scan.failures)} broken; load {loadavg()}", flush=True)
    if scan.failures:
        raise SystemExit(f"broken chains: {scan.failures[:3]}")
    per_million = elapsed * 1_000_000 / max(scan.events, 1)
    figures.add(f"5.verify.{label}", f"verify the hash chain of 1 000 000 events, {label}", per_million, "s",
                "≤ 30 s", 30, note=f"{scan.events:,} events of {scan.cases:,} cases measured in {elapsed:.1f} s, "
                                   "one process")
    if workers > 1:
        cases, n, broken, elapsed = parallel_verify(db, events, workers)
        print(f"verify chains ({label}), {workers} processes by case-id range: {n:,} events of {cases:,} cases in "
              f"{elapsed:.2f} s, {broken} broken; load {loadavg()}", flush=True)
        figures.add(f"5.verify_parallel.{label}", f"verify the hash chain of 1 000 000 events, {workers} processes, "
                    f"{label}", elapsed * 1_000_000 / max(n, 1), "s", "≤ 30 s", 30,
                    note=f"{n:,} events in {elapsed:.1f} s")
    ids = sorted(set(sample_case_ids(db, sample)))
    with db.reading() as s:
        t0 = time.perf_counter()
        checks = list(verify_cases(s, ids))
        elapsed = time.perf_counter() - t0
    n_events = sum(c.events for c in checks)
    bad = [c for c in checks if not c.ok]
    print(f"full verify with replay ({label}): {len(checks)} random cases, {n_events:,} events in {elapsed:.2f} s "
          f"→ {elapsed / n_events * 1e6:.0f} s per 1 000 000 events; {len(bad)} failed", flush=True)
    if bad:
        raise SystemExit(f"verify failed: {bad[:3]}")
    figures.add(f"5.verify_replay.{label}", f"full verify (chain + replay) per 1 000 000 events, {label}",
                elapsed / n_events * 1e6, "s", note=f"extrapolated from {len(checks)} random cases")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", help="Database URL(s) holding (or to receive) the bulk load.")
    parser.add_argument("--cases", type=int, default=120_000, help="Cases to bulk-load first (~9 events each).")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=300, help="Random cases for the full verify.")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2, help="Also verify in this many processes (1: don't).")
    parser.add_argument("--no-replay", action="store_true", help="Skip the 200-event replay figure.")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    figures = Figures()
    if args.smoke:
        replay_figure(30, 2, figures)
        with scratch_sqlite("fig5.db") as url:
            db = init_database(url)[0]
            bulk_load(db, 300, moments=1)
            verify_figure(db, "sqlite", 2_000, 10, figures, 2)
            db.dispose()
    else:
        if not args.no_replay:
            replay_figure(REPLAY_TARGET_EVENTS, args.repeat, figures)
        for url in args.db or []:
            db = init_database(url)[0]
            if not args.reuse:
                bulk_load(db, args.cases)
            verify_figure(db, "sqlite" if db.is_sqlite else "postgresql", args.events, args.sample, figures,
                          args.workers)
            db.dispose()
    figures.write(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
