"""Benchmark (DESIGN.md §4, issue 10 figure 3): drive N cases through the full loop, SQLite and PostgreSQL.

For each backend: a fresh database, then ``casegrid simulate``'s driver (:func:`engine.simulate.run_simulation`)
pushes ``--cases`` cases of a district workload through the real services in simulated time (civic loop
and mediation, every path, thousands of cases open at once, the SLA sweep firing deadlines). Reported:
cases/s, engine steps/s and events/s of wall time.

Beside it, in the same run, bare SpiffWorkflow 3.2 does the same steps: each case's engine events
(opened, every task completed with the exact data casegrid applied, every timer firing at its moment)
are replayed on the same diagram with casegrid's restricted script engine, with SpiffWorkflow's own
JSON serialize/deserialize around every step (spec embedded, its default) — what a naive persistence
would do, minus any database. The bare side replays a systematic sample of the cases (``--bare-cases``)
so the full run stays affordable; ratio = casegrid seconds per case ÷ bare seconds per case.

Run from the repository root::

    python bench/throughput.py                                  # 10 000 cases on SQLite
    python bench/throughput.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/casegrid_bench
    python bench/throughput.py --cases 300 --pg-url ... --no-sqlite
    python bench/throughput.py --cases 20 --bare-cases 5         # smoke size (a few seconds)
    python bench/throughput.py --profile prof.txt                # pyinstrument (pip install pyinstrument)

``--pg-url`` names a database that is EMPTIED first (its public schema is dropped).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, text
from tqdm import tqdm

from bpmn import SEED_DIR
from engine.cases.events import CaseEvent
from engine.bootstrap import init_database
from engine.bpmn.context import StepContext, TaskIds, step_context
from engine.bpmn.expressions import restricted_script_engine
from engine.bpmn.parser import spiff_parser
from engine.calendar import WorkCalendar
from engine.cases.models import Case
from engine.clock import as_utc
from engine.db import Database
from engine import CaseService
from engine.simulate import run_simulation
from engine.simulate.summary import SimulationSummary, format_summary

TARGET_CASES_PER_S = 100.0  # SQLite
TARGET_PG_FACTOR = 2.0  # PostgreSQL within 2× of SQLite
ENGINE_EVENTS = ("case_opened", "task_completed", "timers_fired")


# -- bare SpiffWorkflow ----------------------------------------------------------------------------

class BareReplay:
    """Replays casegrid's engine events on bare SpiffWorkflow, serializing to JSON around every step."""

    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(CAMUNDA_CONFIG))
    #: One calendar for every bare step, as casegrid caches one (building a year's calendar is not Spiff's cost).
    calendar = WorkCalendar()

    def __init__(self) -> None:
        self.specs: dict[str, tuple[Any, dict[str, Any]]] = {}
        for key in ("civic_loop", "mediation"):
            parser = spiff_parser()  # SpiffWorkflow's Camunda parser with the routing table (DMN) loaded
            parser.add_bpmn_file(str(SEED_DIR / f"{key}.bpmn"))
            self.specs[key] = (parser.get_spec(key), parser.get_subprocess_specs(key))

    def case(self, process_key: str, events: list[tuple[str, datetime, dict[str, Any]]]) -> tuple[float, int, int]:
        """Seconds spent, steps replayed, steps that could not be matched (should be 0)."""
        spec, subs = self.specs[process_key]
        state = ""
        spent, steps, unmatched = 0.0, 0, 0
        for event_type, at, payload in events:
            began = time.perf_counter()
            with step_context(StepContext(now=as_utc(at), ids=TaskIds(uuid.uuid4()), calendar=self.calendar)):
                if event_type == "case_opened":
                    wf = BpmnWorkflow(spec, subs, script_engine=restricted_script_engine())
                    for start in wf.get_tasks(state=TaskState.READY):
                        start.data.update(payload.get("data", {}))
                else:
                    wf = self.serializer.deserialize_json(state)
                    wf.script_engine = restricted_script_engine()
                    if event_type == "task_completed":
                        task = next((t for t in wf.get_tasks(state=TaskState.READY, manual=True)
                                     if t.task_spec.bpmn_id == payload["bpmn_id"]), None)
                        if task is None:
                            unmatched += 1
                        else:
                            task.data.update(payload.get("data", {}))
                            task.run()
                    else:
                        wf.refresh_timers()
                wf.do_engine_steps()
                state = self.serializer.serialize_json(wf)
            spent += time.perf_counter() - began
            steps += 1
        return spent, steps, unmatched


