"""Per-case data keys and the encrypted fields they protect (crypto-shredding's other half).

Every case that stores personal data gets its own random data key, kept in ``case_data_key`` only
*wrapped* (encrypted) by the master key (:mod:`engine.privacy.masterkey`, kept outside the database).
A personal field is stored as a token ``cg1:<profile>:<base64(nonce ‖ ciphertext ‖ tag)>``, bound to its
case (the case uuid is the associated data: a token copied to another case does not decrypt there).

Profiles: ``aes-256-gcm`` (default) or ``sm4-gcm`` (国密 SM4 in GCM mode, data keys wrapped with an
SM3-derived key), chosen by ``$CASEGRID_DATA_PROFILE`` for keys made from then on; each key records its own.

Deleting a case's data key (:func:`shred_key`) makes every token of the case unreadable wherever it was
copied — rows, database backups, exports — while the tokens, and the hash chain that may commit to them,
stay as they were: verification never needs the plaintext.

The API other packages use::

    token = encrypt_field(session, case, "13800001234")   # None stays None
    value = decrypt_field(session, case, token)           # ERASED once the key is shredded
"""
from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.cases.models import Case
from engine.clock import to_db
from engine.db import Base
from engine.errors import CasegridError
from engine.privacy.masterkey import MasterKey, MasterKeyError, master_key

AES, SM4 = "aes-256-gcm", "sm4-gcm"
PROFILES = (AES, SM4)
PROFILE_ENV = "CASEGRID_DATA_PROFILE"
#: What a personal field reads as once its case's data key is deleted.
ERASED = "已按规定删除"
#: The case event that records the erasure (engine/privacy/shredding.py).
ERASED_EVENT = "personal_data_erased"
#: Why a case's personal data was erased → how the timeline says it.
REASONS: dict[str, str] = {
    "retention": "保存期限届满",
    "resident_request": "反映人本人申请删除",
    "admin": "管理员依规定删除",
}
PREFIX = "cg1:"
_TAGS = {AES: "A", SM4: "S"}
_BY_TAG = {v: k for k, v in _TAGS.items()}
_NONCE = 12
_TAG_LEN = 16
#: Where a session keeps the data keys it unwrapped: case id → _DataKey.
_CACHE = "casegrid_data_keys"


class CaseDataKey(Base):
    """A case's data key, wrapped by the master key; ``wrapped`` is None once the key was shredded."""

    __tablename__ = "case_data_key"

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), primary_key=True)
    profile: Mapped[str] = mapped_column(String(20), nullable=False)
    #: Fingerprint of the master key that wrapped it.
    master_id: Mapped[str] = mapped_column(String(16), nullable=False)
    #: base64(nonce ‖ wrapped key ‖ tag); None after shredding.
    wrapped: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    shredded_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    shredded_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    #: ``retention`` (保存期限届满), ``resident_request`` (本人申请删除) or ``admin``.
    shred_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)

    def __repr__(self) -> str:
        return f"<CaseDataKey case={self.case_id} {self.profile} {'shredded' if self.wrapped is None else 'live'}>"


class DataKeyError(CasegridError):
    """A token that does not decrypt: tampered with, or a data key that is missing."""

    code = "data_key"


@dataclass(frozen=True)
class _DataKey:
    profile: str
    #: None once shredded.
    key: bytes | None
    aad: bytes


def configured_profile() -> str:
    profile = os.environ.get(PROFILE_ENV, "").strip() or AES
    if profile not in PROFILES:
        raise DataKeyError(f"${PROFILE_ENV} 应为 {' / '.join(PROFILES)}，而不是 {profile!r}")
    return profile


def _sm4_wrap_key(master: MasterKey) -> bytes:
    return HKDF(algorithm=hashes.SM3(), length=16, salt=None, info=b"casegrid sm4 key wrap").derive(master.key)


def _seal(profile: str, key: bytes, plain: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(_NONCE)
    if profile == AES:
        return nonce + AESGCM(key).encrypt(nonce, plain, aad)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    body = encryptor.update(plain) + encryptor.finalize()
    return nonce + body + encryptor.tag


def _open(profile: str, key: bytes, sealed: bytes, aad: bytes) -> bytes:
    nonce, body = sealed[:_NONCE], sealed[_NONCE:]
    if profile == AES:
        return AESGCM(key).decrypt(nonce, body, aad)
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, body[-_TAG_LEN:])).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(body[:-_TAG_LEN]) + decryptor.finalize()


def _aad(case_uuid: str) -> bytes:
    return b"casegrid case " + case_uuid.encode("ascii")


def _wrapping(profile: str, master: MasterKey) -> bytes:
    return master.key if profile == AES else _sm4_wrap_key(master)


def unwrap(row: CaseDataKey, case_uuid: str) -> _DataKey:
    """The data key of ``row`` (whose case has ``case_uuid``), unwrapped with the master key."""
    return unwrap_stored(row.profile, row.master_id, row.wrapped, _aad(case_uuid), f"案件 {row.case_id}")


def unwrap_stored(profile: str, master_id: str, wrapped: str | None, aad: bytes, owner: str) -> _DataKey:
    """A stored data key (of a case, or of another holder of personal data bound by ``aad``), unwrapped with the
    master key; one without ``wrapped`` was shredded. ``owner`` names the holder in errors."""
    if wrapped is None:
        return _DataKey(profile, None, aad)
    master = master_key(create=False)
    if master_id != master.key_id:
        raise MasterKeyError(f"数据主密钥（{master.key_id}）与本数据库使用的（{master_id}）不一致：无法读取个人信息")
    try:
        key = _open(profile, _wrapping(profile, master), base64.b64decode(wrapped), aad)
    except (InvalidTag, binascii.Error, ValueError):
        raise DataKeyError(f"{owner} 的数据密钥无法解开（被改动过？）") from None
    return _DataKey(profile, key, aad)


