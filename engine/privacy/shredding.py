"""Erasing a case's personal data while its record keeps verifying (crypto-shredding).

Erasing deletes the case's data key (:func:`engine.privacy.keys.shred_key`): every encrypted field of the
case — in its rows, in database backups, in any export that carried the tokens — can never be read again,
and reads as 已按规定删除. The few personal values not yet stored encrypted are overwritten in place
(a resident's subscription address, the addresses their notices were sent to). Nothing the hash chain
commits to changes: the event log, its Merkle leaves, signed tree heads and replay verify as before. The
erasure itself is an event of the case (``personal_data_erased``: why, by whom, under which rule), so the
timeline and replay say when and why the data went.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.cases.chain import append_event
from engine.cases.models import Case, Notification
from engine.errors import ConflictError
from engine.notify.models import Delivery, ResidentSubscription
from engine.people.actor import Actor
from engine.privacy.catalogue import encrypted_fields
from engine.privacy.keys import ERASED, ERASED_EVENT, REASONS, CaseDataKey, is_shredded, shred_key



#: The fields an erasure makes unreadable, as its event names them.
_FIELDS = [f.key for f in encrypted_fields()]


@dataclass(frozen=True)
class Erased:
    tracking_code: str
    reason: str
    #: The rule that set the period (retention), or the request's note.
    detail: str | None
    event_seq: int


def erase_case(session: Session, case: Case, *, actor: Actor, at: datetime, reason: str,
               detail: str | None = None) -> Erased:
    """Erase ``case``'s personal data now, in the caller's transaction, with its event.

    Raises :class:`ConflictError` when it was erased already.
    """
    return erase_cases(session, [case], actor=actor, at=at, reason=reason, details={case.id: detail})[0]


def erase_cases(session: Session, cases: Sequence[Case], *, actor: Actor, at: datetime, reason: str,
                details: Mapping[int, str | None]) -> list[Erased]:
    """Erase many cases' personal data in the caller's transaction (``details``: case id → why), each with
    its event; their key rows and subscriptions are read in one query each. :class:`ConflictError` (nothing
    erased) when one of them was erased already."""
    assert reason in REASONS, reason
    ids = [c.id for c in cases]
    session.scalars(select(CaseDataKey).where(CaseDataKey.case_id.in_(ids))).all()  # into the identity map
    subscriptions = {s.case_id: s for s in session.scalars(select(ResidentSubscription)
                                                            .where(ResidentSubscription.case_id.in_(ids)))}
    done = []
    with session.no_autoflush:
        for case in cases:
            if not shred_key(session, case, by=actor.username, reason=reason, at=at):
                raise ConflictError(f"案件 {case.tracking_code} 的个人信息已按规定删除")
            subscription = subscriptions.get(case.id)
            if subscription is not None:
                subscription.address = ERASED
                subscription.withdrawn_at = subscription.withdrawn_at or subscription.consented_at
    for case in cases:
        detail = details.get(case.id)
        event = append_event(session, case, type=ERASED_EVENT, actor=actor.username, role=actor.role, at=at,
                             payload={"reason": reason, "detail": detail, "fields": _FIELDS})
        done.append(Erased(case.tracking_code, reason, detail, event.seq))
        session.flush()  # the fact-row tracker looks at every changed object at each event: keep them few
    # The addresses the resident's notices went to (no fact rows): overwritten in one statement.
    resident_notices = select(Notification.id).where(Notification.case_id.in_(ids),
                                                     Notification.recipient == "resident")
    session.execute(update(Delivery).where(Delivery.notification_id.in_(resident_notices),
                                           Delivery.address.is_not(None)).values(address=ERASED)
                    .execution_options(synchronize_session=False))
    return done


def erased(session: Session, case: Case) -> bool:
    return is_shredded(session, case.id)
