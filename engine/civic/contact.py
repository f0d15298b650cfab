"""The reporter's name and phone: stored encrypted under the case's data key (engine/privacy/keys.py)."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.intake import Intake
from engine.cases.models import Case
from engine.civic.models import ReporterContact
from engine.privacy.keys import ERASED, cached_key, decrypt_field, decrypt_token, encrypt_field, load_keys


@dataclass(frozen=True)
class Contact:
    """A reporter's contact in clear (or :data:`~engine.privacy.keys.ERASED` once the case's key is shredded)."""

    name: str | None
    phone: str | None

    @property
    def erased(self) -> bool:
        return ERASED in (self.name, self.phone)

    def values(self) -> list[str]:
        """The values free text may contain (to be masked in it); none once erased."""
        return [] if self.erased else [v for v in (self.name, self.phone) if v]


def store_contact(session: Session, case: Case, name: str | None, phone: str | None) -> None:
    """Write the reporter's contact for a new case (nothing when both are blank)."""
    name = (name or "").strip() or None
    phone = (phone or "").strip() or None
    if name or phone:
        session.add(ReporterContact(case_id=case.id, name=encrypt_field(session, case, name),
                                    phone=encrypt_field(session, case, phone)))


def keep_reporter_contact(session: Session, case: Case, intake: Intake) -> None:
    """The hook every new case runs (registered in :func:`engine.civic.records.register`): its reporter's contact."""
    store_contact(session, case, intake.reporter_name, intake.reporter_phone)


def contact_of(session: Session, case: Case) -> Contact | None:
    """The case's reporter contact in clear; None when the reporter left none."""
    row = session.get(ReporterContact, case.id)
    if row is None:
        return None
    return Contact(decrypt_field(session, case, row.name), decrypt_field(session, case, row.phone))


def contacts_of(session: Session, case_ids: Collection[int]) -> dict[int, Contact]:
    """The reporter contacts of many cases (keys unwrapped in one query)."""
    rows = list(session.scalars(select(ReporterContact).where(ReporterContact.case_id.in_(case_ids))))
    load_keys(session, (r.case_id for r in rows))
    found = {}
    for row in rows:
        key = cached_key(session, row.case_id)
        found[row.case_id] = Contact(decrypt_token(key, row.name, row.case_id),
                                     decrypt_token(key, row.phone, row.case_id))
    return found
