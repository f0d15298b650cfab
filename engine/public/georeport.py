"""Civic-loop cases as Open311 GeoReport v2 services and service requests (the interface words them).

Services are the issue categories (``service_code`` is the category's id: category
names are Chinese and never renamed, ids are short and URL-safe). A request is
addressed only by its tracking code, never by a database id. What a request shows
is what the public tracking page shows — no reporter name, phone or staff account;
free text passes through :func:`~engine.public.redaction.redact` — plus the location
an Open311 client sent with it (the client chose to publish that).
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.cases.events import CaseEvent
from engine.cases.hooks import HookRegistry
from engine.cases.intake import Intake
from engine.cases.location import ADDRESS_ID_MAX, CaseLocation, Location, check_location, keep_point
from engine.cases.models import Case, WorkItem
from engine.cases.operations import open_case
from engine.clock import Clock, as_utc, to_db
from engine.db import Base, Database
from engine.errors import NotFound, ValidationError
from engine.evidence.operations import LINK_EVENT_TYPE, attach, check_link, link
from engine.evidence.queries import first_public_photos
from engine.people.actor import Actor
from engine.people.category import Category
from engine.people.models import Department
from engine.public.privacy import normalise_code
from engine.public.redaction import redact
from engine.public.read_models import people_of

PROCESS_KEY = "civic_loop"
#: GeoReport's defaults for a listing without dates, and its most rows.
DEFAULT_WINDOW = timedelta(days=90)
MAX_ROWS = 1000
STATUSES = ("open", "closed")
#: GeoReport makes ``description`` optional; a case needs one, so a request without it gets this (and reads
#: back without a description).
NO_DESCRIPTION = "（未填写问题描述）"


class CaseAddressRef(Base):
    """The ``address_id`` an Open311 client located the issue by (an id in the jurisdiction's address register)."""

    __tablename__ = "case_address_ref"

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), primary_key=True)
    address_id: Mapped[str] = mapped_column(String(ADDRESS_ID_MAX), nullable=False)

    def __repr__(self) -> str:
        return f"<CaseAddressRef case={self.case_id} {self.address_id}>"


@dataclass(frozen=True)
class ServiceDef:
    code: str
    name: str


@dataclass(frozen=True)
class ServiceRequest:
    #: The tracking code.
    id: str
    status: str
    #: The outcome code of a closed case (resolved, rejected, merged …).
    outcome: str | None
    service_code: str | None
    service_name: str
    description: str | None
    #: Name of the department responsible now (None until one is assigned).
    agency: str | None
    requested_at: datetime
    updated_at: datetime
    #: The earliest deadline of the case's open work.
    expected_at: datetime | None
    address: str | None
    lat: float | None
    long: float | None
    #: The EXIF-free public copy of the request's first public photo (its SHA-256), for ``media_url``.
    media_sha256: str | None = None
    #: The address register id the client gave, if any.
    address_id: str | None = None
    #: The photo link the client gave (``media_url`` on POST), when the request has no photo of its own.
    media_link: str | None = None


@dataclass(frozen=True)
class Submitted:
    """A new request and its reporter key: the integration passes the private link on to the resident."""

    request: ServiceRequest
    reporter_key: str = field(repr=False)


@dataclass(frozen=True)
class RequestFilter:
    ids: Sequence[str] = ()
    service_code: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    statuses: Sequence[str] = ()


def services(session: Session) -> list[ServiceDef]:
    """The categories a new request may name, in the order forms list them."""
    rows = session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.sort_order,
                                                                                     Category.id))
    return [ServiceDef(str(c.id), c.name) for c in rows]


def _is_code(code: str) -> bool:
    return code.isascii() and code.isdigit() and len(code) < 10


def service(session: Session, code: str) -> ServiceDef:
    """An active category by its code; :class:`NotFound` otherwise."""
    category = session.get(Category, int(code)) if _is_code(code) else None
    if category is None or not category.active:
        raise NotFound(f"服务代码 {code} 不存在")
    return ServiceDef(str(category.id), category.name)


def _window(flt: RequestFilter, now: datetime) -> tuple[datetime, datetime]:
    """The date range: the given one, or the last 90 days; never wider than 90 days."""
    end = flt.end or (flt.start + DEFAULT_WINDOW if flt.start else now)
    start = flt.start or end - DEFAULT_WINDOW
    if as_utc(end) < as_utc(start):
        raise ValidationError("日期范围有误", {"end_date": "end_date 不能早于 start_date"})
    if as_utc(end) - as_utc(start) > DEFAULT_WINDOW:
        raise ValidationError("日期范围有误", {"end_date": "start_date 与 end_date 最多相隔 90 天"})
    return start, end


def find_requests(session: Session, flt: RequestFilter, now: datetime) -> list[ServiceRequest]:
    """Requests newest first: by tracking code (other filters ignored, as GeoReport says), or by the filters."""
    # 隐私保护模式: a case the resident asked to keep private is no public service request (not even by its code).
    stmt = select(Case).where(Case.process_key == PROCESS_KEY, Case.privacy_mode.is_(False))
    if flt.ids:
        codes = [c for c in (normalise_code(i) for i in flt.ids) if c is not None]
        stmt = stmt.where(Case.tracking_code.in_(codes))
    else:
        start, end = _window(flt, now)
        stmt = stmt.where(Case.opened_at >= to_db(start), Case.opened_at <= to_db(end))
        if flt.statuses:
            stmt = stmt.where(Case.status.in_(flt.statuses))
        if flt.service_code is not None:
            category = session.get(Category, int(flt.service_code)) if _is_code(flt.service_code) else None
            stmt = stmt.where(Case.category == (category.name if category else None))
    cases = list(session.scalars(stmt.order_by(Case.opened_at.desc(), Case.id.desc()).limit(MAX_ROWS)))
    return _requests(session, cases)