def _cache(session: Session) -> dict[int, _DataKey]:
    return session.info.setdefault(_CACHE, {})  # type: ignore[no-any-return]


def data_key(session: Session, case: Case, *, create: bool = False) -> _DataKey | None:
    """The case's data key, unwrapped (cached for the session); made when ``create`` and the case has none."""
    cache = _cache(session)
    if (known := cache.get(case.id)) is not None:
        return known
    row = session.get(CaseDataKey, case.id)
    if row is None:
        if not create:
            return None
        row = new_key_row(case, at=case.opened_at)
        session.add(row)
    known = cache[case.id] = unwrap(row, case.uuid)
    return known


def new_key_row(case: Any, *, at: datetime, profile: str | None = None) -> CaseDataKey:
    """A fresh data key for ``case`` (anything with ``id`` and ``uuid``), wrapped by the master key (the caller
    adds the row)."""
    profile, master_id, wrapped = wrap_new_key(_aad(case.uuid), profile)
    return CaseDataKey(case_id=case.id, profile=profile, master_id=master_id, wrapped=wrapped, created_at=to_db(at))


def wrap_new_key(aad: bytes, profile: str | None = None) -> tuple[str, str, str]:
    """(profile, master key id, wrapped key) of a fresh random data key bound to ``aad``."""
    profile = profile or configured_profile()
    master = master_key(create=True)
    key = os.urandom(32 if profile == AES else 16)
    wrapped = _seal(profile, _wrapping(profile, master), key, aad)
    return profile, master.key_id, base64.b64encode(wrapped).decode("ascii")


def load_keys(session: Session, case_ids: Iterable[int]) -> None:
    """Unwrap the data keys of many cases with one query (pages that show many cases' fields)."""
    cache = _cache(session)
    wanted = sorted({i for i in case_ids if i not in cache})
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        rows = session.execute(select(CaseDataKey, Case.uuid).join(Case, Case.id == CaseDataKey.case_id)
                               .where(CaseDataKey.case_id.in_(chunk)))
        for row, case_uuid in rows:
            cache[row.case_id] = unwrap(row, case_uuid)


def is_token(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def encrypt_field(session: Session, case: Case, value: str | None) -> str | None:
    """``value`` as a token under ``case``'s data key (made on first use); None and blank stay None.

    Refuses (:class:`DataKeyError`) a case whose key was shredded: nothing personal is stored for it again.
    """
    if value is None or not str(value).strip():
        return None
    key = data_key(session, case, create=True)
    assert key is not None
    if key.key is None:
        raise DataKeyError(f"案件 {case.tracking_code} 的个人信息已按规定删除，不能再保存个人信息")
    return encrypt_with(key, str(value))


def encrypt_with(key: _DataKey, value: str) -> str:
    """``value`` as a token under an unwrapped key (migrations, bulk writers)."""
    assert key.key is not None
    sealed = _seal(key.profile, key.key, value.encode("utf-8"), key.aad)
    return f"{PREFIX}{_TAGS[key.profile]}:{base64.b64encode(sealed).decode('ascii')}"


def decrypt_token(key: _DataKey | None, token: str | None, case_id: int) -> str | None:
    """A token's text with a key already at hand (see :func:`load_keys`); :data:`ERASED` once shredded."""
    if token is None or not is_token(token):
        return token  # not encrypted (written before migration 0025 ran)
    if key is None:
        raise DataKeyError(f"案件 {case_id} 保存了加密的个人信息，却没有数据密钥")
    if key.key is None:
        return ERASED
    try:
        tag, body = token[len(PREFIX):].split(":", 1)
        if _BY_TAG.get(tag) != key.profile:
            raise ValueError(tag)
        return _open(key.profile, key.key, base64.b64decode(body), key.aad).decode("utf-8")
    except (InvalidTag, binascii.Error, ValueError, UnicodeDecodeError):
        raise DataKeyError(f"案件 {case_id} 的一项加密个人信息无法解密（被改动过，或不属于本案）") from None


def decrypt_field(session: Session, case: Case, token: str | None) -> str | None:
    """The text ``token`` holds (None stays None); :data:`ERASED` once the case's key was shredded."""
    if token is None or not is_token(token):
        return token
    return decrypt_token(data_key(session, case), token, case.id)


def cached_key(session: Session, case_id: int) -> _DataKey | None:
    """A key :func:`load_keys` unwrapped (None: the case has none)."""
    return _cache(session).get(case_id)


def is_shredded(session: Session, case_id: int) -> bool:
    row = session.get(CaseDataKey, case_id)
    return row is not None and row.wrapped is None


def shred_key(session: Session, case: Case, *, by: str, reason: str, at: datetime) -> bool:
    """Delete the case's data key (False when it was shredded already). The caller logs it."""
    row = session.get(CaseDataKey, case.id)
    if row is not None and row.wrapped is None:
        return False
    if row is None:  # nothing was ever encrypted for it: the row records that the case's data is erased
        row = CaseDataKey(case_id=case.id, profile=configured_profile(), master_id="-", created_at=to_db(at))
        session.add(row)
    row.wrapped = None
    row.shredded_at = to_db(at)
    row.shredded_by = by
    row.shred_reason = reason
    _cache(session).pop(case.id, None)
    return True
