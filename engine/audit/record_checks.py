"""Verify: every fact row a user reads equals what the case's events hold for it (issue 18, item 5).

The events commit to the rows (``_rows`` in their payloads, :mod:`engine.cases.record_rows`);
household ballots are rebuilt from their ``household_vote_cast`` events. The first difference is
named: the table, the row, the column, both values, and the event that holds the committed one.
A case opened before rows were committed (its ``case_opened`` holds no ``_rows``) has nothing to
compare against and is left to the chain and replay. Personal values are compared as the digests of
the case's format (:mod:`engine.cases.row_digests`); once a format-3 case's data key is shredded its
personal columns cannot be compared (nobody can link the digests to a value any more) and are skipped.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.chain import format_at
from engine.audit.pinned import LoggedEvent
from engine.cases.record_rows import (FORMAT_KEY, ROWS_KEY, FactTable, committed_values, fact_tables, raw_values,
                                       row_key)
from engine.cases.row_digests import KEYED_FORMAT, CaseDigests, digests_for_check, load_digest_keys
from engine.council.models import HouseholdBallot, HouseholdVote
from engine.privacy.keys import DataKeyError
from engine.privacy.masterkey import MasterKeyError

Problem = tuple[int, str]

_BALLOTS = (select(HouseholdBallot.id, HouseholdVote.case_id.label("case_ref"), HouseholdBallot.vote_id,
                   HouseholdBallot.household_id, HouseholdBallot.choice, HouseholdBallot.channel,
                   HouseholdBallot.cast_by, HouseholdBallot.cast_at)
            .join(HouseholdVote, HouseholdVote.id == HouseholdBallot.vote_id).order_by(HouseholdBallot.id))


class FactRows:
    """The stored fact rows and ballots of a batch of cases, one query per table for the whole batch."""

    def __init__(self, session: Session, case_ids: list[int]) -> None:
        self.session = session
        self.case_ids = case_ids
        self._keys_loaded = False
        self.by_table: dict[str, dict[int, list[Any]]] = {}
        for fact in fact_tables():
            self.by_table[fact.table] = grouped = {}
            for row in session.execute(fact.of_cases(case_ids)):
                grouped.setdefault(row.case_ref, []).append(row)
        self.ballots: dict[int, list[Any]] = {}
        for row in session.execute(_BALLOTS.where(HouseholdVote.case_id.in_(case_ids))):
            self.ballots.setdefault(row.case_ref, []).append(row)

    def rows(self, fact: FactTable, case_id: int) -> list[Any]:
        return self.by_table[fact.table].get(case_id, [])

    def digests(self, case_id: int, row_format: int) -> CaseDigests:
        """How the case's personal values are digested; the batch's data keys are unwrapped once, when the
        first format-3 case needs them."""
        if row_format >= KEYED_FORMAT and not self._keys_loaded:
            self._keys_loaded = True
            load_digest_keys(self.session, self.case_ids)
        return digests_for_check(self.session, case_id, row_format)


def _short(value: Any) -> str:
    text = "空" if value is None else str(value)
    return text if len(text) <= 40 else text[:37] + "…"


Committed = dict[str, tuple[int, dict[str, Any] | None]]


def _committed(events: Sequence[LoggedEvent]) -> tuple[Committed, int] | None:
    """Row key → (seq, values) of the last event committing to it, and the case's commitment format
    (:data:`ROWS_FORMAT` of its first event); None for a case from before commitments."""
    rows: Committed = {}
    version = 1
    for index, event in enumerate(events):
        if ROWS_KEY not in event.payload:  # most payloads: skip the parse
            if index == 0:
                return None
            continue
        payload = json.loads(event.payload)
        if index == 0:
            version = payload.get(FORMAT_KEY, 1)
        for key, values in payload.get(ROWS_KEY, {}).items():
            rows[key] = (event.seq, values)
    return rows, version


def fact_row_problem(session: Session, case_id: int, events: Sequence[LoggedEvent],
                     stored: FactRows | None = None) -> Problem | None:
    """(seq, problem) of the first fact row of the case that differs from its events, or None.

    ``stored`` holds the rows of a batch of cases read at once (read for this case alone when not given).
    """
    found = _committed(events)
    if found is None or not events:
        return None
    committed, version = found
    stored = stored or FactRows(session, [case_id])
    last = events[-1].seq
    seen: set[str] = set()
    digests: CaseDigests | None = None
    for fact in fact_tables():
        if fact.since > version:  # the case was opened before its events committed to this table
            continue
        for row in stored.rows(fact, case_id):
            key = row_key(fact, row.row_id)
            seen.add(key)
            name = f"{fact.label}（{fact.table} #{row.row_id}）"
            if key not in committed:
                return last, f"{name}不在事件记录中（被人为插入）"
            seq, logged = committed[key]
            if logged is None:
                return seq, f"{name}在第 {seq} 个事件中已记为删除，但表中仍存在（被人为恢复或插入）"
            if fact.hashed and digests is None:
                try:
                    digests = stored.digests(case_id, version)
                except (MasterKeyError, DataKeyError) as exc:
                    return last, f"无法核对{name}的个人信息摘要：{exc}"
            try:
                values = committed_values(fact, row, digests) if digests is not None else raw_values(fact, row)
            except DataKeyError as exc:
                return seq, f"{name}的加密个人信息无法核对：{exc}"
            for column in fact.columns:
                if column in fact.hashed and digests is not None and not digests.comparable:
                    if digests.missing_key and str(logged.get(column) or "").startswith("hmac-"):
                        return seq, f"{name}的 {column} 以本案数据密钥的摘要记录，但本案的数据密钥不存在（被删除）"
                    continue  # the case's data key was shredded: nobody can link the digest to a value
                if column in fact.clear and digests is not None and digests.erased:
                    continue  # format 2: the encrypted value cannot be read since its key was shredded
                if values[column] != logged.get(column):
                    return seq, (f"{name}的 {column} 与事件记录不符：表中为 {_short(values[column])}，"
                                 f"第 {seq} 个事件记录为 {_short(logged.get(column))}")
    missing = sorted(key for key in set(committed) - seen if committed[key][1] is not None)
    if missing:
        seq, _values = committed[missing[0]]
        return seq, f"{missing[0]} 在第 {seq} 个事件中有记录，但表中已不存在（被删除）"
    return _ballot_problem(stored.ballots.get(case_id, []), events)


def _ballot_problem(ballots: list[Any], events: Sequence[LoggedEvent]) -> Problem | None:
    """Household ballots as their ``household_vote_cast`` events say: choice, channel, who and when."""
    casts = {}
    for event in events:
        if event.type == "household_vote_cast":
            payload = json.loads(event.payload)
            casts[payload["vote"], payload["household"]] = (event.seq, {
                "choice": payload["choice"], "channel": payload["channel"],
                "cast_by": event.actor, "cast_at": format_at(event.at)})  # type: ignore[attr-defined]
    last = events[-1].seq
    for ballot in ballots:
        name = f"户主选票（household_ballot #{ballot.id}）"
        cast = casts.pop((ballot.vote_id, ballot.household_id), None)
        if cast is None:
            if ballot.choice is not None:
                return last, f"{name} 记有投票 {ballot.choice}，但没有对应的投票事件（被人为写入）"
            continue
        seq, logged = cast
        stored = {"choice": ballot.choice, "channel": ballot.channel, "cast_by": ballot.cast_by,
                  "cast_at": format_at(ballot.cast_at) if ballot.cast_at else None}
        for column, value in logged.items():
            if stored[column] != value:
                return seq, (f"{name}的 {column} 与事件记录不符：表中为 {_short(stored[column])}，"
                             f"第 {seq} 个事件记录为 {_short(value)}")
    if casts:
        (vote, household), (seq, _logged) = next(iter(casts.items()))
        return seq, f"第 {seq} 个事件记录的户主选票（表决 {vote}，户 {household}）在表中已不存在（被删除）"
    return None
