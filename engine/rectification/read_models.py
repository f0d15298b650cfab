"""What the rectification pages show: plain dataclasses, never ORM rows.

Overdue is read, not stored: an item past its deadline that is not 已整改 is overdue whether or not the sweep
has flagged it yet (the flag records when the street office was told).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.calendar import china_date
from engine.cases.models import Case
from engine.people.actor import Actor
from engine.rectification.access import check_may_read_item, may_report, reading_scope
from engine.rectification.models import RectificationItem
from engine.rectification.operations import RECTIFIED, SOURCE_KINDS, STATUSES, Source, get_item

#: The list shows at most this many items (newest first) per filter.
LIST_LIMIT = 500


@dataclass(frozen=True)
class ItemRow:
    id: int
    source_kind: str
    source_label: str
    case_code: str | None
    community: str | None
    problem: str
    responsible_unit: str
    deadline: date
    status: str
    #: 待整改 / 待核验 / 已整改.
    status_label: str
    overdue: bool
    raised_on: date
    verified_at: datetime | None


@dataclass(frozen=True)
class ItemPage:
    row: ItemRow
    source_id: int
    raised_by: str
    measures: str | None
    evidence: str | None
    submitted_at: datetime | None
    submitted_by: str | None
    verification_note: str | None
    verified_by: str | None
    returned_count: int
    overdue_flagged_at: datetime | None
    #: Whether the reader may report the rectification (staff, or the department responsible for it).
    may_report: bool


@dataclass(frozen=True)
class Summary:
    total: int
    open: int
    submitted: int
    rectified: int
    overdue: int


@dataclass(frozen=True)
class SourceView:
    ref: str
    kind: str
    label: str
    default_unit: str | None
    found_on: date


def is_overdue(item: RectificationItem, today: date) -> bool:
    return item.status != RECTIFIED and item.deadline < today


def _row(item: RectificationItem, code: str | None, today: date) -> ItemRow:
    return ItemRow(item.id, item.source_kind, item.source_label, code, item.community, item.problem,
                   item.responsible_unit, item.deadline, item.status, STATUSES[item.status], is_overdue(item, today),
                   china_date(item.raised_at), item.verified_at)


def _rows(session: Session, where: list[Any], today: date, limit: int | None = None) -> list[ItemRow]:
    stmt = (select(RectificationItem, Case.tracking_code).outerjoin(Case, Case.id == RectificationItem.case_id)
            .where(*where).order_by(RectificationItem.id.desc()))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_row(item, code, today) for item, code in session.execute(stmt)]


def item_rows(session: Session, actor: Actor, today: date, *, status: str | None = None, overdue: bool = False,
              community: str | None = None) -> list[ItemRow]:
    where: list[Any] = reading_scope(session, actor)
    if status in STATUSES:
        where.append(RectificationItem.status == status)
    if overdue:
        where += [RectificationItem.status != RECTIFIED, RectificationItem.deadline < today]
    if community:
        where.append(RectificationItem.community == community)
    return _rows(session, where, today, LIST_LIMIT)


def summary(session: Session, actor: Actor, today: date) -> Summary:
    scope = reading_scope(session, actor)
    counts = dict(session.execute(select(RectificationItem.status, func.count()).where(*scope)
                                  .group_by(RectificationItem.status)).tuples().all())
    overdue = session.scalar(select(func.count()).select_from(RectificationItem).where(
        *scope, RectificationItem.status != RECTIFIED, RectificationItem.deadline < today)) or 0
    return Summary(sum(counts.values()), counts.get("open", 0), counts.get("submitted", 0),
                   counts.get(RECTIFIED, 0), overdue)


def rows_of_case(session: Session, actor: Actor, case_id: int, today: date) -> list[ItemRow]:
    return _rows(session, [*reading_scope(session, actor), RectificationItem.case_id == case_id], today)


def rows_of_source(session: Session, actor: Actor, kind: str, source_id: int, today: date) -> list[ItemRow]:
    return _rows(session, [*reading_scope(session, actor), RectificationItem.source_kind == kind,
                           RectificationItem.source_id == source_id], today)


def item_page(session: Session, actor: Actor, item_id: int, today: date) -> ItemPage:
    reading_scope(session, actor)  # PermissionDenied before NotFound: an outsider learns nothing of the ids
    item = get_item(session, item_id)
    check_may_read_item(session, actor, item)
    code = session.scalar(select(Case.tracking_code).where(Case.id == item.case_id)) if item.case_id else None
    return ItemPage(_row(item, code, today), item.source_id, item.raised_by, item.measures, item.evidence,
                    item.submitted_at, item.submitted_by, item.verification_note, item.verified_by,
                    item.returned_count, item.overdue_flagged_at, may_report(session, actor, item))


def source_view(source: Source) -> SourceView:
    return SourceView(f"{source.kind}:{source.id}", SOURCE_KINDS[source.kind], source.label, source.default_unit,
                      source.found_on)