@dataclass
class BareResult:
    cases: int = 0
    steps: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    unmatched: int = 0

    @property
    def seconds_per_case(self) -> float:
        return self.seconds / self.cases if self.cases else float("nan")


def bare_sample(db: Database, sample: int) -> BareResult:
    """Replay every k-th case of the run (k chosen for about ``sample`` cases) on bare SpiffWorkflow."""
    bare = BareReplay()
    result = BareResult()
    with db.reading() as s:
        case_ids = list(s.scalars(select(Case.id).order_by(Case.id)))
    stride = max(1, len(case_ids) // max(sample, 1))
    for case_id in tqdm(case_ids[::stride][:sample], desc="bare Spiff", unit="case", file=sys.stderr):
        with db.reading() as s:
            process_key = s.scalar(select(Case.process_key).where(Case.id == case_id))
            rows = s.execute(select(CaseEvent.type, CaseEvent.at, CaseEvent.payload)
                             .where(CaseEvent.case_id == case_id, CaseEvent.type.in_(ENGINE_EVENTS))
                             .order_by(CaseEvent.seq)).all()
        events = [(t, at, json.loads(p)) for t, at, p in rows]
        cpu = time.process_time()
        spent, steps, unmatched = bare.case(str(process_key), events)
        result.cpu_seconds += time.process_time() - cpu
        result.cases += 1
        result.steps += steps
        result.seconds += spent
        result.unmatched += unmatched
    return result


# -- one backend -----------------------------------------------------------------------------------

@dataclass
class Run:
    backend: str
    cases: int
    days: int
    seed: int
    wall_seconds: float
    cpu_seconds: float
    steps: int
    events: int
    sweeps: int
    escalations: int
    reopens: int
    mediations: int
    diverted: int
    fingerprint: str
    outcomes: dict[str, int]
    bare: BareResult = field(default_factory=BareResult)
    verified: int = 0
    verify_failures: int = 0

    @property
    def cases_per_s(self) -> float:
        return self.cases / self.wall_seconds

    @property
    def seconds_per_case(self) -> float:
        return self.wall_seconds / self.cases

    @property
    def ratio(self) -> float:
        return self.seconds_per_case / self.bare.seconds_per_case

    @property
    def cpu_ratio(self) -> float:
        """The same ratio in CPU time of this process (steadier when other jobs load the machine)."""
        return (self.cpu_seconds / self.cases) / (self.bare.cpu_seconds / self.bare.cases)


def fresh_database(url: str | None, folder: Path) -> Database:
    if url is None:
        return init_database(f"sqlite:///{folder / 'throughput.db'}")[0]
    bare = Database(url)
    with bare.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    bare.dispose()
    return init_database(url)[0]


def run_backend(backend: str, url: str | None, args: argparse.Namespace, folder: Path) -> Run:
    db = fresh_database(url, folder)
    try:
        profiler = _profiler(args.profile, backend)
        with tqdm(total=args.cases, desc=f"simulate ({backend})", unit="case", file=sys.stderr) as bar:
            with profiler or nullcontext():
                summary = run_simulation(db, cases=args.cases, days=args.days, seed=args.seed, progress=bar.update)
        if profiler is not None:
            _write_profile(profiler, args.profile, backend)
        print(format_summary(summary), file=sys.stderr)
        run = _run_of(backend, summary)
        run.bare = bare_sample(db, min(args.bare_cases, args.cases))
        checks = CaseService(db).verify() if args.verify else []
        run.verified, run.verify_failures = len(checks), sum(1 for c in checks if not c.ok)
        return run
    finally:
        db.dispose()


def _run_of(backend: str, s: SimulationSummary) -> Run:
    return Run(backend=backend, cases=s.cases, days=s.days, seed=s.seed, wall_seconds=s.wall_seconds,
               cpu_seconds=s.cpu_seconds, steps=s.tally.steps, events=s.events, sweeps=s.tally.sweeps, escalations=s.escalations,
               reopens=s.reopens, mediations=s.mediations, diverted=len(s.tally.diverted),
               fingerprint=s.fingerprint, outcomes={f"{p}/{o}": n for (p, o), n in sorted(s.outcomes.items())})


def _profiler(path: str | None, backend: str) -> Any:
    if not path:
        return None
    try:
        from pyinstrument import Profiler
    except ImportError:
        sys.exit("--profile needs pyinstrument: pip install pyinstrument")
    return Profiler(interval=0.001)


def _write_profile(profiler: Any, path: str, backend: str) -> None:
    out = Path(path)
    out = out.with_name(f"{out.stem}-{backend}{out.suffix or '.txt'}")
    out.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    print(f"profile written to {out}", file=sys.stderr)


# -- report ----------------------------------------------------------------------------------------

def report(runs: list[Run]) -> str:
    lines = [
        f"Throughput (DESIGN.md §4 figure 3): {runs[0].cases} cases over {runs[0].days} days, seed {runs[0].seed}",
        f"  {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC · {platform.node()} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        "",
        "  backend     cases/s  steps/s  events/s   wall s   steps   events | bare Spiff+JSON s/case  ratio",
    ]
    for r in runs:
        lines.append(
            f"  {r.backend:10} {r.cases_per_s:8.1f} {r.steps / r.wall_seconds:8.1f} {r.events / r.wall_seconds:9.1f} "
            f"{r.wall_seconds:8.1f} {r.steps:7d} {r.events:8d} | {r.bare.seconds_per_case * 1000:10.1f} ms "
            f"({r.bare.cases} cases, {r.bare.steps} steps, {r.bare.seconds / max(r.bare.steps, 1) * 1000:.2f} ms/step)"
            f" {r.ratio:5.2f}×")
        lines.append(f"  {'':10} CPU of this process: {r.cpu_seconds / r.cases * 1000:.1f} ms/case "
                     f"({r.cases / r.cpu_seconds:.1f} cases per CPU-second) | bare "
                     f"{r.bare.cpu_seconds / max(r.bare.cases, 1) * 1000:.1f} ms/case  CPU ratio {r.cpu_ratio:.2f}×")
    lines.append("")
    sqlite = next((r for r in runs if r.backend == "sqlite"), None)
    pg = next((r for r in runs if r.backend == "postgresql"), None)
    if sqlite:
        ok = sqlite.cases_per_s >= TARGET_CASES_PER_S
        lines.append(f"  target SQLite ≥ {TARGET_CASES_PER_S:.0f} cases/s: {sqlite.cases_per_s:.1f} "
                     f"{'met' if ok else 'MISSED'}")
    if sqlite and pg:
        factor = sqlite.cases_per_s / pg.cases_per_s
        lines.append(f"  target PostgreSQL within {TARGET_PG_FACTOR:.0f}× of SQLite: {factor:.2f}× "
                     f"{'met' if factor <= TARGET_PG_FACTOR else 'MISSED'}")
    for r in runs:
        lines.append(f"  {r.backend}: {r.escalations} escalations, {r.reopens} reopens, {r.mediations} mediations, "
                     f"{r.sweeps} sweeps, diverted scripts {r.diverted}, bare unmatched steps {r.bare.unmatched}, "
                     f"fingerprint {r.fingerprint[:16]}"
                     + (f", verified {r.verified} cases ({r.verify_failures} failed)" if r.verified else ""))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pg-url", default=None, help="PostgreSQL database to EMPTY and use")
    ap.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    ap.add_argument("--bare-cases", type=int, default=1000, help="cases replayed on bare SpiffWorkflow")
    ap.add_argument("--verify", action="store_true", help="also verify every chain and replay afterwards")
    ap.add_argument("--json", default=None, help="also write the figures as JSON")
    ap.add_argument("--profile", default=None, help="pyinstrument profile of the simulation, per backend")
    args = ap.parse_args(argv)
    if args.cases < 1 or args.days < 1 or args.bare_cases < 1:
        ap.error("--cases, --days and --bare-cases must be at least 1")
    if args.no_sqlite and not args.pg_url:
        ap.error("--no-sqlite needs --pg-url")
    runs = []
    with tempfile.TemporaryDirectory(prefix="casegrid-throughput-") as folder:
        if not args.no_sqlite:
            runs.append(run_backend("sqlite", None, args, Path(folder)))
            print(report(runs), file=sys.stderr, flush=True)  # a long run's first half is kept whatever happens next
        if args.pg_url:
            runs.append(run_backend("postgresql", args.pg_url, args, Path(folder)))
    print(report(runs))
    if args.json:
        Path(args.json).write_text(json.dumps([{**asdict(r), "cases_per_s": r.cases_per_s, "ratio": r.ratio,
                                                "cpu_ratio": r.cpu_ratio}
                                               for r in runs], indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
