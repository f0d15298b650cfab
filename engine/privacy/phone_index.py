"""Residents' app phones (engine/people/resident_identity.py): stored encrypted, found by a keyed blind index.

A verified phone is looked up by the number a resident types (a code is sent to it, a token is issued for it),
so it cannot be stored as random ciphertext alone. It is stored twice, neither time readable:

* ``phone_index``: HMAC-SHA256 of the number under the *phone index key* — equal numbers give equal indexes,
  so lookups stay one indexed equality; without the key nobody can test guesses (11-digit numbers are few
  enough to enumerate against a plain hash). The key is kept like the data master key
  (:mod:`engine.privacy.masterkey`): ``$CASEGRID_PHONE_INDEX_KEY`` holds the key itself (32 bytes, base64) or the
  path of a file holding it; else ``phone-index.key`` in the instance folder, made (mode 0600) on first use.
  Keep it out of database backups and a copy in a safe place: without it no phone is found again (residents
  verify again and get new identities; their old reports stay theirs by handle only through support).
* ``phone``: the number sealed with AES-GCM under a key derived (HKDF-SHA256) from the data master key, bound
  to the identity's handle, as ``rp1:<master key id>:<base64 nonce+ciphertext>`` — read only to send the code
  or a followed report's progress.

This module is the hotline/resident-app session's, beside the privacy work's modules (which it does not change).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.config import instance_path
from engine.people.resident_identity import RECIPIENT_PREFIX, ResidentCode, ResidentIdentity
from engine.privacy.masterkey import MasterKey, MasterKeyError, load_key, master_key

INDEX_KEY_ENV = "CASEGRID_PHONE_INDEX_KEY"
INDEX_FILE_NAME = "phone-index.key"
PREFIX = "rp1:"
_INDEX_LABEL = b"casegrid resident phone index\x00"


def index_key() -> MasterKey:
    """The phone index key (read once per process and source; made in the instance folder if there is none)."""
    return load_key(INDEX_KEY_ENV, instance_path() / INDEX_FILE_NAME, "手机号索引密钥")


def phone_index(number: str) -> str:
    """The blind index of a (checked, normalised) number: HMAC-SHA256 under the index key, hex."""
    return hmac.new(index_key().key, _INDEX_LABEL + number.encode("utf-8"), hashlib.sha256).hexdigest()


def _sealing_key(master: MasterKey) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"casegrid resident phone seal").derive(master.key)


def _aad(handle: str) -> bytes:
    return b"resident_identity.phone\x00" + handle.encode("utf-8")


def seal_phone(number: str, handle: str) -> str:
    """``number`` encrypted for the identity ``handle`` (what :attr:`ResidentIdentity.phone` stores)."""
    master = master_key(create=True)
    nonce = os.urandom(12)
    sealed = nonce + AESGCM(_sealing_key(master)).encrypt(nonce, number.encode("utf-8"), _aad(handle))
    return f"{PREFIX}{master.key_id}:{base64.b64encode(sealed).decode('ascii')}"


def open_phone(stored: str, handle: str) -> str:
    """The number a stored :attr:`ResidentIdentity.phone` holds (:class:`MasterKeyError` under another key)."""
    if not stored.startswith(PREFIX):
        raise MasterKeyError("居民手机号不是加密存储的格式")
    key_id, _, body = stored[len(PREFIX):].partition(":")
    master = master_key(create=False)
    if key_id != master.key_id:
        raise MasterKeyError(f"居民手机号由另一把数据主密钥（{key_id}）加密，当前主密钥为 {master.key_id}")
    raw = base64.b64decode(body)
    try:
        return AESGCM(_sealing_key(master)).decrypt(raw[:12], raw[12:], _aad(handle)).decode("utf-8")
    except InvalidTag:
        raise MasterKeyError("居民手机号无法解密（被改动过？）") from None


def find_identity(session: Session, number: str) -> ResidentIdentity | None:
    """The identity of a (checked, normalised) number: one indexed equality on its blind index."""
    return session.scalar(select(ResidentIdentity).where(ResidentIdentity.phone_index == phone_index(number)))


def new_identity(number: str, handle: str, **fields: object) -> ResidentIdentity:
    return ResidentIdentity(phone=seal_phone(number, handle), phone_index=phone_index(number), handle=handle,
                            **fields)


def identity_phone(identity: ResidentIdentity) -> str:
    return open_phone(identity.phone, identity.handle)


def phone_of(session: Session, recipient: str) -> str | None:
    """The number a ``verification:<code id>`` recipient names (for the outbox), or None."""
    code_id = recipient.removeprefix(RECIPIENT_PREFIX)
    if not code_id.isdigit():
        return None
    code = session.get(ResidentCode, int(code_id))
    identity = session.get(ResidentIdentity, code.identity_id) if code is not None else None
    return identity_phone(identity) if identity is not None else None
