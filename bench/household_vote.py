"""Benchmark: a household vote (户主表决) over N households, beside bare SpiffWorkflow doing the same
multi-instance user task (DESIGN.md §4: 300 households — every ballot created, every vote cast, the
window closed and tallied — within 1 s in all, cost linear in households).

casegrid's side goes through :class:`engine.council.service.CouncilService` on a fresh SQLite file
(``synchronous=FULL``, as in production), with the vote as the civic loop's ``household_voting``
parallel multi-instance user task (one instance per household):

- *open*: the council's sitting puts the matter to the households (one transaction: ``deliberate``
  completes — SpiffWorkflow creates the N instances and the snapshot is written once — plus one ballot
  row with a one-time token per household in one multi-row INSERT, and ``household_vote_opened``);
- *cast*: every household votes, one transaction each (a third by the grid worker's proxy form, the
  rest through their links): the ballot row and a ``household_vote_cast`` event in the case's hash
  chain — the workflow is neither loaded nor serialized;
- *close*: the last vote also closes the window: the tally (one ``GROUP BY``), ``household_vote_closed``,
  and one ``tasks_completed`` engine event completing all N instances with their ballots (linear:
  engine/bpmn/multi_instance.py), after which the diagram's script counts and routes the case.

Bare SpiffWorkflow 3.2 runs the same thing as a parallel multi-instance user task (one child per
household, then a script task tallying) in memory, and — the way a naive persistence would — with a
serialize/deserialize round trip of the whole workflow around every child (the quadratic case the
design avoids; spiff-arena's ~32 s for 300 items is this pattern plus its database).

Run from the repository root::

    python bench/household_vote.py            # 50, 100, 200, 300 households (~20 s)
    python bench/household_vote.py --sizes 300 --repeat 5
    python bench/household_vote.py --json out.json
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.bootstrap import init_database
from engine.clock import FixedClock
from engine.council.meetings import ItemDecision
from engine.council.service import CouncilService
from engine.demo.council_scenarios import (
    CHAIR,
    MEMBERS,
    PROXY,
    everyone,
    issue_at_council,
    seed_households,
)
from engine.demo.driver import Driver
from engine.demo.organisation import seed_organisation
from engine import CaseService

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

MI_XML = b'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="hv" targetNamespace="bench">
  <bpmn:process id="household_vote" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="vote" name="vote">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics>
        <bpmn:loopDataInputRef>households</bpmn:loopDataInputRef>
        <bpmn:loopDataOutputRef>ballots</bpmn:loopDataOutputRef>
        <bpmn:inputDataItem id="household" name="household"/>
        <bpmn:outputDataItem id="choice" name="choice"/>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:scriptTask id="tally" name="tally"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>yes = sum(1 for c in ballots if c == 'yes')
passed = yes * 3 &gt;= len(households) * 2</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="vote"/>
    <bpmn:sequenceFlow id="f2" sourceRef="vote" targetRef="tally"/>
    <bpmn:sequenceFlow id="f3" sourceRef="tally" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>'''


def choice_of(i: int) -> str:
    return "no" if i % 4 == 0 else "yes"


def bare_spiff(n: int, roundtrip: bool) -> float:
    parser = BpmnParser()
    parser.add_bpmn_xml(etree.fromstring(MI_XML), filename="household_vote.bpmn")
    spec = parser.get_spec("household_vote")
    serializer = BpmnWorkflowSerializer()
    began = time.perf_counter()
    wf = BpmnWorkflow(spec)
    wf.get_tasks(state=TaskState.READY)[0].data["households"] = list(range(n))
    wf.do_engine_steps()
    for i in range(n):
        if roundtrip:
            wf = serializer.deserialize_json(serializer.serialize_json(wf))
        task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data["choice"] = choice_of(i)
        task.run()
        wf.do_engine_steps()
    if roundtrip:
        serializer.serialize_json(wf)
    elapsed = time.perf_counter() - began
    assert wf.is_completed() and wf.data["yes"] == sum(choice_of(i) == "yes" for i in range(n))
    return elapsed


def casegrid(n: int, workdir: Path) -> dict[str, float]:
    path = workdir / f"vote_{n}_{time.monotonic_ns()}.db"
    db, _ = init_database(f"sqlite:///{path}")
    with db.transaction() as s:
        seed_organisation(s)
    clock = FixedClock(START)
    cases = CaseService(db, clock)
    council = CouncilService(db, clock, cases.hooks)
    driver = Driver(cases, clock)
    seed_households(council, buildings={"3号楼": n})
    case = issue_at_council(driver, "3号楼加装电梯")
    meeting = council.schedule_meeting(title="议事会", scheduled_for=clock.now(), members=MEMBERS, actor=CHAIR)
    page = council.meeting(meeting, CHAIR)
    present = [m.id for m in page.members]
    decision = ItemDecision("household_vote", everyone(present, "for"), responsible_department="zhujian",
                            deadline="2026-06-30", resolution_text="3号楼加装电梯一部", buildings=["3号楼"],
                            vote_days=7)
    t0 = time.perf_counter()
    result = council.record_sitting(meeting, present=present, decisions={page.agenda[0].id: decision}, actor=CHAIR)
    t1 = time.perf_counter()
    [(vote_id, tokens)] = result.tokens.items()
    items = list(tokens.items())
    for i, (household, token) in enumerate(items[:-1]):
        if i % 3 == 0:
            council.cast_proxy(vote_id, household, choice_of(i), PROXY)
        else:
            council.cast_online(token, choice_of(i))
    t2 = time.perf_counter()
    council.cast_online(items[-1][1], choice_of(n - 1))  # the last vote closes the window and tallies
    t3 = time.perf_counter()
    published = council.published_result(vote_id)
    assert published.yes + published.no == n and driver.open_ids(case) == ["accept"]
    [check] = cases.verify(case.id)
    assert check.ok, check
    db.dispose()
    return {"open": t1 - t0, "cast": t2 - t1, "per_vote_ms": (t2 - t1) / max(n - 1, 1) * 1000,
            "close": t3 - t2, "total": t3 - t0}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200, 300])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    print(f"python {platform.python_version()}, {platform.machine()}, SQLite synchronous=FULL; "
          f"medians of {args.repeat} runs (seconds)")
    print(f"{'households':>10} {'open':>7} {'cast all':>9} {'ms/vote':>8} {'close':>7} {'TOTAL':>7}  "
          f"{'spiff mem':>9} {'spiff rt':>9}")
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            runs, bare_mem, bare_rt = [], [], []
            for _ in range(args.repeat):  # interleaved, so machine load hits both sides alike
                runs.append(casegrid(n, Path(tmp)))
                bare_mem.append(bare_spiff(n, roundtrip=False))
                bare_rt.append(bare_spiff(n, roundtrip=True))
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            med["spiff_memory"] = statistics.median(bare_mem)
            med["spiff_roundtrip"] = statistics.median(bare_rt)
            figures[n] = med
            print(f"{n:>10} {med['open']:>7.3f} {med['cast']:>9.3f} {med['per_vote_ms']:>8.2f} {med['close']:>7.3f} "
                  f"{med['total']:>7.3f}  {med['spiff_memory']:>9.3f} {med['spiff_roundtrip']:>9.3f}")
    if len(args.sizes) > 1:
        lo, hi = min(args.sizes), max(args.sizes)
        growth = figures[hi]["total"] / figures[lo]["total"]
        print(f"linearity: total({hi}) / total({lo}) = {growth:.2f} for {hi / lo:.1f}x the households")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    worst = figures[max(args.sizes)]["total"]
    return 0 if worst <= 1.0 or max(args.sizes) > 300 else 1


if __name__ == "__main__":
    sys.exit(main())
