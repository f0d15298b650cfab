"""A resident's own reports (我的报告): those filed while logged in to their resident account, and those whose
private link (reporter key) they opened in this browser.

An account's reports are found through the reporter key it was given (:attr:`ReporterKey.issued_by` is the
account's username): the case's log still names the anonymous web form as its reporter, so no staff page
shows the resident's account name beside the case. Keys are looked up by their hash, as everywhere.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.cases.models import Case
from engine.cases.reporter_key import KEY, ReporterKey
from engine.clock import as_utc
from engine.people.tokens import hash_token

#: The most reports one page lists (a resident files a handful; a shared account is not a resident's).
LIMIT = 100
#: The most private links one browser remembers.
MAX_KEYS = 20


@dataclass(frozen=True)
class MyReport:
    tracking_code: str
    title: str
    category: str
    #: open or closed, and how a closed case ended (its public outcome code).
    status: str
    outcome: str | None
    opened_at: datetime
    closed_at: datetime | None
    #: The private link's key when the report was found by it (its page lets the reporter act); None when
    #: found through the account (the key is not stored: the public tracking page shows its progress).
    key: str | None


def keep_for_account(session: Session, case: Case, username: str) -> None:
    """Record that the reporter key of ``case`` (just issued) belongs to the resident account ``username``."""
    row = session.get(ReporterKey, case.id)
    assert row is not None, "the case was opened without a reporter key"
    row.issued_by = username


def my_reports(session: Session, *, username: str | None = None, keys: Sequence[str] = ()) -> list[MyReport]:
    """The reports of the resident account ``username`` and of the private links ``keys``, newest first.

    Malformed keys are ignored (they find nothing); a report found both ways is listed once, with its key.
    """
    by_hash = {hash_token(k): k for k in keys[:MAX_KEYS] if KEY.match(k)}
    conditions = []
    if username:
        conditions.append(ReporterKey.issued_by == username)
    if by_hash:
        conditions.append(ReporterKey.key_hash.in_(by_hash))
    if not conditions:
        return []
    rows = session.execute(select(Case, ReporterKey.key_hash).join(ReporterKey, ReporterKey.case_id == Case.id)
                           .where(or_(*conditions)).order_by(Case.opened_at.desc(), Case.id.desc()).limit(LIMIT))
    return [MyReport(c.tracking_code, c.title, c.category, c.status, c.outcome, as_utc(c.opened_at),
                     as_utc(c.closed_at) if c.closed_at else None, by_hash.get(key_hash))
            for c, key_hash in rows]
