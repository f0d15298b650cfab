"""Residents' apps (a WeChat mini-program, 随手拍): a phone verified by a code, then a short-lived token that acts
only on the reports filed with it.

1. :meth:`ResidentAppService.request_code` writes a 6-digit code to the outbox for the phone (recipient
   ``verification:<id>``, delivered on the ``sms`` channel by the deployment's senders, like every message);
   only the code's hash is kept, it lasts :data:`CODE_LIFETIME` and takes :data:`MAX_ATTEMPTS` guesses.
2. :meth:`ResidentAppService.verify` trades phone and code for a token (``cgr_…``, :data:`TOKEN_LIFETIME`);
   only its hash is kept.
3. A report filed with the token is the phone's: its reporter key is issued to the phone's *handle*
   (``app:<random>``, :attr:`ResidentIdentity.handle`), which is what :func:`engine.cases.reporter_key.check_reporter`
   compares — the token acts on those reports and on nothing else.

**Personal data.** The phone number is stored in :attr:`ResidentIdentity.phone`, encrypted, and found by its
keyed blind index (:mod:`engine.privacy.phone_index`), and, for a report the resident follows, in that report's subscription, as for any reporter who leaves a
contact. Everything else names the identity by its id or random handle.
"""
from __future__ import annotations

import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.hooks import HookRegistry
from engine.cases.intake import Intake
from engine.cases.models import Case, Notification
from engine.cases.operations import open_case
from engine.cases.reporter_key import APP_HANDLE_PREFIX, ReporterKey
from engine.clock import Clock, as_utc, to_db
from engine.db import Database
from engine.errors import ConflictError, NotFound, ValidationError
from engine.evidence.operations import attach
from engine.notify import residents
from engine.notify.residents import MOBILE
from engine.people.actor import Actor, reporter_account
from engine.people.resident_identity import RECIPIENT_PREFIX, ResidentCode, ResidentIdentity, ResidentSession
from engine.privacy.phone_index import find_identity, identity_phone, new_identity
from engine.people.tokens import hash_token
from engine.cases.location import Location, check_location, keep_point
from engine.public.my_reports import MyReport, keep_for_account, my_reports

CODE_LIFETIME = timedelta(minutes=10)
#: Wrong codes before a code is void (a new one must be asked for).
MAX_ATTEMPTS = 5
#: Codes one phone may be sent per hour (each is an SMS someone pays for).
CODES_PER_HOUR = 5
TOKEN_LIFETIME = timedelta(hours=2)
TOKEN_PREFIX = "cgr_"
#: The channel a verification code goes out on (the signed webhook's SMS relay).
CHANNEL = "sms"
HANDLE_PREFIX = APP_HANDLE_PREFIX
CHANNEL_NAME = "resident_app"


@dataclass(frozen=True)
class Resident:
    """The verified phone behind a token: its identity id and handle (never the number)."""

    identity_id: int
    handle: str


@dataclass(frozen=True)
class IssuedToken:
    token: str = field(repr=False)
    expires_at: datetime


def check_phone(phone: str) -> str:
    number = (phone or "").strip().replace(" ", "").replace("-", "")
    if not MOBILE.match(number):
        raise ValidationError("手机号码有误", {"phone": "请填写 11 位手机号码"})
    return number


def _identity(session: Session, phone: str, at: datetime) -> ResidentIdentity:
    identity = find_identity(session, phone)
    if identity is None:
        identity = new_identity(phone, HANDLE_PREFIX + secrets.token_urlsafe(18), created_at=to_db(at))
        session.add(identity)
        session.flush()
    return identity


def _own_case(session: Session, who: Resident, code: str) -> Case:
    """A case filed with ``who``'s phone; :class:`NotFound` for any other (others' cases cannot be probed)."""
    case = session.scalar(select(Case).join(ReporterKey, ReporterKey.case_id == Case.id).where(
        Case.tracking_code == (code or "").strip().upper()[:40], ReporterKey.issued_by == who.handle))
    if case is None:
        raise NotFound("没有找到您提交的这条报告")
    return case


