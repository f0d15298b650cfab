"""A phone verified through a residents' app, its verification codes and its tokens (hashes only).

The phone number is personal data: it is stored here, in :attr:`ResidentIdentity.phone`, encrypted, and found
by its keyed blind index :attr:`ResidentIdentity.phone_index` (:mod:`engine.privacy.phone_index` seals, opens
and indexes it). The rules live in :mod:`engine.public.resident_app`.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base

#: The outbox recipient of a verification code: ``verification:<code id>`` (never the number itself).
RECIPIENT_PREFIX = "verification:"


class ResidentIdentity(Base):
    """A phone verified through a residents' app. The number is personal data and is stored only here."""

    __tablename__ = "resident_identity"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The phone number (11-digit mainland mobile), sealed (``rp1:…``, :func:`engine.privacy.phone_index.seal_phone`).
    #: Sensitive: never shown, never logged.
    phone: Mapped[str] = mapped_column(Text, nullable=False)
    #: HMAC-SHA256 of the number under the phone index key: how a typed number finds its identity.
    phone_index: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    #: ``app:<random>``: whom the reporter keys of the app's reports are issued to (never the number).
    handle: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<ResidentIdentity {self.id} {self.handle}>"


class ResidentCode(Base):
    """One verification code sent to an identity's phone (its hash)."""

    __tablename__ = "resident_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("resident_identity.id"), nullable=False, index=True)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    expires_at: Mapped[datetime] = mapped_column(nullable=False)
    attempts: Mapped[int] = mapped_column(nullable=False, default=0)
    #: When it was traded for a token (a code works once).
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)

    def __repr__(self) -> str:
        return f"<ResidentCode {self.id} identity={self.identity_id}>"


class ResidentSession(Base):
    """A token an app holds for a verified phone (its hash)."""

    __tablename__ = "resident_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("resident_identity.id"), nullable=False, index=True)
    issued_at: Mapped[datetime] = mapped_column(nullable=False)
    expires_at: Mapped[datetime] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<ResidentSession identity={self.identity_id} until {self.expires_at}>"

