"""Household and person files (一户一档 · 一人一档): members, notes (sensitive ones masked and access-logged),
and the household's visits, cases and votes in one place. Operations run in the caller's transaction.

A sensitive note (health, family circumstances, income) is core data (核心): it is masked on every page and
read only by someone whose request — a purpose and a detail — the supervisor (社区书记) approved, while the
approval lasts (:mod:`engine.audit.core_access`); the request, the decision and each view go to the access
log (数据使用备案). Sensitive notes are not encrypted at rest yet: :mod:`engine.privacy` keys its encryption
by case (a case's data key), and a household is no case.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import core_access
from engine.audit.access_log import record_access
from engine.calendar import china_date
from engine.cases.models import Case
from engine.clock import as_utc, to_db
from engine.council.models import Household, HouseholdBallot, HouseholdVote
from engine.errors import NotFound, PermissionDenied, ValidationError
from engine.field import access
from engine.field.models import FieldNeed, FieldVisit, HouseholdMember, HouseholdNote
from engine.people.actor import Actor
from engine.people.roles import Role
from engine.privacy.household_keys import open_for_household, seal_for_household

RELATIONS = ("户主", "配偶", "子女", "父母", "孙辈", "兄弟姐妹", "其他")
MAX_MEMBERS = 20
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Who writes a household's file: its grid worker, and the street's supervisor.
WRITERS = frozenset({Role.GRID_WORKER.value, Role.SUPERVISOR.value})


@dataclass(frozen=True)
class MemberRow:
    member_id: int
    name: str
    relation: str
    birth_year: int | None


@dataclass(frozen=True)
class NoteRow:
    note_id: int
    #: The text, or None for a sensitive note not unmasked for this reader.
    text: str | None
    sensitive: bool
    written_by: str
    written_on: str
    #: For a sensitive note: where the reader's request to see it stands.
    access: core_access.Access | None = None


@dataclass(frozen=True)
class CaseLink:
    tracking_code: str
    title: str
    status: str


@dataclass(frozen=True)
class VoteLink:
    vote_id: int
    proposal: str
    voted: bool
    channel: str | None


@dataclass(frozen=True)
class HouseholdFile:
    members: list[MemberRow]
    notes: list[NoteRow]
    cases: list[CaseLink]
    votes: list[VoteLink]


def _check_writer(actor: Actor) -> None:
    if actor.role not in WRITERS:
        raise PermissionDenied("只有网格员和街道督办可以维护住户档案")


def add_member(session: Session, household_id: int, *, name: str, relation: str, birth_year: str | None,
               actor: Actor, at: datetime) -> HouseholdMember:
    _check_writer(actor)
    home = access.household(session, household_id, actor)
    errors = {}
    name = (name or "").strip()
    if not name or len(name) > 100 or _CONTROL.search(name):
        errors["name"] = "请填写姓名（最多 100 字）"
    if relation not in RELATIONS:
        errors["relation"] = f"关系应为：{'、'.join(RELATIONS)}"
    year = None
    if (birth_year or "").strip():
        try:
            year = int(str(birth_year).strip())
        except ValueError:
            year = 0
        if not 1900 <= year <= china_date(at).year:
            errors["birth_year"] = f"出生年份应在 1900 至 {china_date(at).year} 之间"
    count = len(session.scalars(select(HouseholdMember.id).where(HouseholdMember.household_id == home.id)).all())
    if count >= MAX_MEMBERS:
        errors["name"] = f"每户最多登记 {MAX_MEMBERS} 人"
    if errors:
        raise ValidationError("成员信息有误", errors)
    member = HouseholdMember(household_id=home.id, name=name, relation=relation, birth_year=year,
                             added_by=actor.username, added_at=to_db(at))
    session.add(member)
    session.flush()
    return member


def add_note(session: Session, household_id: int, *, text: str, sensitive: bool, actor: Actor,
             at: datetime) -> HouseholdNote:
    _check_writer(actor)
    home = access.household(session, household_id, actor)
    text = (text or "").strip()
    if not text or len(text) > 4000 or _CONTROL.search(text):
        raise ValidationError("备注有误", {"text": "请填写备注（最多 4000 字，不含控制字符）"})
    stored = seal_for_household(session, home.id, text, at=at) if sensitive else text
    note = HouseholdNote(household_id=home.id, text=stored, sensitive=bool(sensitive), written_by=actor.username,
                         written_at=to_db(at))
    session.add(note)
    session.flush()
    return note


def note_subject(household_id: int, note_id: int) -> str:
    """How the access log and a core-data request name a note."""
    return f"household:{household_id}:note:{note_id}"


def _note(session: Session, note_id: int, actor: Actor) -> tuple[HouseholdNote, Household]:
    note = session.get(HouseholdNote, note_id)
    if note is None:
        raise NotFound("备注不存在")
    return note, access.household(session, note.household_id, actor)


def request_note(session: Session, note_id: int, *, purpose: str | None, detail: str | None, actor: Actor,
                 at: datetime) -> core_access.CoreAccessRequest:
    """Ask the supervisor to let ``actor`` read a sensitive note (logged; asking twice asks once)."""
    note, home = _note(session, note_id, actor)
    if not note.sensitive:
        raise ValidationError("该备注不是敏感信息，无需申请", {})
    return core_access.request_access(session, actor, subject=note_subject(home.id, note.id), case=None,
                                      purpose=purpose, detail=detail, at=at)


def read_note(session: Session, note_id: int, *, actor: Actor, at: datetime) -> str:
    """A note's text; a sensitive one only under a running approval, once the view is in the access log
    (with the approved request's purpose and detail)."""
    note, home = _note(session, note_id, actor)
    if note.sensitive:
        subject = note_subject(home.id, note.id)
        grant = core_access.granted(session, actor, subject, at)
        record_access(session, actor, kind="unmask", case=None, what=subject, reason=grant.reason, at=at)
        return open_for_household(session, home.id, note.text)
    return note.text


def household_file(session: Session, household_id: int, actor: Actor, at: datetime) -> HouseholdFile:
    home = access.household(session, household_id, actor)
    members = [MemberRow(m.id, m.name, m.relation, m.birth_year) for m in session.scalars(
        select(HouseholdMember).where(HouseholdMember.household_id == home.id).order_by(HouseholdMember.id))]
    notes = [NoteRow(n.id, None if n.sensitive else n.text, n.sensitive, n.written_by,
                     china_date(as_utc(n.written_at)).isoformat(),
                     core_access.access_of(session, actor, note_subject(home.id, n.id), at) if n.sensitive else None)
             for n in session.scalars(select(HouseholdNote).where(HouseholdNote.household_id == home.id)
                                      .order_by(HouseholdNote.id.desc()))]
    cases = [CaseLink(code, title, status) for code, title, status in session.execute(
        select(Case.tracking_code, Case.title, Case.status).join(FieldNeed, FieldNeed.case_id == Case.id)
        .join(FieldVisit, FieldVisit.id == FieldNeed.visit_id).where(FieldVisit.household_id == home.id)
        .order_by(Case.id.desc()))]
    # Whether and how the household voted, never what: the ballot is the household's own.
    votes = [VoteLink(vote_id, proposal[:60], cast_at is not None, channel) for vote_id, proposal, cast_at, channel
             in session.execute(select(HouseholdVote.id, HouseholdVote.proposal, HouseholdBallot.cast_at,
                                       HouseholdBallot.channel)
                                .join(HouseholdBallot, HouseholdBallot.vote_id == HouseholdVote.id)
                                .where(HouseholdBallot.household_id == home.id).order_by(HouseholdVote.id.desc()))]
    return HouseholdFile(members, notes, cases, votes)
