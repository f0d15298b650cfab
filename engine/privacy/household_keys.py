"""Per-household data keys: a household's sensitive notes (health, family matters, income: 敏感个人信息) are
stored encrypted, as a case's personal fields are (:mod:`engine.privacy.keys`).

A household is no case, so it has a key of its own in ``household_data_key``, wrapped by the same master key and
bound to the household (the associated data names it: a token copied to another household does not decrypt
there). The tokens have the case tokens' form, ``cg1:<profile>:…``; a note written before its household had a key
is text without that prefix and reads as it is until migration 0044 seals it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.clock import to_db
from engine.db import Base
from engine.privacy.keys import DataKeyError, _DataKey, decrypt_token, encrypt_with, is_token, unwrap_stored, \
    wrap_new_key

#: Where a session keeps the household keys it unwrapped: household id → _DataKey.
_CACHE = "casegrid_household_keys"


class HouseholdDataKey(Base):
    """A household's data key, wrapped by the master key; ``wrapped`` is None once the key was shredded."""

    __tablename__ = "household_data_key"

    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), primary_key=True)
    profile: Mapped[str] = mapped_column(String(20), nullable=False)
    master_id: Mapped[str] = mapped_column(String(16), nullable=False)
    wrapped: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<HouseholdDataKey household={self.household_id} {self.profile}>"


def household_aad(household_id: int) -> bytes:
    return b"casegrid household " + str(household_id).encode("ascii")


def new_household_key_row(household_id: int, *, at: datetime) -> HouseholdDataKey:
    """A fresh data key for the household (the caller adds the row)."""
    profile, master_id, wrapped = wrap_new_key(household_aad(household_id))
    return HouseholdDataKey(household_id=household_id, profile=profile, master_id=master_id, wrapped=wrapped,
                            created_at=to_db(at))


def unwrap_household_key(row: HouseholdDataKey) -> _DataKey:
    return unwrap_stored(row.profile, row.master_id, row.wrapped, household_aad(row.household_id),
                         f"住户 {row.household_id}")


def _key(session: Session, household_id: int, *, create_at: datetime | None = None) -> _DataKey | None:
    cache: dict[int, _DataKey] = session.info.setdefault(_CACHE, {})
    if (known := cache.get(household_id)) is not None:
        return known
    row = session.get(HouseholdDataKey, household_id)
    if row is None:
        if create_at is None:
            return None
        row = new_household_key_row(household_id, at=create_at)
        session.add(row)
    known = cache[household_id] = unwrap_household_key(row)
    return known


def seal_for_household(session: Session, household_id: int, text: str, *, at: datetime) -> str:
    """``text`` as a token under the household's data key (made on first use)."""
    key = _key(session, household_id, create_at=at)
    assert key is not None
    if key.key is None:
        raise DataKeyError(f"住户 {household_id} 的个人信息已按规定删除，不能再保存个人信息")
    return encrypt_with(key, text)


def open_for_household(session: Session, household_id: int, stored: str) -> str:
    """The text a household's stored value holds (a value from before encryption reads as it is)."""
    if not is_token(stored):
        return stored
    text = decrypt_token(_key(session, household_id), stored, household_id)
    assert text is not None
    return text
