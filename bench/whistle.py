"""Benchmark: 吹哨报到 — a whistle summoning N departments, beside bare SpiffWorkflow doing the same steps
(DESIGN.md §4: "a whistle to 10 departments linear in departments").

A whistle is one parallel multi-instance sub-process in the civic loop (``departments``), one instance per
summoned department, each with its own report-in (签收), on-site and — for a co-department — part-report
tasks, each with its own boundary timers; the lead then reports completion of the whole. With N
departments a whistle takes 3N + 1 department steps after the triage that blows it.

casegrid's side goes through :class:`engine.cases.service.CaseService` on a fresh SQLite file
(``synchronous=FULL``): every step is a transaction that locks the case, loads its snapshot, runs the
engine, writes the snapshot, the work items, the events and the domain rows (one assignment per
department). Bare SpiffWorkflow 3.2 runs the same diagram and steps in memory, and with a JSON
serialize/deserialize round trip around every step (what casegrid's persistence costs at the least).

What must hold: the cost of ONE step grows at most linearly with the number of departments (the
snapshot holds N instances), never quadratically — so the step at 10 departments costs well under
10× the step at 1 department, and the whole whistle grows with the number of steps (3N + 1).

Run from the repository root::

    python bench/whistle.py                  # 1, 5, 10, 20 departments (figures: 20 against 1)
    python bench/whistle.py --sizes 1 10 --repeat 3 --json out.json
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchlib import Figures, loadavg, scratch_sqlite  # noqa: E402
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

from bpmn import SEED_DIR  # noqa: E402
from engine.bootstrap import init_database  # noqa: E402
from engine.bpmn.context import StepContext, TaskIds, step_context  # noqa: E402
from engine.bpmn.expressions import restricted_script_engine  # noqa: E402
from engine.bpmn.parser import spiff_parser  # noqa: E402
from engine.calendar import WorkCalendar  # noqa: E402
from engine.cases.intake import Intake  # noqa: E402
from engine.clock import FixedClock  # noqa: E402
from engine.demo.organisation import seed_organisation  # noqa: E402
from engine.people.actor import Actor  # noqa: E402
from engine.people.operations import ensure_department, ensure_user  # noqa: E402
from engine import CaseService  # noqa: E402

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # a Monday, 09:00 in Beijing
GRID = Actor("wangge", "grid_worker", None, "XF-01")
#: Every field of each form, as casegrid's form check hands them to the workflow (blank ones as None).
FORMS = {"accept": {"accept_decision": "accepted", "return_reason": None}, "on_site": {"on_site_note": "已到现场"},
         "report_part": {"part_report": "本部门部分已办结", "part_evidence": None},
         "complete": {"completion_report": "全部办结完毕", "evidence": "photo://ok"}}


def codes(n: int) -> list[str]:
    return [f"bench{i:02d}" for i in range(n)]


def triage_form(n: int) -> dict[str, Any]:
    lead, *co = codes(n)
    return {"triage_decision": "whistle" if co else "dispatch", "triage_priority": None, "department": lead,
            "co_departments": co, "dispatch_reason": "压测", "triage_note": None, "duplicate_of": None,
            "refuse_reason": None}


def department_steps(n: int) -> list[tuple[str, str]]:
    """(task, department) in the order departments act: everyone reports in, goes on site, co-departments report."""
    lead, *co = codes(n)
    return ([("accept", c) for c in codes(n)] + [("on_site", c) for c in codes(n)]
            + [("report_part", c) for c in co] + [("complete", lead)])


# -- casegrid ------------------------------------------------------------------------------------------


def casegrid_whistle(url: str, n: int) -> dict[str, Any]:
    db, _ = init_database(url, at=START)
    with db.transaction() as s:
        seed_organisation(s)
        for code in codes(max(n, 1)):
            ensure_department(s, code, f"压测部门 {code}")
            ensure_user(s, code, f"压测 {code}", "department", department_code=code, grid_code=None,
                        password_hash="x")
    clock = FixedClock(START)
    service = CaseService(db, clock)
    case = service.open_case(Intake(description="压测：多部门联合处置", category="安全隐患", grid_code="XF-01",
                                    channel="grid_visit"), GRID)
    triage = next(i for i in service.work_items(case.id) if i.bpmn_id == "triage")
    t0 = time.perf_counter()
    service.complete_task(triage.id, {k: v for k, v in triage_form(n).items() if v is not None}, GRID)
    blow = time.perf_counter() - t0
    steps: list[float] = []
    open_items = {(i.bpmn_id, i.department_code): i for i in service.work_items(case.id)}
    for bpmn_id, code in department_steps(n):
        form = {k: v for k, v in FORMS[bpmn_id].items() if v is not None}
        item = open_items.pop((bpmn_id, code))
        clock.advance(minutes=1)
        t0 = time.perf_counter()
        result = service.complete_task(item.id, form, Actor(code, "department", code, None))
        steps.append(time.perf_counter() - t0)
        open_items.update({(i.bpmn_id, i.department_code): i for i in result.opened})
    assert [i.bpmn_id for i in service.work_items(case.id)] == ["rate"], "the whistle did not finish"
    [check] = service.verify(case.id)
    assert check.ok, check.problem
    db.dispose()
    return {"blow": blow, "steps": steps}


# -- bare SpiffWorkflow ------------------------------------------------------------------------------------


class Bare:
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(CAMUNDA_CONFIG))
    calendar = WorkCalendar()

    def __init__(self) -> None:
        parser = spiff_parser()
        parser.add_bpmn_file(str(SEED_DIR / "civic_loop.bpmn"))
        self.spec, self.subs = parser.get_spec("civic_loop"), parser.get_subprocess_specs("civic_loop")

    def _ctx(self) -> Any:
        return step_context(StepContext(now=START, ids=TaskIds(uuid.uuid4()), calendar=self.calendar))

    def run(self, n: int, round_trip: bool) -> dict[str, Any]:
        with self._ctx():
            wf = BpmnWorkflow(self.spec, self.subs, script_engine=restricted_script_engine())
            for task in wf.get_tasks(state=TaskState.READY):
                task.data.update({"title": "压测", "category": "安全隐患", "grid": "XF-01", "community": "幸福里社区",
                                  "address": None, "description": "压测：多部门联合处置", "channel": "grid_visit",
                                  "priority": "normal"})
            wf.do_engine_steps()
        state = self.serializer.serialize_json(wf) if round_trip else None

        def step(bpmn_id: str, department: str | None, data: dict[str, Any]) -> float:
            nonlocal wf, state
            t0 = time.perf_counter()
            with self._ctx():
                if round_trip:
                    wf = self.serializer.deserialize_json(state)
                    wf.script_engine = restricted_script_engine()
                task = next(t for t in wf.get_tasks(state=TaskState.READY, manual=True)
                            if t.task_spec.bpmn_id == bpmn_id
                            and (department is None or t.data.get("responsible_department") == department))
                task.data.update(data)
                task.run()
                wf.do_engine_steps()
                if round_trip:
                    state = self.serializer.serialize_json(wf)
            return time.perf_counter() - t0

        blow = step("triage", None, triage_form(n))
        steps = [step(b, c, FORMS[b]) for b, c in department_steps(n)]
        return {"blow": blow, "steps": steps}


def best(runs: list[dict[str, Any]], what: Callable[[dict[str, Any]], float]) -> float:
    return statistics.median(what(r) for r in runs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 5, 10, 20])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json")
    args = ap.parse_args()
    sizes = sorted(set(args.sizes))
    bare = Bare()
    results: dict[int, dict[str, float]] = {}
    print(f"load average before: {loadavg()}")
    print(f"{'depts':>5} {'steps':>5} | {'casegrid step p50':>17} {'whistle':>8} {'all':>8} | "
          f"{'bare mem step':>13} {'bare RT step':>12} {'bare RT all':>11} | casegrid÷bare RT")
    for n in sizes:
        cg = []
        for _ in range(args.repeat):
            with scratch_sqlite("whistle.db") as url:
                cg.append(casegrid_whistle(url, n))
        mem = [bare.run(n, round_trip=False) for _ in range(args.repeat)]
        rt = [bare.run(n, round_trip=True) for _ in range(args.repeat)]
        row = {
            "steps": len(cg[0]["steps"]),
            "cg_step_ms": best(cg, lambda r: statistics.median(r["steps"])) * 1000,
            "cg_blow_ms": best(cg, lambda r: r["blow"]) * 1000,
            "cg_total_s": best(cg, lambda r: r["blow"] + sum(r["steps"])),
            "mem_step_ms": best(mem, lambda r: statistics.median(r["steps"])) * 1000,
            "rt_step_ms": best(rt, lambda r: statistics.median(r["steps"])) * 1000,
            "rt_total_s": best(rt, lambda r: r["blow"] + sum(r["steps"])),
        }
        results[n] = row
        print(f"{n:>5} {row['steps']:>5} | {row['cg_step_ms']:>14.2f} ms {row['cg_blow_ms']:>5.1f} ms "
              f"{row['cg_total_s']:>6.3f} s | {row['mem_step_ms']:>10.2f} ms {row['rt_step_ms']:>9.2f} ms "
              f"{row['rt_total_s']:>9.3f} s | {row['cg_step_ms'] / row['rt_step_ms']:.2f}×", flush=True)
    figures = Figures()
    if len(sizes) > 1:
        small, big = sizes[0], sizes[-1]
        one, ten = results[small], results[big]
        step_ratio = ten["cg_step_ms"] / one["cg_step_ms"]
        figures.add("14.whistle.step", f"whistle: one department step with {big} departments ÷ with {small} (casegrid)",
                    step_ratio, "×", f"≤ {big / small:g}× (linear)", big / small,
                    note=f"{one['cg_step_ms']:.2f} → {ten['cg_step_ms']:.2f} ms per step; bare Spiff + JSON "
                         f"{one['rt_step_ms']:.2f} → {ten['rt_step_ms']:.2f} ms "
                         f"({ten['rt_step_ms'] / one['rt_step_ms']:.2f}×)")
        per_step = (ten["cg_total_s"] / ten["steps"]) / (one["cg_total_s"] / one["steps"])
        figures.add("14.whistle.total", f"whistle to {big} departments, every step, in all (casegrid)",
                    ten["cg_total_s"], "s", note=f"{ten['steps']} steps vs {one['steps']}: {ten['cg_total_s'] / one['cg_total_s']:.1f}× "
                    f"the time for {ten['steps'] / one['steps']:.1f}× the steps ({per_step:.2f}× per step); "
                    f"bare Spiff + JSON {ten['rt_total_s']:.3f} s")
        figures.add("14.whistle.ratio", f"whistle step with {big} departments ÷ bare SpiffWorkflow with JSON round trip",
                    ten["cg_step_ms"] / ten["rt_step_ms"], "×", "≤ 2×", 2)
    print(f"load average after: {loadavg()}")
    figures.write(args.json, {"sizes": {str(k): v for k, v in results.items()}})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
