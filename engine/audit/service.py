"""The audit workspace's service: replay, integrity, checkpoints, export and the data-use log.

Each call is one transaction (or one read); access is checked here, whatever the interface.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from engine.audit import checkpoints, disclosure, search
from engine.audit.access_log import AccessLogPage, access_log_page
from engine.audit.bundle import BundleCheck, Export, export_case, verify_bundle
from engine.audit.checkpoints import CheckpointInfo, CheckpointResult, CheckpointReview
from engine.audit.keys import AuditKeyError, KeySource, LazyKey, SigningKey, environment_key, resolve
from engine.audit.verify import CaseCheck, verify_case, verify_cases
from engine.audit.views import CaseReplay, case_replay
from engine.cases.models import Case
from engine.cases.queries import find_case
from engine.cases.views import CaseSearchPage
from engine.clock import Clock, SystemClock
from engine.config import instance_path
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
    def __init__(self, db: Database, clock: Clock | None = None, signing_key: KeySource | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self._key = signing_key

    @property
    def key(self) -> SigningKey | None:
        """The signing key (loaded, and its file created, on first use); None when none is configured."""
        return resolve(self._key) if self._key is not None else None

    def _required_key(self) -> SigningKey:
        key = self.key
        if key is None:
            raise AuditKeyError("未配置审计密钥（CASEGRID_AUDIT_KEY 或实例目录下的 audit_key 文件）")
        return key

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
        disclosure.check_may_audit(actor)
        with self.db.reading() as s:
            return case_replay(s, ref)

    # -- integrity ---------------------------------------------------------------------------------

    def verify_case(self, ref: str, actor: Actor) -> IntegrityReport:
        """Chain, signed heads, replay to the snapshot, and the signatures of this case's signed heads."""
        disclosure.check_may_audit(actor)
        started = time.perf_counter()
        key = self.key
        with self.db.reading() as s:
            case = find_case(s, ref)
            heads = checkpoints.signed_heads(s, case.uuid).get(case.uuid, [])
            check = verify_case(s, case, heads)
            problems = [f"签名检查点 #{h.checkpoint_id} 中该案件第 {h.seq} 个事件的链头签名无效（检查点被改写）"
                        for h in heads if key is not None and h.key_id == key.key_id
                        and not key.verify(h.message(case.uuid), h.signature)]
            notes = [] if key is not None or not heads else ["未配置审计密钥：未核对检查点签名"]
            review = CheckpointReview(len({h.checkpoint_id for h in heads}), len(heads), tuple(problems),
                                      tuple(notes))
            latest = checkpoints.latest_checkpoint(s)
            return IntegrityReport("case", 1, check.events, () if check.ok else (check,), 0 if check.ok else 1,
                                   review, CheckpointInfo.of(latest) if latest else None,
                                   time.perf_counter() - started)

    def verify_all(self, actor: Actor | None = None) -> IntegrityReport:
        """Every case (chain, signed heads, replay) and the checkpoints themselves."""
        if actor is not None:
            disclosure.check_may_audit(actor)
        started = time.perf_counter()
        cases = events = failed = 0
        failures: list[CaseCheck] = []
        with self.db.reading() as s:
            review = checkpoints.review_checkpoints(s, self.key)
            for check in verify_cases(s):
                cases += 1
                events += check.events
                if not check.ok:
                    failed += 1
                    if len(failures) < MAX_LISTED_FAILURES:
                        failures.append(check)
            latest = checkpoints.latest_checkpoint(s)
            return IntegrityReport("all", cases, events, tuple(failures), failed, review,
                                   CheckpointInfo.of(latest) if latest else None, time.perf_counter() - started)

    # -- checkpoints -------------------------------------------------------------------------------

    def checkpoint(self, by: str = "system") -> CheckpointResult:
        """Sign the chain heads that moved since the last checkpoint (the periodic sweep calls this)."""
        key = self._required_key()
        with self.db.transaction() as s:
            return checkpoints.sign_checkpoint(s, key, at=self.clock.now(), by=by)

    def latest_checkpoint(self) -> CheckpointInfo | None:
        with self.db.reading() as s:
            latest = checkpoints.latest_checkpoint(s)
            return CheckpointInfo.of(latest) if latest else None

    def review_checkpoints(self) -> CheckpointReview:
        with self.db.reading() as s:
            return checkpoints.review_checkpoints(s, self.key)

    # -- sensitive data and exports ----------------------------------------------------------------

    def check_may_unmask(self, ref: str, actor: Actor) -> None:
        """Raise unless ``actor`` may ask to see the case's reporter unmasked (nothing is logged)."""
        with self.db.reading() as s:
            disclosure.may_unmask(s, actor, ref)

    def unmask_reporter(self, ref: str, actor: Actor, reason: str) -> disclosure.Disclosure:
        """The reporter's contact in full; the access log entry is written in the same transaction."""
        with self.db.transaction() as s:
            return disclosure.unmask_reporter(s, ref, actor, reason, at=self.clock.now())

    def check_may_export(self, ref: str, actor: Actor) -> str:
        """The case's tracking code, if ``actor`` may export it."""
        disclosure.check_may_audit(actor)
        with self.db.reading() as s:
            return find_case(s, ref).tracking_code

    def export(self, ref: str, actor: Actor, reason: str) -> Export:
        """The case's signed bundle; the export is written to the access log first (same transaction)."""
        disclosure.check_may_audit(actor)
        key = self._required_key()
        with self.db.transaction() as s:
            return export_case(s, ref, actor, reason, key, at=self.clock.now())

    def verify_bundle(self, data: bytes) -> BundleCheck:
        return verify_bundle(data, self.key)

    def access_log(self, actor: Actor, *, username: str | None = None, tracking_code: str | None = None,
                   kind: str | None = None, page: int = 1, page_size: int = 50) -> AccessLogPage:
        disclosure.check_may_audit(actor)
        with self.db.reading() as s:
            return access_log_page(s, username=username, tracking_code=tracking_code, kind=kind, page=page,
                                   page_size=page_size)

    def counts(self) -> dict[str, Any]:
        """How big the record is: cases and events (for the integrity page)."""
        with self.db.reading() as s:
            cases, events = s.execute(select(func.count(Case.id), func.coalesce(func.sum(Case.last_seq), 0))).one()
            return {"cases": cases, "events": events}



def default_audit_service(db: Database, clock: Clock | None = None) -> AuditService:
    """For the command line and the scheduled flows: the key from ``$CASEGRID_AUDIT_KEY`` or the instance folder."""
    return AuditService(db, clock, LazyKey(lambda: environment_key(instance_path())))
