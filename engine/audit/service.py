"""The audit workspace's service: replay, integrity, checkpoints, export and the data-use log.

Each call is one transaction (or one read); access is checked here, whatever the interface.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from engine.audit import checkpoints, core_access, disclosure, search
from engine.audit.access_log import AccessLogPage
from engine.audit.access_log_query import AccessLogFilter, matching_rows, search_access_log
from engine.audit.access_log_query import file_stem as access_log_file_stem
from engine.audit.access_log_query import to_csv as access_log_csv
from engine.audit.access_log_query import to_xlsx as access_log_xlsx
from engine.audit.bundle import BundleCheck, Export, export_case, verify_bundle
from engine.audit.checkpoints import CheckpointInfo, CheckpointResult, CheckpointReview
from engine.audit.keys import (
    AuditKeyError,
    KeySource,
    LazyKey,
    RingSource,
    environment_key,
    environment_ring,
    resolve,
    resolve_ring,
)
from engine.audit.signing import KeyRing, PrivateKey
from engine.audit.verify import CaseCheck, verify_case, verify_cases
from engine.audit.read_models import CaseReplay, case_replay
from engine.cases.models import Case
from engine.evidence.bundle import evidence_section
from engine.evidence.store import Store
from engine.cases.search import CaseSearchPage
from engine.clock import Clock, SystemClock
from engine.db import Database
from engine.people.actor import Actor

#: Failed cases an integrity report lists (it counts them all).
MAX_LISTED_FAILURES = 100


@dataclass(frozen=True)
class IntegrityReport:
    """The result of checking one case or the whole database."""

    #: ``case`` or ``all``.
    scope: str
    cases: int
    events: int
    #: The cases that failed (at most :data:`MAX_LISTED_FAILURES`), in case order.
    failures: tuple[CaseCheck, ...]
    failed: int
    checkpoints: CheckpointReview
    latest_checkpoint: CheckpointInfo | None
    seconds: float

    @property
    def ok(self) -> bool:
        return self.failed == 0 and not self.checkpoints.problems

    @property
    def first_failure(self) -> CaseCheck | None:
        return self.failures[0] if self.failures else None


class AuditService:
    def __init__(self, db: Database, clock: Clock | None = None, signing_key: KeySource | None = None,
                 public_keys: RingSource | None = None, evidence_store: Store | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self._key = signing_key
        self._ring = public_keys
        #: Where the evidence files an exported bundle carries are read from (None: the bundle carries none).
        self.evidence_store = evidence_store

    @property
    def ring(self) -> KeyRing | None:
        """The public keys heads and bundles are checked with (the signing key's own when no ring is given)."""
        ring = resolve_ring(self._ring)
        if ring is None and self._key is not None:
            try:
                return KeyRing.of([resolve(self._key).public_key])
            except AuditKeyError:
                return None
        return ring

    def _required_key(self) -> PrivateKey:
        if self._key is None:
            raise AuditKeyError("未配置签名私钥：运行 casegrid audit keygen，或设置 $CASEGRID_AUDIT_SIGNING_KEY")
        return resolve(self._key)

    # -- reading the record ------------------------------------------------------------------------

    def search(self, actor: Actor, flt: search.AuditFilter, *, page: int = 1, page_size: int = 25) -> CaseSearchPage:
        disclosure.check_may_audit(actor)
        with self.db.reading() as s:
            return search.audit_search(s, actor, flt, page=page, page_size=page_size)

    def outcomes(self) -> list[str]:
        with self.db.reading() as s:
            return search.outcomes(s)

    def replay(self, ref: str, actor: Actor) -> CaseReplay:
        """Every step of the case's history, for the replay view."""
        with self.db.reading() as s:
            disclosure.audited_case(s, actor, ref)
            return case_replay(s, ref)

    # -- integrity ---------------------------------------------------------------------------------

    def verify_case(self, ref: str, actor: Actor) -> IntegrityReport:
        """Chain, pinned versions and replay to the snapshot of one case (the log is checked as a whole)."""
        started = time.perf_counter()
        with self.db.reading() as s:
            case = disclosure.audited_case(s, actor, ref)
            check = verify_case(s, case)
            latest = checkpoints.latest_checkpoint(s)
            return IntegrityReport("case", 1, check.events, () if check.ok else (check,), 0 if check.ok else 1,
                                   checkpoints.CheckpointReview(0, 0, (), ()), latest,
                                   time.perf_counter() - started)

    def verify_all(self, actor: Actor | None = None) -> IntegrityReport:
        """Every case (chain, signed heads, replay) and the checkpoints themselves."""
        if actor is not None:
            disclosure.check_may_audit(actor)
        started = time.perf_counter()
        cases = events = failed = 0
        failures: list[CaseCheck] = []
        with self.db.reading() as s:
            review = checkpoints.review_checkpoints(s, self.ring)
            for check in verify_cases(s):
                cases += 1
                events += check.events
                if not check.ok:
                    failed += 1
                    if len(failures) < MAX_LISTED_FAILURES:
                        failures.append(check)
            return IntegrityReport("all", cases, events, tuple(failures), failed, review,
                                   checkpoints.latest_checkpoint(s), time.perf_counter() - started)

    # -- checkpoints -------------------------------------------------------------------------------

    def checkpoint(self, by: str = "system") -> CheckpointResult:
        """Sign a tree head of the Merkle log now (the sweep does it every 10 minutes by itself)."""
        key = self._required_key()
        with self.db.transaction() as s:
            return checkpoints.sign_checkpoint(s, key, at=self.clock.now(), by=by)

    def latest_checkpoint(self) -> CheckpointInfo | None:
        with self.db.reading() as s:
            return checkpoints.latest_checkpoint(s)

    def review_checkpoints(self) -> CheckpointReview:
        with self.db.reading() as s:
            return checkpoints.review_checkpoints(s, self.ring)

    # -- sensitive data and exports ----------------------------------------------------------------

    def check_may_unmask(self, ref: str, actor: Actor) -> None:
        """Raise unless ``actor`` may ask to see the case's reporter unmasked (nothing is logged)."""
        with self.db.reading() as s:
            disclosure.may_unmask(s, actor, ref)

    def unmask_reporter(self, ref: str, actor: Actor, purpose: str, detail: str) -> disclosure.Disclosure:
        """The reporter's contact in full; the access log entry (purpose and detail) is written in the same
        transaction."""
        with self.db.transaction() as s:
            return disclosure.unmask_reporter(s, ref, actor, purpose, detail, at=self.clock.now())

    def core_requests(self, actor: Actor) -> tuple[list[core_access.RequestRow], list[core_access.RequestRow]]:
        """The approver's page: requests to see core data waiting, then the latest decided."""
        with self.db.reading() as s:
            return core_access.requests_for_approver(s, actor)

    def decide_core_request(self, request_id: int, actor: Actor, *, approve: bool, note: str | None) -> None:
        """Approve or refuse a request to see core data; the decision goes to the access log with it."""
        with self.db.transaction() as s:
            core_access.decide(s, request_id, actor, approve=approve, note=note, at=self.clock.now())

    def check_may_export(self, ref: str, actor: Actor) -> str:
        """The case's tracking code, if ``actor`` may export it."""
        with self.db.reading() as s:
            return disclosure.audited_case(s, actor, ref).tracking_code

    def export(self, ref: str, actor: Actor, reason: str) -> Export:
        """The case's signed bundle; the export is written to the access log first (same transaction)."""
        disclosure.check_may_audit(actor)
        key = self._required_key()
        store = self.evidence_store
        section = (lambda events: evidence_section(store, events)) if store is not None else None
        with self.db.transaction() as s:
            disclosure.audited_case(s, actor, ref)
            return export_case(s, ref, actor, reason, key, at=self.clock.now(), evidence=section)

    def verify_bundle(self, data: bytes) -> BundleCheck:
        return verify_bundle(data, self.ring)

    def access_log(self, actor: Actor, flt: AccessLogFilter | None = None, *, page: int = 1,
                   page_size: int = 50) -> AccessLogPage:
        """One page of the data-use log, newest first, filtered by who, case, kind, purpose and days."""
        disclosure.check_may_audit(actor)
        with self.db.reading() as s:
            return search_access_log(s, flt or AccessLogFilter(), page=page, page_size=page_size)

    def access_log_export(self, actor: Actor, flt: AccessLogFilter, fmt: str) -> tuple[str, bytes]:
        """The matching entries as ``csv`` or ``xlsx``: (file name, content)."""
        disclosure.check_may_audit(actor)
        with self.db.reading() as s:
            rows = matching_rows(s, flt)
        stem = access_log_file_stem(flt, self.clock.now())
        return (f"{stem}.csv", access_log_csv(rows)) if fmt == "csv" else (f"{stem}.xlsx", access_log_xlsx(rows))

    def counts(self) -> dict[str, Any]:
        """How big the record is: cases and events (for the integrity page)."""
        with self.db.reading() as s:
            cases, events = s.execute(select(func.count(Case.id), func.coalesce(func.sum(Case.last_seq), 0))).one()
            return {"cases": cases, "events": events}



def default_audit_service(db: Database, clock: Clock | None = None) -> AuditService:
    """For the command line and the scheduled flows: the signing key and public ring the environment configures."""
    return AuditService(db, clock, LazyKey(environment_key), environment_ring)
