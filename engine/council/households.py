"""Household votes (户主表决): one ballot per household of the affected buildings, cast online or by proxy.

In the diagram the vote is ``household_voting``, a parallel multi-instance user task with one instance per
household (``loopCardinality = household_count``) and a boundary timer at the window's end. Persistence is
what keeps a 300-household vote cheap (DESIGN.md §4):

- *open*: the council's decision completes ``deliberate`` (one engine step: SpiffWorkflow creates the N
  instances, the snapshot is written once) and one multi-row INSERT creates the N ballots, each with a
  one-time token; instance ``i`` belongs to the ``i``-th household by id;
- *cast*: a ballot row and an informational ``household_vote_cast`` event in the case's hash chain — the
  workflow is neither loaded nor serialized, so N votes cost N small transactions;
- *close* (the window ends, every household has voted, or the council closes it): one ``tasks_completed``
  engine event completes all N instances with their ballots at once (linear: see
  :mod:`engine.bpmn.multi_instance`); the diagram's script counts them and routes the case on. The tally is
  recorded on the resolution and published with counts only.

Replaying the log reproduces the snapshot exactly, and the chain holds every single vote.
"""
from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any, NoReturn, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from engine.cases.chain import append_event, append_event_now, lock_head, refuse_backwards
from engine.cases.hooks import HookRegistry
from engine.cases.models import Case, WorkItem
from engine.cases.queries import lock_case
from engine.cases import operations
from engine.cases.steps import StepResult, run_engine_event
from engine.civic.models import Resolution
from engine.clock import as_utc, to_db
from engine.council import rules
from engine.council.models import AgendaItem, Household, HouseholdBallot, HouseholdVote
from engine.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from engine.people.actor import Actor
from engine.people.tokens import hash_token
from engine.people.queries import option_values
from engine.runtime import load
from engine.specs.registry import process_of

CHOICES = ("yes", "no", "abstain")
#: The form key of the diagram's per-household instances.
BALLOT_FORM = "household_ballot"
CHOICE_LABELS = {"yes": "同意", "no": "反对", "abstain": "弃权"}


def _fail(**errors: str) -> NoReturn:
    raise ValidationError("户主表决设置有误", errors)


def open_vote(session: Session, case: Case, item: WorkItem, *, agenda_item: AgendaItem | None, proposal: str,
              buildings: list[str],
              responsible_department: str | None, deadline: str | None, council_votes: tuple[int, int, int],
              days: int, actor: Actor, at: datetime, hooks: HookRegistry,
              threshold: Fraction, sitting: Mapping[str, Any]) -> tuple[HouseholdVote, dict[int, str]]:
    """Open the vote: ``deliberate`` completes with the council's decision to put the matter to the households,
    and one ballot (with a fresh one-time token) per household of ``buildings``.

    ``threshold`` is the share of all households the council set for this vote; ``sitting`` says which meeting
    decided and how it counted its 2/3 rule. Returns the vote and the voting tokens by household id; only their
    hashes are stored.
    """
    buildings = sorted({b.strip() for b in buildings if b and b.strip()})
    proposal = (proposal or "").strip()
    closes_at = at + timedelta(days=days)
    if not proposal:
        _fail(resolution_text="请填写提交户主表决的方案内容")
    if not buildings:
        _fail(buildings="请填写涉及的楼栋")
    if not responsible_department:
        _fail(responsible_department="表决通过后由哪个部门落实：必须明确责任部门")
    if responsible_department not in option_values(session).get("departments", set()):
        _fail(responsible_department="责任部门不是有效的选项")
    if not deadline:
        _fail(deadline="表决通过后的完成时限必须填写")
    try:
        due = date.fromisoformat(deadline)
    except ValueError:
        _fail(deadline="日期格式应为 YYYY-MM-DD")
    if due <= as_utc(closes_at).date():
        _fail(deadline="完成时限必须晚于表决截止日期")
    if not 1 <= days <= 60:
        _fail(vote_days="表决期限应为1至60天")
    community = case.community or ""
    ids = list(session.scalars(select(Household.id).where(Household.community == community,
                                                           Household.building.in_(buildings))
                               .order_by(Household.id)))
    if not ids:
        _fail(buildings=f"{community}的所选楼栋没有登记住户")
    vote = HouseholdVote(
        case_id=case.id, agenda_item_id=agenda_item.id if agenda_item else None, proposal=proposal,
        community=community, buildings=",".join(buildings), responsible_department=responsible_department,
        deadline=due, council_for=council_votes[0], council_against=council_votes[1],
        council_abstain=council_votes[2], threshold_num=threshold.numerator,
        threshold_den=threshold.denominator, opens_at=to_db(at), closes_at=to_db(closes_at),
        status="open", eligible=len(ids), voted=0, opened_by=actor.username)
    session.add(vote)
    session.flush()
    form = {"decision": "household_vote", "major_matter": True, "responsible_department": responsible_department,
            "deadline": due.isoformat(), "votes_for": council_votes[0], "votes_against": council_votes[1],
            "votes_abstain": council_votes[2], "resolution_text": proposal[:2000], "reason": None}
    # What the diagram needs besides the form: its instances, the timer, the thresholds it counts with.
    process_data = {**sitting, "household_count": len(ids), "vote_closes_at": as_utc(closes_at).isoformat(),
                    "household_threshold_num": vote.threshold_num, "household_threshold_den": vote.threshold_den}
    step = operations.complete_task(session, item.id, form, actor=actor, at=at, hooks=hooks,
                                    process_data=process_data)
    if sum(1 for t in step.ready if t.human.form.key == BALLOT_FORM) != len(ids):
        raise ConflictError("流程图中没有与户数相符的户主表决任务（household_ballot），无法发起表决")
    vote.resolution_id = _latest_resolution_id(session, case)
    if agenda_item is not None:
        agenda_item.event_seq = step.event.seq
    tokens = {hid: secrets.token_urlsafe(18) for hid in ids}
    # One multi-row INSERT for every household's ballot: linear, no workflow involved.
    session.execute(insert(HouseholdBallot), [
        {"vote_id": vote.id, "household_id": hid, "token_hash": hash_token(tok)} for hid, tok in tokens.items()])
    append_event(session, case, type="household_vote_opened", actor=actor.username, role=actor.role, at=at,
                 payload={"vote": vote.id, "households": len(ids), "buildings": buildings,
                          "closes_at": vote.closes_at.isoformat() + "Z",
                          "threshold": f"{vote.threshold_num}/{vote.threshold_den}"})
    return vote, tokens


