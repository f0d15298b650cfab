"""Figure 18 (issue 18): the global Merkle log — verify N events including the tree, proofs, cost per step.

- **verify**: the hash chains of every case (``verify_chains``) plus the Merkle part: every leaf hashed,
  the tree rebuilt and every signed head checked (``review_log``), and every event, access-log entry and
  attachment matched with its leaf (``record_problems``). Target: 1 000 000 events ≤ 30 s.
- **inclusion proof** of a random leaf against the newest head (≤ 10 ms) and **consistency proof**
  between two random heads (≤ 50 ms), from the stored subtree hashes.
- **cost per step**: one event appended and committed, with and without its leaf row (≤ 0.3 ms added).
- **head sweep**: the background sweep's log stage as it runs every 10 minutes, after ``--sweep-events``
  events were appended: without a signing key (the log sealed: holes filled, a seal leaf) and with one
  (a signed head, the new subtree hashes stored).

Cases are bulk-loaded (``bench/bulkload.py``: real closed histories, every chain valid) and their leaves
written in event order, as migration 0017 does for an existing database.

    python bench/merkle_log.py --smoke                       # ~5 000 events
    python bench/merkle_log.py --events 1000000 --db sqlite:////tmp/merkle1m.db   # full size (long)
    python bench/merkle_log.py --reuse sqlite:////tmp/merkle1m.db                 # measure a loaded one again
    python bench/merkle_log.py --reuse sqlite:////tmp/merkle1m.db --sweep-only    # the head sweep figures alone
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select, text  # noqa: E402

import engine.cases.chain as chain  # noqa: E402
from engine.audit import heads, merkle  # noqa: E402
from engine.audit.keystore import SIGNING_KEY_ENV  # noqa: E402
from engine.cases.leaves import MerkleLeaf  # noqa: E402
from engine.audit.log_records import record_problems  # noqa: E402
from engine.audit.signing import ED25519, KeyRing, PrivateKey, generate, hash_of, private_key_text  # noqa: E402
from engine.audit.verify import verify_chains  # noqa: E402
from engine.bootstrap import init_database  # noqa: E402
from engine.cases.events import CaseEvent  # noqa: E402
from engine.cases.models import Case  # noqa: E402
from engine.clock import FixedClock, as_utc  # noqa: E402
from engine.db import Database  # noqa: E402
from engine.sweep.cycle import run_cycle  # noqa: E402
from engine.sweep.stages import heads_stage  # noqa: E402
from benchlib import Figures  # noqa: E402

EVENTS_PER_CASE = 9  # about what a bulk-loaded closed case has


def backfill_leaves(db: Database) -> int:
    """Leaves for the events that have none (bulk-loaded rows bypass the engine), in event order."""
    with db.engine.begin() as conn:
        have = conn.execute(text("SELECT count(*) FROM merkle_leaf")).scalar_one()
        conn.execute(text(
            "INSERT INTO merkle_leaf (kind, case_id, seq, ref, entry_hash) "
            "SELECT 'event', e.case_id, e.seq, c.uuid, e.hash FROM case_event e JOIN \"case\" c ON c.id = e.case_id "
            "WHERE NOT EXISTS (SELECT 1 FROM merkle_leaf l WHERE l.case_id = e.case_id AND l.seq = e.seq "
            "AND l.kind = 'event') ORDER BY e.id"))
        return conn.execute(text("SELECT count(*) FROM merkle_leaf")).scalar_one() - have


def load(db: Database, events: int, moments: int) -> None:
    import bulkload
    cases = max(1, events // EVENTS_PER_CASE)
    result = bulkload.bulk_load(db, cases, moments=moments)
    print(f"loaded {result.cases} cases from {result.templates} templates in "
          f"{result.template_s + result.clone_s:.0f} s", flush=True)


def measure_verify(db: Database, ring: KeyRing) -> dict[str, float]:
    cpu = time.process_time()
    started = time.perf_counter()
    with db.reading() as s:
        scan = verify_chains(s)
    chain_s = time.perf_counter() - started
    assert not scan.failures, scan.failures[:3]
    started = time.perf_counter()
    with db.reading() as s:
        review = heads.review_log(s, ring)
    tree_s = time.perf_counter() - started
    started = time.perf_counter()
    with db.reading() as s:
        problems = record_problems(s)
    records_s = time.perf_counter() - started
    assert review.ok and not problems, (review.problems, problems)
    return {"events": scan.events, "leaves": review.leaves, "chains_s": chain_s, "tree_s": tree_s,
            "verify_cpu_s": time.process_time() - cpu,
            "records_s": records_s, "verify_s": chain_s + tree_s + records_s}


def measure_proofs(db: Database, repeat: int, seed: int = 18) -> dict[str, float]:
    rng = random.Random(seed)
    with db.reading() as s:
        all_heads = list(s.scalars(select(heads.TreeHead).order_by(heads.TreeHead.id)))
        newest = all_heads[-1]
        h = hash_of(newest.profile)
        root = bytes.fromhex(newest.root)
        inclusion, inclusion_cpu = [], []
        for _ in range(repeat):
            index = rng.randrange(newest.size)
            started, cpu = time.perf_counter(), time.process_time()
            proof = heads.inclusion_proof(s, index, newest.size, h)
            leaf = s.execute(select(MerkleLeaf.kind, MerkleLeaf.ref, MerkleLeaf.seq, MerkleLeaf.entry_hash)
                             .where(MerkleLeaf.id == index + 1)).one()
            inclusion.append(time.perf_counter() - started)
            inclusion_cpu.append(time.process_time() - cpu)
            assert merkle.verify_inclusion(index, newest.size, merkle.leaf_hash(heads.leaf_bytes(*leaf), h), proof,
                                           root, h)
        consistency, consistency_cpu = [], []
        for _ in range(max(1, repeat // 4)):
            old = rng.choice(all_heads[:-1])
            started, cpu = time.perf_counter(), time.process_time()
            proof = heads.consistency_proof(s, old.size, newest.size, h)
            consistency.append(time.perf_counter() - started)
            consistency_cpu.append(time.process_time() - cpu)
            assert merkle.verify_consistency(old.size, newest.size, bytes.fromhex(old.root), root, proof, h)
    return {"inclusion_p50_ms": statistics.median(inclusion) * 1000, "inclusion_max_ms": max(inclusion) * 1000,
            "consistency_p50_ms": statistics.median(consistency) * 1000,
            "consistency_max_ms": max(consistency) * 1000, "tree_size": newest.size,
            "inclusion_cpu_p50_ms": statistics.median(inclusion_cpu) * 1000,
            "consistency_cpu_p50_ms": statistics.median(consistency_cpu) * 1000}


def make_heads(db: Database, key: object, count: int) -> float:
    """The first head over the whole loaded log (timed: it stores the subtree hashes), then more heads with a
    few events appended before each (for consistency proofs between heads of different sizes)."""
    at = datetime(2026, 12, 1, tzinfo=UTC)
    started = time.perf_counter()
    with db.transaction() as s:
        heads.sign_head(s, key, at=at)  # type: ignore[arg-type]
    first_s = time.perf_counter() - started
    with db.reading() as s:
        case_id = s.scalar(select(Case.id).order_by(Case.id).limit(1))
    for i in range(1, count):
        with db.transaction() as s:
            case = s.get(Case, case_id)
            assert case is not None
            for j in range(1 + i * 37):
                chain.append_event(s, case, type="bench_note", actor="bench", role="system",
                                   at=at + timedelta(minutes=10 * i, seconds=j), payload={"n": j})
        with db.transaction() as s:
            heads.sign_head(s, key, at=at + timedelta(minutes=10 * i))  # type: ignore[arg-type]
    return first_s


def measure_step_cost(db: Database, steps: int) -> dict[str, float]:
    """One event appended and committed per transaction, with its leaf and without (the leaf call patched out)."""
    with db.reading() as s:
        case_id = s.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))
    at = [datetime(2027, 1, 1, tzinfo=UTC)]

    def run() -> float:
        # CPU time of this process: what the leaf adds is work here; the commit's fsync is the same either way
        # and, on a shared machine, its wall time varies far more than the difference being measured
        started = time.process_time()
        for _ in range(steps):
            at[0] += timedelta(seconds=1)
            with db.transaction() as s:
                case = s.get(Case, case_id)
                assert case is not None
                chain.append_event(s, case, type="bench_note", actor="bench", role="system", at=at[0],
                                   payload={"n": 1})
        return (time.process_time() - started) / steps

    rounds = []
    for _ in range(5):  # interleaved: the machine's load drifts
        with_leaf = run()
        with mock.patch.object(chain, "add_event_leaf", lambda *a, **k: None):
            without = run()
        rounds.append((with_leaf, without))
    with_leaf = statistics.median(r[0] for r in rounds)
    without = statistics.median(r[1] for r in rounds)
    return {"step_with_leaf_ms": with_leaf * 1000, "step_without_leaf_ms": without * 1000,
            "leaf_cost_ms": (with_leaf - without) * 1000}


def measure_sweep(db: Database, key: PrivateKey, events: int) -> dict[str, float]:
    """The sweep's log stage over a log grown by ``events`` since it was last sealed: first without a key
    (seal), then with one (sign). Each is one whole sweep cycle (lease, stage, its record), timed."""
    with db.reading() as s:
        case = s.scalar(select(Case).order_by(Case.id.desc()).limit(1))
        assert case is not None
        case_id = case.id
        moments = [heads.last_sealed_at(s), s.scalar(select(func.max(CaseEvent.at)).where(CaseEvent.case_id == case_id))]
    # a day after the case's newest event and the log's last seal (a rerun finds both later each time)
    latest = max([datetime(2027, 6, 1, tzinfo=UTC)] + [as_utc(m) for m in moments if m is not None])
    clock = FixedClock(latest + timedelta(days=1))
    figures: dict[str, float] = {}
    saved = os.environ.pop(SIGNING_KEY_ENV, None)
    try:
        for name, signing in (("seal", None), ("sign", key)):
            with db.transaction() as s:  # the log grows, as steps would grow it between two sweeps
                case = s.get(Case, case_id)
                assert case is not None
                for j in range(events):
                    chain.append_event(s, case, type="bench_note", actor="bench", role="system",
                                       at=clock.now() + timedelta(milliseconds=j), payload={"n": j})
            if signing is not None:
                os.environ[SIGNING_KEY_ENV] = private_key_text(signing)
            clock.advance(minutes=11)
            started, cpu = time.perf_counter(), time.process_time()
            report = run_cycle(db, clock, [heads_stage()], holder="bench")
            figures[f"{name}_sweep_s"] = time.perf_counter() - started
            figures[f"{name}_sweep_cpu_s"] = time.process_time() - cpu
            assert report is not None and not report.errors, report
            counts = report.stages["heads"]
            assert counts.get("sealed" if signing is None else "signed") == 1, counts
            figures["sweep_log_size"] = float(counts["size"])
    finally:
        os.environ.pop(SIGNING_KEY_ENV, None)
        if saved is not None:
            os.environ[SIGNING_KEY_ENV] = saved
    figures["sweep_events"] = float(events)
    return figures


def add_sweep_figures(report: Figures, figures: dict[str, float]) -> None:
    n = f"{figures['sweep_events']:,.0f}".replace(",", " ")
    size = f"{figures['sweep_log_size']:,.0f}".replace(",", " ")
    report.add("18.seal", f"sweep's log stage without a key: seal {n} new leaves (log of {size})",
               figures["seal_sweep_s"] * 1000, "ms", note=f"CPU {figures['seal_sweep_cpu_s'] * 1000:.0f} ms; "
                                                           "one whole sweep cycle")
    report.add("18.sweep", f"sweep's log stage with a key: sign a head over {n} new leaves (log of {size})",
               figures["sign_sweep_s"] * 1000, "ms", note=f"CPU {figures['sign_sweep_cpu_s'] * 1000:.0f} ms; "
                                                           "one whole sweep cycle, subtree hashes stored")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--db", default=None, help="Database to load (default: a new SQLite file in /tmp).")
    parser.add_argument("--reuse", default=None, help="A database loaded before: measure only.")
    parser.add_argument("--smoke", action="store_true", help="~5 000 events, few repeats.")
    parser.add_argument("--json", default=None)
    parser.add_argument("--sweep-events", type=int, default=None,
                        help="Events appended before each timed sweep (default 1 000; 200 with --smoke).")
    parser.add_argument("--sweep-only", action="store_true", help="With --reuse: the head sweep figures alone.")
    a = parser.parse_args(argv)
    sweep_events = a.sweep_events or (200 if a.smoke else 1_000)
    if a.sweep_only:
        if not a.reuse:
            parser.error("--sweep-only measures a database loaded before: give it with --reuse")
        db = Database(a.reuse)
        report = Figures()
        add_sweep_figures(report, measure_sweep(db, generate(ED25519), sweep_events))
        db.dispose()
        report.write(a.json)
        return 0
    events = 5_000 if a.smoke else a.events
    if a.reuse:
        db = Database(a.reuse)
    else:
        url = a.db or f"sqlite:///{tempfile.mkdtemp(prefix='casegrid-merkle-')}/merkle.db"
        db = init_database(url)[0]
        load(db, events, 1 if a.smoke else 12)
    started = time.perf_counter()
    added = backfill_leaves(db)
    print(f"backfilled {added} leaves in {time.perf_counter() - started:.1f} s", flush=True)
    key = generate(ED25519)
    ring = KeyRing.of([key.public_key])
    with db.reading() as s:
        signed_before = s.scalar(select(func.count()).select_from(heads.TreeHead))
    if signed_before:
        print("the database has heads of another key: measuring without signature checks")
        ring = KeyRing.of([])
    first_head_s = make_heads(db, key, 1 if signed_before else 6)
    figures: dict[str, float] = {"first_head_s": first_head_s}
    figures |= measure_verify(db, ring)
    figures |= measure_proofs(db, 20 if a.smoke else 200)
    figures |= measure_step_cost(db, 50 if a.smoke else 300)
    figures |= measure_sweep(db, key, sweep_events)
    db.dispose()
    for name, value in figures.items():
        print(f"{name}: {value:.3f}")
    print(f"verify {figures['events']:.0f} events incl. the Merkle tree of {figures['leaves']:.0f} leaves: "
          f"{figures['verify_s']:.1f} s (chains {figures['chains_s']:.1f} s, tree {figures['tree_s']:.1f} s, "
          f"leaves vs records {figures['records_s']:.1f} s); inclusion proof p50 {figures['inclusion_p50_ms']:.2f} ms, "
          f"consistency proof p50 {figures['consistency_p50_ms']:.2f} ms; a leaf adds "
          f"{figures['leaf_cost_ms']:.3f} ms to a step of {figures['step_without_leaf_ms']:.2f} ms")
    report = Figures()
    n = f"{figures['events']:,.0f}".replace(",", " ")
    report.add("18.verify", f"verify {n} events including the Merkle tree (chains, tree and heads, leaves vs rows)",
               figures["verify_s"], "s", "≤ 30 s per 1 000 000 events",
               limit=30 * figures["events"] / 1_000_000,
               note=f"chains {figures['chains_s']:.1f} s, tree {figures['tree_s']:.1f} s, leaves vs records "
                    f"{figures['records_s']:.1f} s; CPU {figures['verify_cpu_s']:.1f} s")
    report.add("18.inclusion", "inclusion proof of a random leaf, p50", figures["inclusion_p50_ms"], "ms", "≤ 10 ms",
               limit=10, note=f"CPU {figures['inclusion_cpu_p50_ms']:.2f} ms; max {figures['inclusion_max_ms']:.1f} ms; "
                              f"tree of {figures['tree_size']:.0f} leaves")
    report.add("18.consistency", "consistency proof between two heads, p50", figures["consistency_p50_ms"], "ms",
               "≤ 50 ms", limit=50, note=f"CPU {figures['consistency_cpu_p50_ms']:.2f} ms")
    report.add("18.step", "cost a leaf adds to one step (event appended and committed), CPU", figures["leaf_cost_ms"],
               "ms", "≤ 0.3 ms", limit=0.3, note=f"step {figures['step_without_leaf_ms']:.2f} ms CPU without the leaf")
    report.add("18.head", "first signed head over the loaded log (stores the subtree hashes)",
               figures["first_head_s"], "s")
    add_sweep_figures(report, figures)
    report.write(a.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
