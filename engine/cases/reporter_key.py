"""The reporter's key: the one secret that lets a resident act on their own case.

The tracking code is public (it is printed on notes, read out on the phone and listed by
Open311), so it only ever *shows* a case. Acting as the reporter — rating the result, and
whatever a reporter may do later — needs the per-report key handed out once when the
report is filed, inside the private link (:data:`engine.public.REPORTER_PATH`). Only its
SHA-256 is stored; a key that is lost is replaced with :func:`reissue`, which voids the old one.
"""
from __future__ import annotations

import hmac
import logging
import re
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.cases.models import Case
from engine.clock import to_db
from engine.db import Base
from engine.errors import NotFound
from engine.people.actor import Actor, reporter
from engine.people.tokens import hash_token

log = logging.getLogger("casegrid.security")

#: 18 random bytes: 144 bits, 24 URL-safe characters (short enough for an SMS link).
KEY_BYTES = 18
KEY = re.compile(r"^[A-Za-z0-9_-]{24}$")
#: How a verified residents'-app phone is named as the holder of a key (never a staff or account username).
APP_HANDLE_PREFIX = "app:"
#: Holders that act as a case's reporter without its key: a residents' app phone, the 12345 hotline for its
#: caller (回访). A staff or resident account's username has neither prefix.
VERIFIED_HOLDERS = (APP_HANDLE_PREFIX, "hotline:")


class ReporterKey(Base):
    """The hash of a case's reporter key (at most one live key per case)."""

    __tablename__ = "reporter_key"

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), primary_key=True)
    #: SHA-256 (hex) of the key; the key itself is never stored.
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    issued_at: Mapped[datetime] = mapped_column(nullable=False)
    #: Who was given the key: the reporting actor, or the staff member who replaced a lost one.
    issued_by: Mapped[str] = mapped_column(String(80), nullable=False)

    def __repr__(self) -> str:
        return f"<ReporterKey case={self.case_id} issued_at={self.issued_at}>"


def issue(session: Session, case: Case, *, at: datetime, by: str, new: bool = False) -> str:
    """A new key for ``case``, replacing any earlier one. Returns the key: shown once, then only its hash exists.

    ``new``: the case was opened in this transaction, so it has no key to replace (no look-up for one)."""
    key = secrets.token_urlsafe(KEY_BYTES)
    row = None if new else session.get(ReporterKey, case.id)
    if row is None:
        session.add(ReporterKey(case_id=case.id, key_hash=hash_token(key), issued_at=to_db(at), issued_by=by))
    else:
        row.key_hash, row.issued_at, row.issued_by = hash_token(key), to_db(at), by
        log.info("%s replaced the reporter key of case %s", by, case.tracking_code)
    if not new:  # a new case's key goes out with the transaction's next flush, with the rows after it
        session.flush()
    return key


def case_for_key(session: Session, key: str | None) -> Case:
    """The case whose reporter holds ``key``; :class:`NotFound` for anything else (keys cannot be probed)."""
    case_id = session.scalar(select(ReporterKey.case_id).where(ReporterKey.key_hash == hash_token(key))) \
        if key and KEY.match(key) else None
    case = session.get(Case, case_id) if case_id is not None else None
    if case is None:
        raise NotFound("没有找到这个链接对应的案件")
    return case


def reporter_of(session: Session, key: str | None) -> Actor:
    """The verified reporter of the case ``key`` belongs to, to act on it (:class:`NotFound` otherwise)."""
    case = case_for_key(session, key)
    assert key is not None
    return reporter(case.tracking_code, key)


def check_reporter(session: Session, actor: Actor, case: Case) -> None:
    """Raise :class:`NotFound` unless ``actor`` presents ``case``'s live reporter key.

    Checked by every operation a resident may perform, whatever the interface: a resident
    actor carrying only the tracking code, an old key or another case's key acts on nothing.
    """
    row = session.get(ReporterKey, case.id)
    if row is None or actor.tracking_code != case.tracking_code:
        raise NotFound("任务不存在")
    if actor.reporter_account is not None:
        # A verified resident (residents' app, the hotline for its caller) acts on the cases issued to them.
        if not actor.reporter_account.startswith(VERIFIED_HOLDERS) \
                or not hmac.compare_digest(row.issued_by, actor.reporter_account):
            raise NotFound("任务不存在")
        return
    presented = hash_token(actor.reporter_key) if actor.reporter_key else ""
    if not hmac.compare_digest(row.key_hash, presented):
        raise NotFound("任务不存在")
