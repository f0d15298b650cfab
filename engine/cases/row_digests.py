"""Personal data in fact rows is committed as a keyed digest under the case's data key (row format 3).

Format 2 committed a party's name, phone and address, and a council member's name, as ``sha256:`` of the
value. A phone number does not survive that: there are about 10¹¹ of them, and anyone holding the chain
(an exported bundle, a backup, a payload shown as a proof) can hash them all in hours. From format 3 the
chain holds ``hmac-sha256:HMAC(k, value)`` (``hmac-sm3:`` under the 国密 data profile), where ``k`` is
derived (HKDF, its own label) from the case's data key of :mod:`engine.privacy.keys` — the key that is
itself only stored wrapped by the master key outside the database, and that crypto-shredding deletes:

* without the master key (a stolen backup, a bundle, a proof) a digest cannot be tested against guesses;
* once the case's data key is shredded nobody can link its digests to a value again, in any copy — the
  erasure reaches the chain too. Verify then cannot compare those columns, and says nothing of them (the
  other columns of the row are still compared): the value they protected is gone by design.

A value stored encrypted (a ``cg1:`` token) is digested as its plaintext, in every format: a table registers
such columns as ``clear=`` (:func:`engine.cases.record_rows.register`) and :meth:`CaseDigests.clear` reads
them under the case's data key first, so encrypting a column later (migration 0040: a mediation party's
name, phone and address) does not change what the chain holds. Once the key is shredded those columns
cannot be read, and verify skips them in format 2 as well. Cases opened before format 3 keep their ``sha256:`` digests and verify
under them (a case's format is named by its first event, :data:`engine.cases.record_rows.FORMAT_KEY`).
"""
from __future__ import annotations

import hashlib
import hmac as std_hmac
import json
from collections.abc import Iterable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.events import CaseEvent
from engine.cases.models import Case
from engine.privacy.keys import AES, _DataKey, cached_key, data_key, decrypt_token, is_token, load_keys

#: The first row format whose personal digests are keyed.
KEYED_FORMAT = 3
#: Committed in place of a digest for a case whose data key was shredded before the value was committed.
ERASED_DIGEST = "erased"
_LABEL = b"casegrid fact row digest"
#: Session cache: case id -> its row format; (case id, "key") -> derived digest key or None.
_CACHE = "casegrid_row_digests"


def plain_digest(value: str) -> str:
    """Format 1 and 2: unsalted sha256 of the value."""
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()


def _derive(key: _DataKey) -> tuple[str, bytes] | None:
    """(scheme, digest key) derived from an unwrapped data key; None once it was shredded."""
    if key.key is None:
        return None
    if key.profile == AES:
        return "hmac-sha256", HKDF(hashes.SHA256(), 32, salt=None, info=_LABEL).derive(key.key)
    return "hmac-sm3", HKDF(hashes.SM3(), 32, salt=None, info=_LABEL).derive(key.key)


def keyed_digest(derived: tuple[str, bytes], plain: str) -> str:
    scheme, key = derived
    if scheme == "hmac-sha256":
        mac = std_hmac.new(key, plain.encode("utf-8"), hashlib.sha256).hexdigest()
    else:
        signer = crypto_hmac.HMAC(key, hashes.SM3())
        signer.update(plain.encode("utf-8"))
        mac = signer.finalize().hex()
    return f"{scheme}:{mac}"


class CaseDigests:
    """Digests of personal values for the fact rows of one case, in its row format.

    ``key`` is the case's unwrapped data key (read lazily; ``create`` makes one at write time).
    """

    def __init__(self, row_format: int, key: _DataKey | None, case_id: int) -> None:
        #: ``key`` is also given in formats 1 and 2 when the case has one (its encrypted columns are read with it).
        self.row_format = row_format
        self.case_id = case_id
        self._key = key
        self._derived = _derive(key) if key is not None and row_format >= KEYED_FORMAT else None

    @property
    def comparable(self) -> bool:
        """Whether stored personal values can be checked against the chain (False once the key is shredded)."""
        return self.row_format < KEYED_FORMAT or self._derived is not None

    @property
    def erased(self) -> bool:
        """The case's data key was shredded: its encrypted columns cannot be read (nor compared) any more."""
        return self._key is not None and self._key.key is None

    def clear(self, value: object) -> object:
        """An encrypted column's value in clear (a value that is not a token is returned as it is).

        Raises :class:`engine.privacy.keys.DataKeyError` for a token the case's key does not open (edited,
        copied from another case) or a case with tokens and no key; :data:`ERASED` once shredded.
        """
        if not is_token(value) or self.missing_key:  # no key at all: verify names that, not this value
            return value
        return decrypt_token(self._key, str(value), self.case_id)

    @property
    def missing_key(self) -> bool:
        """A format-3 case with no data key at all (not shredded: its row is gone)."""
        return self.row_format >= KEYED_FORMAT and self._key is None

    def digest(self, value: object) -> str:
        text = str(value)
        if self.row_format < KEYED_FORMAT:
            return plain_digest(text)
        if self._derived is None:
            return ERASED_DIGEST
        if is_token(text):
            text = decrypt_token(self._key, text, self.case_id) or ""
        return keyed_digest(self._derived, text)


def _cache(session: Session) -> dict[object, object]:
    return session.info.setdefault(_CACHE, {})  # type: ignore[no-any-return]


def note_format(session: Session, case_id: int, row_format: int) -> None:
    """The case's first event names its format (kept for the rest of the transaction)."""
    _cache(session)[case_id] = row_format


def case_format(session: Session, case_id: int) -> int:
    """The row format the case was opened under (read from its first event once per session)."""
    cache = _cache(session)
    known = cache.get(case_id)
    if isinstance(known, int):
        return known
    from engine.cases.record_rows import FORMAT_KEY, ROWS_KEY

    with session.no_autoflush:
        payload = session.scalar(select(CaseEvent.payload).where(CaseEvent.case_id == case_id, CaseEvent.seq == 1))
    row_format = 1
    if payload and ROWS_KEY in payload:
        row_format = int(json.loads(payload).get(FORMAT_KEY, 1))
    cache[case_id] = row_format
    return row_format


def digests_for_write(session: Session, case_id: int) -> CaseDigests:
    """What a case commits for personal values now (makes the case's data key when format 3 needs one)."""
    row_format = case_format(session, case_id)
    case = session.get(Case, case_id)
    assert case is not None
    with session.no_autoflush:
        key = data_key(session, case, create=row_format >= KEYED_FORMAT)
    return CaseDigests(row_format, key, case_id)


def load_digest_keys(session: Session, case_ids: Iterable[int]) -> None:
    """Unwrap the data keys of a batch of cases at once (verify)."""
    load_keys(session, case_ids)


def digests_for_check(session: Session, case_id: int, row_format: int) -> CaseDigests:
    """How verify recomputes a case's personal digests (keys loaded by :func:`load_digest_keys`)."""
    key = cached_key(session, case_id)
    if key is None:
        case = session.get(Case, case_id)
        key = data_key(session, case) if case is not None else None
    return CaseDigests(row_format, key, case_id)