class ResidentAppService:
    def __init__(self, db: Database, clock: Clock, hooks: HookRegistry, max_files_per_case: int = 30) -> None:
        self.db, self.clock, self.hooks, self.max_files_per_case = db, clock, hooks, max_files_per_case

    # -- signing in -----------------------------------------------------------------------------------------

    def request_code(self, phone: str) -> None:
        """Write a new code to the outbox for ``phone`` (:class:`ConflictError` past :data:`CODES_PER_HOUR`)."""
        number = check_phone(phone)
        now = self.clock.now()
        with self.db.transaction() as s:
            identity = _identity(s, number, now)
            recent = s.scalar(select(func.count()).select_from(ResidentCode).where(
                ResidentCode.identity_id == identity.id, ResidentCode.created_at > to_db(now - timedelta(hours=1))))
            if (recent or 0) >= CODES_PER_HOUR:
                raise ConflictError("验证码发送过于频繁，请一小时后再试")
            code = f"{secrets.randbelow(10**6):06d}"
            row = ResidentCode(identity_id=identity.id, code_hash=hash_token(code), created_at=to_db(now),
                               expires_at=to_db(now + CODE_LIFETIME), attempts=0)
            s.add(row)
            s.flush()
            minutes = int(CODE_LIFETIME.total_seconds() // 60)
            s.add(Notification(case_id=None, recipient=f"{RECIPIENT_PREFIX}{row.id}", kind="verification_code",
                               message=f"您的验证码为 {code}，{minutes} 分钟内有效。如非本人操作请忽略。",
                               created_at=to_db(now), urgent=True, params="{}"))

    def verify(self, phone: str, code: str) -> IssuedToken:
        """A token for the phone whose newest live code is ``code``; :class:`ValidationError` otherwise."""
        number = check_phone(phone)
        now = self.clock.now()
        wrong = ValidationError("验证码有误", {"code": "验证码错误或已过期，请重新获取"})
        issued: IssuedToken | None = None
        with self.db.transaction() as s:
            identity = find_identity(s, number)
            row = s.scalar(select(ResidentCode).where(
                ResidentCode.identity_id == identity.id, ResidentCode.used_at.is_(None),
                ResidentCode.expires_at > to_db(now), ResidentCode.attempts < MAX_ATTEMPTS)
                .order_by(ResidentCode.id.desc()).limit(1)) if identity is not None else None
            if row is None or identity is None:
                raise wrong
            if not hmac.compare_digest(row.code_hash, hash_token((code or "").strip()[:20])):
                row.attempts += 1  # committed: a wrong guess counts although the request fails
            else:
                row.used_at = to_db(now)
                issued = IssuedToken(TOKEN_PREFIX + secrets.token_urlsafe(32), now + TOKEN_LIFETIME)
                s.add(ResidentSession(token_hash=hash_token(issued.token), identity_id=identity.id,
                                      issued_at=to_db(now), expires_at=to_db(issued.expires_at)))
        if issued is None:
            raise wrong
        return issued

    def authenticate(self, token: str) -> Resident | None:
        if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
            return None
        with self.db.reading() as s:
            row = s.get(ResidentSession, hash_token(token))
            if row is None or as_utc(row.expires_at) <= self.clock.now():
                return None
            identity = s.get(ResidentIdentity, row.identity_id)
            return Resident(identity.id, identity.handle) if identity is not None else None

    # -- reports ----------------------------------------------------------------------------------------------

    def report(self, who: Resident, intake: Intake, location: Location, *, evidence: Sequence[str] = (),
               follow: bool = False, link: str = "") -> str:
        """File a report as ``who`` (photos, location) in one transaction; the tracking code.

        ``follow``: send its progress to the verified phone (consent given in the app)."""
        check_location(location)
        actor = Actor(f"resident:{CHANNEL_NAME}", "resident")
        now = self.clock.now()
        with self.db.transaction() as s:
            intake = Intake(**{**intake.__dict__, "channel": CHANNEL_NAME, "reporter_phone": None,
                               "address": (location.address or "").strip() or None})
            opened = open_case(s, intake, actor=actor, at=now, hooks=self.hooks)
            keep_for_account(s, opened.case, who.handle)
            keep_point(s, opened.case.id, location)
            if evidence:
                attach(s, opened.case, evidence, purpose="report", actor=actor, at=now,
                       max_per_case=self.max_files_per_case)
            if follow:
                self._follow(s, who, opened.case, now, link)
            s.flush()
            return opened.case.tracking_code

    def reports(self, who: Resident) -> list[MyReport]:
        with self.db.reading() as s:
            return my_reports(s, username=who.handle)

    def case_id(self, who: Resident, code: str) -> int:
        """The id of ``who``'s own case ``code`` (:class:`NotFound` for anyone else's)."""
        with self.db.reading() as s:
            return _own_case(s, who, code).id

    def reporter(self, who: Resident, code: str) -> Actor:
        """The reporter of ``who``'s own case ``code``, to rate it or add to it through the engine."""
        with self.db.reading() as s:
            case = _own_case(s, who, code)
            return reporter_account(case.tracking_code, who.handle)

    def following(self, who: Resident, code: str) -> bool:
        with self.db.reading() as s:
            return residents.subscribed(s, _own_case(s, who, code).id)

    def follow(self, who: Resident, code: str, *, link: str = "") -> bool:
        """Send the case's progress to the verified phone; False when it was followed already."""
        with self.db.transaction() as s:
            case = _own_case(s, who, code)
            if residents.subscribed(s, case.id):
                return False
            self._follow(s, who, case, self.clock.now(), link)
            return True

    def withdraw(self, who: Resident, code: str) -> bool:
        """Withdraw consent: nothing more is sent about the case (queued messages are cancelled)."""
        with self.db.transaction() as s:
            case = _own_case(s, who, code)
            try:
                return residents.withdraw(s, case.id, self.clock.now())
            except NotFound:
                return False

    @staticmethod
    def _follow(session: Session, who: Resident, case: Case, at: datetime, link: str) -> None:
        identity = session.get(ResidentIdentity, who.identity_id)
        assert identity is not None
        existing = session.get(residents.ResidentSubscription, case.id)
        if existing is not None:  # followed before and withdrawn: consent given again
            existing.withdrawn_at, existing.consented_at = None, to_db(at)
            existing.channel, existing.address = CHANNEL, identity_phone(identity)
            return
        residents.subscribe(session, case, CHANNEL, identity_phone(identity), at=at, link=link)
