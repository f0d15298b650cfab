"""Reading mediation rows (inside the caller's session)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.models import Case
from engine.errors import NotFound
from engine.mediation.models import (
    Mediation,
    MediationAgreement,
    MediationParty,
    MediationSession,
    MediatorAssignment,
    ThirdPartyAssessment,
)
from engine.people.models import User
from engine.privacy.keys import cached_key, decrypt_token, load_keys
from engine.people.roles import Role


def mediation_of(session: Session, case: Case) -> Mediation:
    """The mediation row of a case on the mediation process (:class:`NotFound` for any other case)."""
    mediation = session.get(Mediation, case.id)
    if mediation is None:
        raise NotFound(f"案件 {case.tracking_code} 不是调解案件")
    return mediation


def parties_of(session: Session, case_id: int) -> list[MediationParty]:
    return list(session.scalars(select(MediationParty).where(MediationParty.case_id == case_id)
                                .order_by(MediationParty.position)))


@dataclass(frozen=True)
class PartyText:
    """A party's personal fields in clear (each reads 已按规定删除 once the case's data key is shredded)."""

    name: str
    phone: str | None
    address: str | None


def party_text(session: Session, party: MediationParty) -> PartyText:
    """The name, phone and address ``party`` stores as tokens under its case's data key, in clear."""
    return parties_text(session, [party])[party.id]


def parties_text(session: Session, parties: Iterable[MediationParty]) -> dict[int, PartyText]:
    """:func:`party_text` of many parties (party id → text), their cases' keys unwrapped in one query."""
    rows = list(parties)
    load_keys(session, {p.case_id for p in rows})
    found = {}
    for p in rows:
        key = cached_key(session, p.case_id)
        found[p.id] = PartyText(decrypt_token(key, p.name, p.case_id) or "",
                                decrypt_token(key, p.phone, p.case_id), decrypt_token(key, p.address, p.case_id))
    return found


def assignments_of(session: Session, case_id: int) -> list[MediatorAssignment]:
    return list(session.scalars(select(MediatorAssignment).where(MediatorAssignment.case_id == case_id)
                                .order_by(MediatorAssignment.id)))


def current_assignment(session: Session, case_id: int) -> MediatorAssignment | None:
    """The newest assignment still in force (assigned or accepted)."""
    return session.scalar(select(MediatorAssignment).where(
        MediatorAssignment.case_id == case_id, MediatorAssignment.state.in_(("assigned", "accepted")))
        .order_by(MediatorAssignment.id.desc()).limit(1))


def recused_mediators(session: Session, case_id: int) -> set[str]:
    """Mediators who declared a conflict of interest in this case: they may not be assigned again."""
    return set(session.scalars(select(MediatorAssignment.mediator).where(
        MediatorAssignment.case_id == case_id, MediatorAssignment.state == "recused")))


def sessions_of(session: Session, case_id: int) -> list[MediationSession]:
    return list(session.scalars(select(MediationSession).where(MediationSession.case_id == case_id)
                                .order_by(MediationSession.number)))


def agreements_of(session: Session, case_id: int) -> list[MediationAgreement]:
    return list(session.scalars(select(MediationAgreement).where(MediationAgreement.case_id == case_id)
                                .order_by(MediationAgreement.number)))


def latest_agreement(session: Session, case_id: int, status: str | None = None) -> MediationAgreement | None:
    stmt = select(MediationAgreement).where(MediationAgreement.case_id == case_id)
    if status is not None:
        stmt = stmt.where(MediationAgreement.status == status)
    return session.scalar(stmt.order_by(MediationAgreement.number.desc()).limit(1))


def assessments_of(session: Session, case_id: int) -> list[ThirdPartyAssessment]:
    return list(session.scalars(select(ThirdPartyAssessment).where(ThirdPartyAssessment.case_id == case_id)
                                .order_by(ThirdPartyAssessment.id)))


def active_mediators(session: Session) -> dict[str, str]:
    """Mediator accounts that can take a case, username → display name."""
    rows = session.execute(select(User.username, User.display_name).where(
        User.role == Role.MEDIATOR.value, User.active.is_(True)).order_by(User.username))
    return dict(rows.tuples().all())


def links_from(session: Session, source_case_id: int) -> list[Case]:
    """The mediation cases opened from a civic-loop case, oldest first."""
    return list(session.scalars(select(Case).join(Mediation, Mediation.case_id == Case.id)
                                .where(Mediation.source_case_id == source_case_id).order_by(Case.id)))
