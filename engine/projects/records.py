"""What the project forms mean: domain rows beside the events, and the exit rule.

Registered in a :class:`~engine.cases.hooks.HookRegistry` by form key (the ``camunda:formKey`` values in
``bpmn/project.bpmn``). The diagram decides the path (its ``failed_streak`` counts consecutive failed
evaluations); the hook of the evaluation form applies the same rule to the operator registry and returns an
``operator_disqualified`` record, so the loss of 运营资格 is in the case's log with the evaluations behind it.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.cases.hooks import FormHooks, HookRegistry, Record
from engine.cases.models import Case, WorkItem
from engine.calendar import china_date
from engine.clock import to_db
from engine.people.actor import Actor
from engine.projects import registry, rules
from engine.projects.models import ProjectBudgetLine, ProjectEvaluation, ProjectOperator, ProjectProgress
from engine.projects.money import parse_budget_lines, parse_yuan
from engine.projects.queries import evaluations_of, project_of

#: Consecutive failed half-yearly evaluations that end a project and cost its operator 运营资格.
EXIT_AFTER_FAILURES = 2


def _close(session: Session, case: Case, outcome: str, at: datetime) -> None:
    project = project_of(session, case)
    project.outcome, project.closed_at = outcome, to_db(at)


def _approved(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any], at: datetime,
              actor: Actor) -> list[Record]:
    if data["decision"] == "adopt":
        project_of(session, case).approved_at = to_db(at)
    elif data["decision"] == "reject":
        _close(session, case, "rejected", at)
    return []


def _budgeted(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any], at: datetime,
              actor: Actor) -> list[Record]:
    lines, _problem = parse_budget_lines(data["budget_lines"])  # checked by rules.validate_budget
    project = project_of(session, case)
    for position, (name, fen) in enumerate(lines, start=1):
        session.add(ProjectBudgetLine(case_id=case.id, position=position, item=name, amount_fen=fen))
    project.fund_source = data["fund_source"]
    project.budget_fen = sum(fen for _, fen in lines)
    project.evaluation_rounds = int(data["evaluation_rounds"])
    return []


def _progressed(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any], at: datetime,
                actor: Actor) -> list[Record]:
    milestone = (data.get("milestone") or "").strip() or None
    spending_item = (data.get("spending_item") or "").strip() or None
    fen = parse_yuan(data.get("spending_amount") or "") if data.get("spending_amount") else None
    if not (milestone or spending_item):
        return []  # "实施完成" alone: nothing to record but the event
    session.add(ProjectProgress(case_id=case.id, milestone=milestone, spending_item=spending_item, spending_fen=fen,
                                receipt_no=(data.get("receipt_no") or "").strip() or None, event_seq=case.last_seq,
                                recorded_at=to_db(at), recorded_by=actor.username))
    if fen:
        project_of(session, case).spent_fen += fen
    return []


def _next_number(session: Session, case: Case, kind: str) -> int:
    return len(evaluations_of(session, case.id, kind)) + 1


def _accepted(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any], at: datetime,
              actor: Actor) -> list[Record]:
    passed = data["acceptance"] == "passed"
    session.add(ProjectEvaluation(
        case_id=case.id, kind="acceptance", number=_next_number(session, case, "acceptance"), passed=passed,
        by_whom=data["resident_representatives"], score=None, findings=data["acceptance_findings"],
        held_on=china_date(at), event_seq=case.last_seq, recorded_by=actor.username))
    if passed:
        project_of(session, case).accepted_at = to_db(at)
    return []


def _evaluated(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any], at: datetime,
               actor: Actor) -> list[Record]:
    passed = data["evaluation_result"] == "passed"
    number = _next_number(session, case, "evaluation")
    session.add(ProjectEvaluation(
        case_id=case.id, kind="evaluation", number=number, passed=passed, by_whom=data["evaluator"],
        score=int(data["score"]), findings=data["evaluation_findings"], held_on=china_date(at),
        event_seq=case.last_seq, recorded_by=actor.username))
    session.flush()
    project = project_of(session, case)
    recent = evaluations_of(session, case.id, "evaluation")[-EXIT_AFTER_FAILURES:]
    if len(recent) == EXIT_AFTER_FAILURES and not any(e.passed for e in recent):
        _close(session, case, "exited", at)
        operator = session.get(ProjectOperator, project.operator_id)
        assert operator is not None  # a foreign key
        if not operator.qualified:  # already out through another project: the log says so, nothing changes
            return [("operator_disqualified", {"operator": operator.code, "already": True,
                                               "evaluations": [e.number for e in recent]})]
        reason = (f"项目 {case.tracking_code} 第 {recent[0].number}、{recent[1].number} 次第三方评估连续不合格"
                  f"（得分 {recent[0].score}、{recent[1].score}）")
        registry.disqualify(session, operator, case_id=case.id, reason=reason, at=at)
        return [("operator_disqualified", {"operator": operator.code, "already": False, "reason": reason,
                                           "evaluations": [e.number for e in recent]})]
    if project.evaluation_rounds is not None and number >= project.evaluation_rounds:
        _close(session, case, "completed", at)
    return []


def register(registry_: HookRegistry) -> None:
    """Register the project forms (the ``camunda:formKey`` values in ``bpmn/project.bpmn``)."""
    registry_.own_intake("project", "projects")  # 申报 opens projects, with their operator and budget rows
    registry_.register("project_approval", FormHooks(validate=rules.validate_approval, completed=_approved))
    registry_.register("project_budget", FormHooks(validate=rules.validate_budget, completed=_budgeted))
    registry_.register("project_progress", FormHooks(validate=rules.validate_progress, completed=_progressed))
    registry_.register("project_acceptance", FormHooks(completed=_accepted))
    registry_.register("project_evaluation", FormHooks(completed=_evaluated))


