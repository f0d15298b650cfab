"""Public-key signatures of tree heads and bundles: Ed25519 with SHA-256, or the 国密 profile SM2 with SM3.

Whoever verifies needs only the public key; the private key signs and never goes into the database.
A key is named by its id, the first 16 hex digits of the SHA-256 of its public key, and every head
records the profile and key id it was signed with, so that a rotated key's old heads still verify
against the old public key kept in the auditor's key ring.

Key files are small JSON documents: the private one ``{"format", "profile", "private", "public"}``
(hex), the public ring ``{"format", "keys": [{"profile", "public", "key_id", "created_at"}, …]}``.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from engine.audit.merkle import HashFn, sha256
from engine.errors import CasegridError

ED25519 = "ed25519-sha256"
SM2 = "sm2-sm3"
PROFILES = (ED25519, SM2)
KEY_FORMAT = "casegrid-audit-key/1"
RING_FORMAT = "casegrid-audit-public-keys/1"
#: The identity SM2 signatures are bound to (GB/T 32918's default user id).
SM2_USER_ID = "1234567812345678"


class SigningKeyError(CasegridError):
    """A key file that is missing, unreadable or not a casegrid audit key."""

    code = "audit_key"


def sm3(data: bytes) -> bytes:
    try:
        return hashlib.new("sm3", data).digest()  # OpenSSL's, when it has SM3 (3.0 does)
    except ValueError:  # pragma: no cover - an OpenSSL built without SM3
        from gmssl import func, sm3 as gm_sm3
        return bytes.fromhex(gm_sm3.sm3_hash(func.bytes_to_list(data)))


def hash_of(profile: str) -> HashFn:
    """The hash function of a profile: the Merkle tree and what is signed use it."""
    if profile == ED25519:
        return sha256
    if profile == SM2:
        return sm3
    raise SigningKeyError(f"未知的签名算法配置 {profile!r}（应为 {' / '.join(PROFILES)}）")


def key_id_of(public_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(public_hex)).hexdigest()[:16]


@dataclass(frozen=True)
class PublicKey:
    profile: str
    public: str  # hex

    @property
    def key_id(self) -> str:
        return key_id_of(self.public)

    def verify(self, message: bytes, signature: str) -> bool:
        try:
            sig = bytes.fromhex(signature)
        except (TypeError, ValueError):
            return False
        if self.profile == ED25519:
            try:
                Ed25519PublicKey.from_public_bytes(bytes.fromhex(self.public)).verify(sig, message)
                return True
            except (InvalidSignature, ValueError):
                return False
        if self.profile == SM2:
            from gmssl import sm2
            try:
                return bool(sm2.CryptSM2(private_key=None, public_key=self.public, mode=1)
                            .verify_with_sm3(sig.hex(), message))
            except Exception:  # a malformed signature is a failed check, never a crash
                return False
        return False

    def as_dict(self) -> dict[str, str]:
        return {"profile": self.profile, "public": self.public, "key_id": self.key_id}


@dataclass(frozen=True)
class PrivateKey:
    profile: str
    private: str = field(repr=False)  # hex
    public_key: PublicKey = field(default=None)  # type: ignore[assignment]

    @property
    def key_id(self) -> str:
        return self.public_key.key_id

    def sign(self, message: bytes) -> str:
        if self.profile == ED25519:
            return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(self.private)).sign(message).hex()
        from gmssl import sm2
        signer = sm2.CryptSM2(private_key=self.private, public_key=self.public_key.public, mode=1)
        return str(signer.sign_with_sm3(message, secrets.token_hex(32)))


def generate(profile: str = ED25519) -> PrivateKey:
    hash_of(profile)  # refuses an unknown profile
    if profile == ED25519:
        key = Ed25519PrivateKey.generate()
        private = key.private_bytes_raw().hex()
        public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    else:
        from gmssl import sm2
        n = int(sm2.default_ecc_table["n"], 16)
        d = secrets.randbelow(n - 2) + 1
        private = f"{d:064x}"
        curve = sm2.CryptSM2(private_key=private, public_key="", mode=1)
        public = curve._kg(d, sm2.default_ecc_table["g"])  # the point d·G, uncompressed x‖y (hex)
    return PrivateKey(profile, private, PublicKey(profile, public))


# -- files -----------------------------------------------------------------------------------------

def private_key_text(key: PrivateKey) -> str:
    return json.dumps({"format": KEY_FORMAT, "profile": key.profile, "private": key.private,
                       "public": key.public_key.public, "key_id": key.key_id}, indent=1) + "\n"


def parse_private_key(text: str, where: str) -> PrivateKey:
    try:
        data = json.loads(text)
        if data.get("format") != KEY_FORMAT:
            raise ValueError
        profile, private, public = str(data["profile"]), str(data["private"]), str(data["public"])
        hash_of(profile)
        bytes.fromhex(private), bytes.fromhex(public)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise SigningKeyError(f"{where} 不是 casegrid 审计签名私钥（应由 casegrid audit keygen 生成）") from None
    return PrivateKey(profile, private, PublicKey(profile, public))


def _public_keys_in(data: Any, where: str) -> list[PublicKey]:
    if isinstance(data, dict) and data.get("format") == RING_FORMAT:
        entries = data.get("keys") or []
    elif isinstance(data, dict) and "public" in data:  # a private key file or a single public key
        entries = [data]
    else:
        raise SigningKeyError(f"{where} 不是 casegrid 审计公钥文件")
    keys = []
    for entry in entries:
        try:
            key = PublicKey(str(entry["profile"]), str(entry["public"]))
            hash_of(key.profile)
            bytes.fromhex(key.public)
        except (KeyError, TypeError, ValueError):
            raise SigningKeyError(f"{where} 中有无法读取的公钥") from None
        keys.append(key)
    return keys


def parse_public_keys(text: str, where: str) -> list[PublicKey]:
    try:
        data = json.loads(text)
    except ValueError:
        raise SigningKeyError(f"{where} 不是 casegrid 审计公钥文件（不是 JSON）") from None
    return _public_keys_in(data, where)


def ring_text(keys: Iterable[PublicKey], created: dict[str, str] | None = None) -> str:
    created = created or {}
    return json.dumps({"format": RING_FORMAT, "keys": [
        {**k.as_dict(), **({"created_at": created[k.key_id]} if k.key_id in created else {})} for k in keys]},
        indent=1) + "\n"


@dataclass(frozen=True)
class KeyRing:
    """Public keys by id: what a verifier trusts."""

    keys: dict[str, PublicKey]

    @classmethod
    def of(cls, keys: Iterable[PublicKey]) -> KeyRing:
        return cls({k.key_id: k for k in keys})

    def get(self, key_id: str) -> PublicKey | None:
        return self.keys.get(key_id)

    def __bool__(self) -> bool:
        return bool(self.keys)