def find_request(session: Session, code: str) -> ServiceRequest:
    normal = normalise_code(code)
    case = session.scalar(select(Case).where(Case.tracking_code == normal, Case.process_key == PROCESS_KEY,
                                             Case.privacy_mode.is_(False))) if normal else None
    if case is None:
        raise NotFound("没有找到这个查询码对应的服务请求")
    return _requests(session, [case])[0]


def _requests(session: Session, cases: list[Case]) -> list[ServiceRequest]:
    """The published view of ``cases``, reading each related table once for all of them."""
    if not cases:
        return []
    ids = [c.id for c in cases]
    departments = dict(session.execute(select(Department.code, Department.name)).tuples().all())
    categories = dict(session.execute(select(Category.name, Category.id)).tuples().all())
    people = people_of(session, ids)
    locations = {loc.case_id: loc for loc in session.scalars(select(CaseLocation).where(CaseLocation.case_id.in_(ids)))}
    due = dict(session.execute(select(WorkItem.case_id, func.min(WorkItem.due_at)).where(
        WorkItem.case_id.in_(ids), WorkItem.state.in_(WorkItem.OPEN_STATES)).group_by(WorkItem.case_id)).tuples().all())
    updated = dict(session.execute(select(CaseEvent.case_id, func.max(CaseEvent.at)).where(
        CaseEvent.case_id.in_(ids)).group_by(CaseEvent.case_id)).tuples().all())
    media = first_public_photos(session, ids)
    address_ids = dict(session.execute(select(CaseAddressRef.case_id, CaseAddressRef.address_id).where(
        CaseAddressRef.case_id.in_(ids))).tuples().all())
    links: dict[int, str] = {}
    for case_id, payload in session.execute(select(CaseEvent.case_id, CaseEvent.payload).where(
            CaseEvent.case_id.in_(ids), CaseEvent.type == LINK_EVENT_TYPE).order_by(CaseEvent.case_id, CaseEvent.seq)):
        linked = json.loads(payload)
        if linked.get("purpose") == "report":
            links.setdefault(case_id, linked["url"])
    result = []
    for case in cases:
        secrets = people[case.id]
        location = locations.get(case.id)
        code = categories.get(case.category)
        result.append(ServiceRequest(
            id=case.tracking_code, status=case.status, outcome=case.outcome,
            service_code=str(code) if code is not None else None, service_name=case.category,
            # The whole description (intake keeps it within GeoReport's 4 000 characters), personal data masked.
            description=redact(case.description, secrets) if case.description != NO_DESCRIPTION else None,
            agency=departments.get(case.department_code or ""),
            requested_at=as_utc(case.opened_at), updated_at=as_utc(updated.get(case.id) or case.opened_at),
            expected_at=as_utc(due[case.id]) if case.status == "open" and due.get(case.id) else None,
            # Only the address an Open311 client published; a grid worker's note may be someone's home.
            address=redact(case.address, secrets) if location is not None or case.channel == "open311"
            else case.community,
            lat=location.lat if location else None, long=location.long if location else None,
            media_sha256=media.get(case.id), address_id=address_ids.get(case.id),
            media_link=links.get(case.id) if case.id not in media else None,
        ))
    return result


class GeoReportService:
    """Open311 GeoReport v2 over the engine: list services, open and read service requests."""

    def __init__(self, db: Database, clock: Clock, hooks: HookRegistry) -> None:
        self.db, self.clock, self.hooks = db, clock, hooks

    def services(self) -> list[ServiceDef]:
        with self.db.reading() as s:
            return services(s)

    def service(self, code: str) -> ServiceDef:
        with self.db.reading() as s:
            return service(s, code)

    def submit(self, service_code: str, intake: Intake, location: Location, actor: Actor, *,
               media: Sequence[str] = (), media_url: str | None = None) -> Submitted:
        """Open a civic-loop case for the request, with its location, in one transaction.

        ``media``: SHA-256s of received photos, attached as the report's; ``media_url``: a link to a photo kept
        by the client, recorded as given.
        """
        check_location(location)
        if media_url is not None:
            media_url = check_link(media_url, "media_url")
        with self.db.transaction() as s:
            # GeoReport: "404 - service_code provided was not found".
            category = service(s, service_code)
            intake = Intake(**{**intake.__dict__, "category": category.name, "channel": "open311",
                               "description": intake.description.strip() or NO_DESCRIPTION,
                               "address": (location.address or "").strip() or None})
            opened = open_case(s, intake, actor=actor, at=self.clock.now(), hooks=self.hooks, process_key=PROCESS_KEY)
            keep_point(s, opened.case.id, location)
            if address_id := (location.address_id or "").strip():
                s.add(CaseAddressRef(case_id=opened.case.id, address_id=address_id))
            s.flush()
            if media:
                attach(s, opened.case, media, purpose="report", actor=actor, at=self.clock.now(), field="media")
            if media_url is not None:
                link(s, opened.case, media_url, purpose="report", actor=actor, at=self.clock.now())
            assert opened.reporter_key is not None
            return Submitted(_requests(s, [opened.case])[0], opened.reporter_key)

    def requests(self, flt: RequestFilter) -> list[ServiceRequest]:
        with self.db.reading() as s:
            return find_requests(s, flt, self.clock.now())

    def request(self, code: str) -> ServiceRequest:
        with self.db.reading() as s:
            return find_request(s, code)