def _latest_resolution_id(session: Session, case: Case) -> int | None:
    return session.scalar(select(Resolution.id).where(Resolution.case_id == case.id)
                          .order_by(Resolution.id.desc()).limit(1))


def get_vote(session: Session, vote_id: int) -> HouseholdVote:
    vote = session.get(HouseholdVote, vote_id)
    if vote is None:
        raise NotFound("户主表决不存在")
    return vote


def _ensure_open(vote: Any, at: datetime) -> None:
    """``vote`` is a :class:`HouseholdVote` or a row with its ``status`` and ``closes_at``."""
    if vote.status != "open" or to_db(at) >= vote.closes_at:
        raise ConflictError(f"本次户主表决已于 {_local(vote.closes_at)} 截止，不能再投票")


def _local(stored: datetime) -> str:
    return (stored + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")


def _already(ballot: Any) -> ConflictError:
    how = "由网格员代为" if ballot.channel == "proxy" else "在线"
    return ConflictError(f"本户已于 {_local(ballot.cast_at)} {how}投票，每户只能投一次")


# Casting a vote runs once per household, so its statements are Core statements over the tables,
# built once with bound parameters: no ORM unit of work, no expression building per vote.
_ballots, _votes, _homes = (cast(Table, m.__table__) for m in (HouseholdBallot, HouseholdVote, Household))
#: What casting a vote reads: the ballot, its vote's window and case, the household's grid.
_BALLOT = (select(_ballots.c.id, _ballots.c.vote_id, _ballots.c.household_id, _ballots.c.choice, _ballots.c.channel,
                  _ballots.c.cast_at, _votes.c.case_id, _votes.c.status, _votes.c.closes_at, _homes.c.grid_code)
           .join_from(_ballots, _votes, _votes.c.id == _ballots.c.vote_id)
           .join(_homes, _homes.c.id == _ballots.c.household_id))
_BALLOT_BY_TOKEN = _BALLOT.where(_ballots.c.token_hash == bindparam("token_hash"))
_BALLOT_BY_HOUSEHOLD = _BALLOT.where(_ballots.c.vote_id == bindparam("vote_id"),
                                     _ballots.c.household_id == bindparam("household_id"))
_BALLOT_BY_ID = _BALLOT.where(_ballots.c.id == bindparam("ballot_id"))
_CAST = (update(_ballots).where(_ballots.c.id == bindparam("ballot_id"), _ballots.c.choice.is_(None))
         .values(choice=bindparam("choice"), channel=bindparam("channel"), cast_at=bindparam("at"),
                 cast_by=bindparam("cast_by")))
_COUNT = (update(_votes).where(_votes.c.id == bindparam("vote_id"), _votes.c.status == "open",
                               _votes.c.closes_at > bindparam("at"))
          .values(voted=_votes.c.voted + 1).returning(_votes.c.voted, _votes.c.eligible))


def _record(session: Session, row: Any, choice: str, channel: str, cast_by: str, role: str,
            at: datetime) -> tuple[int, bool]:
    """Cast the ballot of ``row`` and chain the event; returns (vote id, whether every household has voted).

    No ORM unit of work and no workflow: this runs once per household. The conditional UPDATEs are
    what make a ballot single-use and the window binding even when two requests race (the case row
    lock orders them on PostgreSQL; SQLite has one writer).
    """
    if choice not in CHOICES:
        raise ValidationError("请选择同意、反对或弃权", {"choice": "请选择同意、反对或弃权"})
    conn = session.connection()
    head = lock_head(session, row.case_id)
    stored_at = to_db(at)
    refuse_backwards(head.tracking_code, head.last_at, stored_at)
    cast = conn.execute(_CAST, {"ballot_id": row.id, "choice": choice, "channel": channel, "at": stored_at,
                                "cast_by": cast_by})
    if cast.rowcount != 1:
        raise _already(conn.execute(_BALLOT_BY_ID, {"ballot_id": row.id}).one())
    counted = conn.execute(_COUNT, {"vote_id": row.vote_id, "at": stored_at}).one_or_none()
    if counted is None:
        raise ConflictError(f"本次户主表决已于 {_local(row.closes_at)} 截止，不能再投票")
    payload = {"vote": row.vote_id, "household": row.household_id, "choice": choice, "channel": channel}
    append_event_now(session, row.case_id, head, type="household_vote_cast", actor=cast_by, role=role, at=at,
                     payload=payload)
    return row.vote_id, counted.voted >= counted.eligible


def ballot_for_token(session: Session, token: str) -> HouseholdBallot:
    ballot = session.scalar(select(HouseholdBallot).where(HouseholdBallot.token_hash == hash_token(token or "")))
    if ballot is None:
        raise NotFound("投票链接无效，请向网格员索取本户的投票链接")
    return ballot


def cast_online(session: Session, token: str, choice: str, *, at: datetime) -> tuple[int, bool]:
    """The head of household votes through their personal link; the token works once.

    Returns the vote's id and whether every household has now voted.
    """
    row = session.connection().execute(_BALLOT_BY_TOKEN, {"token_hash": hash_token(token or "")}).one_or_none()
    if row is None:
        raise NotFound("投票链接无效，请向网格员索取本户的投票链接")
    if row.choice is not None:
        raise _already(row)
    _ensure_open(row, at)
    return _record(session, row, choice, "online", f"household:{row.household_id}", "resident", at)


def _check_grid_worker(actor: Actor, grid_code: str | None) -> None:
    if actor.role != "grid_worker":
        raise PermissionDenied("只有网格员可以代为投票")
    if actor.grid_code and grid_code and actor.grid_code != grid_code:
        raise PermissionDenied("该户不属于您的网格")


def ballot_of(session: Session, vote: HouseholdVote, household_id: int) -> tuple[HouseholdBallot, Household]:
    ballot = session.scalar(select(HouseholdBallot).where(HouseholdBallot.vote_id == vote.id,
                                                          HouseholdBallot.household_id == household_id))
    household = session.get(Household, household_id)
    if ballot is None or household is None:
        raise NotFound("该户不在本次表决范围内")
    return ballot, household


def cast_proxy(session: Session, vote_id: int, household_id: int, choice: str, *, actor: Actor,
               at: datetime) -> tuple[int, bool]:
    """A grid worker records the vote of a household that does not use a phone (代为投票), under their name."""
    row = session.connection().execute(_BALLOT_BY_HOUSEHOLD,
                                       {"vote_id": vote_id, "household_id": household_id}).one_or_none()
    if row is None:
        raise NotFound("该户不在本次表决范围内")
    _check_grid_worker(actor, row.grid_code)
    if row.choice is not None:
        raise _already(row)
    _ensure_open(row, at)
    return _record(session, row, choice, "proxy", actor.username, actor.role, at)


def reissue_token(session: Session, vote_id: int, household_id: int, *, actor: Actor, at: datetime) -> str:
    """A new voting link for a household that lost theirs; the old link stops working."""
    vote = get_vote(session, vote_id)
    ballot, household = ballot_of(session, vote, household_id)
    _check_grid_worker(actor, household.grid_code)
    if ballot.choice is not None:
        raise _already(ballot)
    _ensure_open(vote, at)
    token = secrets.token_urlsafe(18)
    ballot.token_hash = hash_token(token)
    return token


def tally(choices: list[str | None], eligible: int) -> dict[str, int]:
    """Counts per choice of the ballots' ``choices`` (None: not voted) among ``eligible`` households."""
    result = {c: choices.count(c) for c in CHOICES}
    result["not_voted"] = eligible - sum(result.values())
    return result


def _summary(vote: HouseholdVote, counts: dict[str, int]) -> str:
    return (f"户主表决（{vote.buildings}，共 {vote.eligible} 户）：同意 {counts['yes']} 户，反对 {counts['no']} 户，"
            f"弃权 {counts['abstain']} 户，未投票 {counts['not_voted']} 户；"
            f"通过门槛为全部户数的 {vote.threshold_num}/{vote.threshold_den}。")


def _ballots_in_order(session: Session, vote: HouseholdVote) -> list[str | None]:
    """Each household's choice, in the order the instances were created (households by id)."""
    return list(session.scalars(select(HouseholdBallot.choice).where(HouseholdBallot.vote_id == vote.id)
                                .order_by(HouseholdBallot.household_id)))


def _resolution_of(session: Session, vote: HouseholdVote) -> Resolution | None:
    return session.get(Resolution, vote.resolution_id) if vote.resolution_id else None


def _record_on_resolution(session: Session, case: Case, vote: HouseholdVote, counts: dict[str, int],
                          passed: bool) -> None:
    resolution = _resolution_of(session, vote)
    if resolution is None:
        return
    summary = _summary(vote, counts)
    resolution.decision = "adopt" if passed else "reject"
    resolution.text = (vote.proposal + "\n" + summary)[:2000]
    resolution.reason = None if passed else ("户主表决未通过。" + summary)[:1000]
    if passed:
        case.department_code = vote.responsible_department


def _record_lapse_on_resolution(session: Session, vote: HouseholdVote, counts: dict[str, int]) -> None:
    resolution = _resolution_of(session, vote)
    if resolution is not None:
        resolution.decision = "reject"
        resolution.reason = ("表决窗口关闭时未能计票，流程按未通过处理；选票已记录：" + _summary(vote, counts))[:1000]


def close_vote(session: Session, vote_id: int, *, at: datetime, hooks: HookRegistry, actor: Actor,
               early: bool = False) -> StepResult | None:
    """Close the window, tally, complete every household's instance in one engine step, record the tally.

    Before the deadline only when every household has voted (or ``early``: the council closes it).
    """
    vote = get_vote(session, vote_id)
    case = lock_case(session, vote.case_id)
    session.refresh(vote)
    if vote.status != "open":
        raise ConflictError("本次户主表决已经结束计票")
    choices = _ballots_in_order(session, vote)
    counts = tally(choices, vote.eligible)
    if at < as_utc(vote.closes_at) and counts["not_voted"] and not early:
        raise ConflictError(f"表决尚未截止（{_local(vote.closes_at)}），还有 {counts['not_voted']} 户未投票")
    passed = rules.households_pass(counts["yes"], vote.eligible, vote.threshold_num, vote.threshold_den)
    vote.status, vote.closed_at, vote.passed = "closed", to_db(at), passed
    vote.yes, vote.no, vote.abstain = counts["yes"], counts["no"], counts["abstain"]
    append_event(session, case, type="household_vote_closed", actor=actor.username, role=actor.role, at=at,
                 payload={"vote": vote.id, "eligible": vote.eligible, **counts, "passed": passed,
                          "department": vote.responsible_department if passed else None})
    process = process_of(session, case.process_version_id)
    instance = load(process, case.snapshot, case.uuid)
    instances = sorted((t for t in instance.ready_tasks() if t.human.form.key == BALLOT_FORM),
                       key=lambda t: int(t.data["ballot"]))
    if len(instances) != vote.eligible:
        # The case left the vote before the count (its window's timer fired first: the diagram's fallback
        # rejected it without ballots). Keep the tally on the vote; the resolution says what the case did.
        _record_lapse_on_resolution(session, vote, counts)
        return None
    payload = {"bpmn_id": instances[0].human.bpmn_id, "tasks": [
        {"task_id": t.task_id, "data": {"ballot": choices[int(t.data["ballot"])] or "none"}} for t in instances]}
    # The one engine event of the whole count: every instance completes with its household's ballot.
    step = run_engine_event(session, case, event_type="tasks_completed", payload=payload,
                            actor=actor, at=at, hooks=hooks, process=process, instance=instance)
    _record_on_resolution(session, case, vote, counts, passed)
    if vote.agenda_item_id is not None:
        agenda = session.get(AgendaItem, vote.agenda_item_id)
        if agenda is not None:
            agenda.event_seq = step.event.seq
    return step


def due_vote_ids(session: Session, at: datetime) -> list[int]:
    return list(session.scalars(select(HouseholdVote.id).where(HouseholdVote.status == "open",
                                                               HouseholdVote.closes_at <= to_db(at))))


