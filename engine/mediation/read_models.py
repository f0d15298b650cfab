"""Read models of the mediator's workspace: my mediations, a mediation's page, the printable agreement.

Plain frozen dataclasses built in one session. Parties' names are masked unless the actor is the
mediator in charge. Their phones and addresses are masked for everyone until the mediator in charge
asks to see them (``show_contacts``): that one view is written to the access log (数据使用备案) in the
same transaction, so nothing is shown unlogged and nothing is logged that was not shown.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from engine.audit.access_log import record_access
from engine.audit.purposes import MEDIATION_CONTACT
from engine.calendar import WorkCalendar, china_date
from engine.calendar.store import load_calendar
from engine.cases.access import visible_cases
from engine.cases.deadlines import Deadline
from engine.cases.models import Case, WorkItem
from engine.cases.queries import find_case, open_work_items
from engine.cases.read_models import CaseSummary, Names, case_summary, mask_name, mask_phone
from engine.clock import as_utc
from engine.errors import NotFound, PermissionDenied, ValidationError
from engine.mediation.access import OPENERS, check_may_view_mediation, may_see_contacts
from engine.mediation.intake import NEIGHBOUR_DISPUTE
from engine.mediation.models import (
    AgreementConfirmation,
    Mediation,
    MediationParty,
    MediationSession,
)
from engine.mediation.queries import (
    agreements_of,
    assessments_of,
    assignments_of,
    links_from,
    PartyText,
    parties_of,
    parties_text,
    sessions_of,
)
from engine.people.actor import Actor
from engine.people.roles import Role

#: The list filter of "my mediations".
LIST_STATUSES = ("open", "closed", "all")
#: Why the mediator in charge sees the parties' contacts, as written to the access log.
CONTACT_REASON = MEDIATION_CONTACT
CONTACT_FIELDS = "party_phone,party_address"
LIST_LIMIT = 200


def _utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value else None


def mask_address(address: str | None) -> str | None:
    """幸福里3号楼2单元 → 幸福里******: the first three characters only."""
    text = (address or "").strip()
    if not text:
        return None
    return text[:3] + "*" * max(2, len(text) - 3)


@dataclass(frozen=True)
class PartyView:
    id: int
    position: int
    name: str
    party_role: str
    phone: str | None
    address: str | None
    consent: str | None


@dataclass(frozen=True)
class LinkedCase:
    tracking_code: str
    title: str
    status: str
    outcome: str | None
    is_mediation: bool


@dataclass(frozen=True)
class MediationFacts:
    dispute_type: str
    summary: str
    mediator: str | None
    mediator_name: str | None
    rounds: int
    due_at: datetime
    escalated_at: datetime | None
    outcome: str | None
    referral_channel: str | None
    opened_at: datetime
    closed_at: datetime | None
    #: The mediation's deadline as read now (None once closed): the one reading every page shows.
    deadline: Deadline | None = None


@dataclass(frozen=True)
class AssignmentView:
    mediator: str
    mediator_name: str | None
    state: str
    assigned_at: datetime
    assigned_by_name: str | None
    reason: str | None


@dataclass(frozen=True)
class SessionView:
    number: int
    round: int
    held_on: date
    attendees: str
    notes: str
    next_step: str | None
    result: str
    recorded_by_name: str | None


@dataclass(frozen=True)
class ConfirmationView:
    party_id: int
    party_name: str
    party_role: str
    #: True: signed; False: refused to sign.
    confirmed: bool
    signed_on: date | None = None
    #: Why the party would not sign.
    note: str | None = None
    #: The signed scan kept as evidence (its file is on the case page).
    scan_sha256: str | None = None


@dataclass(frozen=True)
class AgreementView:
    number: int
    terms: str
    performance_deadline: date | None
    status: str
    note: str | None
    drafted_at: datetime
    drafted_by_name: str | None
    confirmations: tuple[ConfirmationView, ...]
    followed_up_at: datetime | None
    follow_up_note: str | None
    in_force_at: datetime | None = None

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    @property
    def never_in_force(self) -> bool:
        """Printed, perhaps signed by some, but it never took effect (未生效)."""
        return self.status == "declined"

    def answer(self, party_id: int) -> ConfirmationView | None:
        """The party's signature or refusal; None while they have not answered."""
        return next((c for c in self.confirmations if c.party_id == party_id), None)

    @property
    def all_signed(self) -> bool:
        return bool(self.confirmations) and all(c.confirmed for c in self.confirmations)


@dataclass(frozen=True)
class AssessmentView:
    assessor: str
    assessed_on: date
    findings: str


@dataclass(frozen=True)
class TaskLink:
    item_id: int
    bpmn_id: str
    form_key: str | None
    name: str
    role: str
    state: str
    assignee: str | None
    assignee_name: str | None


@dataclass(frozen=True)
class MediationPage:
    case: CaseSummary
    mediation: MediationFacts
    source: LinkedCase | None
    parties: tuple[PartyView, ...]
    #: True when the parties' contacts are shown in full (the view was logged).
    contacts_visible: bool
    assignments: tuple[AssignmentView, ...]
    sessions: tuple[SessionView, ...]
    agreements: tuple[AgreementView, ...]
    assessments: tuple[AssessmentView, ...]
    tasks: tuple[TaskLink, ...]
    #: True when the parties' names are shown in full (the mediator in charge).
    names_visible: bool = False
    #: The actor may ask to see the contacts (the mediator in charge), which is logged.
    may_show_contacts: bool = False

    @property
    def draft(self) -> AgreementView | None:
        """The agreement being signed now, if any."""
        return next((a for a in reversed(self.agreements) if a.is_draft), None)

    def agreement(self, number: int) -> AgreementView:
        for agreement in self.agreements:
            if agreement.number == number:
                return agreement
        raise NotFound(f"案件 {self.case.tracking_code} 没有第 {number} 份调解协议")


@dataclass(frozen=True)
class MediationRow:
    tracking_code: str
    title: str
    dispute_type: str
    status: str
    outcome: str | None
    mediator_name: str | None
    parties: tuple[str, ...]
    opened_at: datetime
    due_at: datetime
    closed_at: datetime | None
    rounds: int
    sessions: int
    #: 30 days passed without an agreement and the supervisor was told (while the case is open).
    escalated: bool
    #: The first open task of the case and whether the actor is the one to do it.
    task_name: str | None
    task_item_id: int | None
    #: The mediation's deadline as read now (None once closed).
    deadline: Deadline | None = None


@dataclass(frozen=True)
class CaseLinks:
    """What the case page says about mediation: where a mediation came from, what an issue became."""

    #: This case is itself a mediation (its workspace page exists).
    is_mediation: bool
    source: LinkedCase | None
    mediations: tuple[LinkedCase, ...]
    #: The actor may turn this neighbour dispute into a mediation case now.
    may_open_mediation: bool


def _linked(case: Case, is_mediation: bool) -> LinkedCase:
    return LinkedCase(case.tracking_code, case.title, case.status, case.outcome, is_mediation)


def _party(p: MediationParty, text: PartyText, names: bool, contacts: bool) -> PartyView:
    return PartyView(p.id, p.position, text.name if names else (mask_name(text.name) or ""), p.party_role,
                     text.phone if contacts else mask_phone(text.phone),
                     text.address if contacts else mask_address(text.address), p.consent)


def _facts(m: Mediation, names: Names, at: datetime, calendar: WorkCalendar) -> MediationFacts:
    return MediationFacts(m.dispute_type, m.summary, m.mediator, names.user(m.mediator), m.rounds, as_utc(m.due_at),
                          _utc(m.escalated_at), m.outcome, m.referral_channel, as_utc(m.opened_at), _utc(m.closed_at),
                          Deadline.of(m.due_at, at, calendar) if m.closed_at is None else None)


def _agreements(session: Session, case_id: int, parties: dict[int, PartyView], names: Names) -> list[AgreementView]:
    views = []
    for a in agreements_of(session, case_id):
        rows = session.scalars(select(AgreementConfirmation).where(AgreementConfirmation.agreement_id == a.id)
                               .order_by(AgreementConfirmation.party_id))
        confirmations = tuple(ConfirmationView(r.party_id, parties[r.party_id].name, parties[r.party_id].party_role,
                                               r.confirmed, r.signed_on, r.note, r.scan_sha256)
                              for r in rows if r.party_id in parties)
        views.append(AgreementView(a.number, a.terms, a.performance_deadline, a.status, a.note, as_utc(a.drafted_at),
                                   names.user(a.drafted_by), confirmations, _utc(a.followed_up_at), a.follow_up_note,
                                   _utc(a.in_force_at)))
    return views


def mediation_page(session: Session, ref: str, actor: Actor, *, at: datetime,
                   show_contacts: bool = False) -> MediationPage:
    """The workspace page of the mediation ``ref`` (tracking code or id), if ``actor`` may see it.

    ``show_contacts``: the mediator in charge asked to see the parties' phones and addresses; the view
    is logged once (:class:`PermissionDenied` for anyone else).
    """
    case = find_case(session, ref)
    mediation = check_may_view_mediation(session, actor, case)
    names = Names(session)
    mine = may_see_contacts(actor, mediation)
    if show_contacts and not mine:
        raise PermissionDenied("只有本案调解员可以查看当事人的联系方式")
    rows = parties_of(session, case.id)
    contacts = show_contacts and any(p.phone or p.address for p in rows)
    if contacts:
        record_access(session, actor, kind="unmask", case=case, what=CONTACT_FIELDS, reason=CONTACT_REASON, at=at)
    text = parties_text(session, rows)
    parties = {p.id: _party(p, text[p.id], mine, contacts) for p in rows}
    assignments = assignments_of(session, case.id)
    names.users([a.mediator for a in assignments] + [a.assigned_by for a in assignments] + [mediation.mediator])
    items = open_work_items(session, case.id)
    names.users(i.assignee for i in items)
    source = session.get(Case, mediation.source_case_id) if mediation.source_case_id else None
    return MediationPage(
        case=case_summary(case, names),
        mediation=_facts(mediation, names, at, load_calendar(session, at)),
        source=_linked(source, False) if source else None,
        parties=tuple(parties.values()),
        contacts_visible=contacts,
        assignments=tuple(AssignmentView(a.mediator, names.user(a.mediator), a.state, as_utc(a.assigned_at),
                                         names.user(a.assigned_by), a.reason) for a in assignments),
        sessions=tuple(SessionView(s.number, s.round, s.held_on, s.attendees, s.notes, s.next_step, s.result,
                                   names.user(s.recorded_by)) for s in sessions_of(session, case.id)),
        agreements=tuple(_agreements(session, case.id, parties, names)),
        assessments=tuple(AssessmentView(a.assessor, a.assessed_on, a.findings)
                          for a in assessments_of(session, case.id)),
        tasks=tuple(TaskLink(i.id, i.bpmn_id, i.form_key, i.name, i.role, i.state, i.assignee, names.user(i.assignee))
                    for i in items),
        names_visible=mine,
        may_show_contacts=mine and any(p.phone or p.address for p in rows),
    )


def my_mediations(session: Session, actor: Actor, *, at: datetime, status: str = "open") -> list[MediationRow]:
    """The mediations ``actor`` works on: a mediator's own (assigned to them), every visible one for the others.

    Open ones by deadline, closed ones newest first.
    """
    if status not in LIST_STATUSES:
        raise ValidationError("查询条件有误", {"status": f"状态应为：{'、'.join(LIST_STATUSES)}"})
    conditions = [visible_cases(actor)]
    if actor.role == Role.MEDIATOR.value:
        conditions.append(Mediation.mediator == actor.username)
    if status != "all":
        conditions.append(Case.status == status)
    sessions = (select(func.count(MediationSession.id)).where(MediationSession.case_id == Case.id)
                .correlate(Case).scalar_subquery())
    rows = session.execute(
        select(Case, Mediation, sessions.label("sessions")).join(Mediation, Mediation.case_id == Case.id)
        .where(*conditions)
        .order_by(sql_case((Case.status == "open", 0), else_=1), sql_case((Case.status == "open", Mediation.due_at)),
                  Case.closed_at.desc(), Case.id.desc())
        .limit(LIST_LIMIT)
    ).all()
    names = Names(session)
    names.users(m.mediator for _c, m, _n in rows)
    case_ids = [c.id for c, _m, _n in rows]
    parties: dict[int, list[str]] = {}
    party_rows = list(session.scalars(select(MediationParty).where(MediationParty.case_id.in_(case_ids))
                                      .order_by(MediationParty.position))) if case_ids else []
    text = parties_text(session, party_rows)
    for p in party_rows:
        parties.setdefault(p.case_id, []).append(text[p.id].name)
    tasks: dict[int, WorkItem] = {}
    open_items: list[ColumnElement[bool]] = [WorkItem.case_id.in_(case_ids), WorkItem.state.in_(WorkItem.OPEN_STATES)]
    if actor.role == Role.MEDIATOR.value:  # the supervisor's parallel task is not the mediator's business
        open_items.append(WorkItem.role == actor.role)
    for waiting in session.scalars(select(WorkItem).where(*open_items).order_by(WorkItem.id)) if case_ids else []:
        tasks.setdefault(waiting.case_id, waiting)
    result, calendar = [], load_calendar(session, at)
    for c, m, count in rows:
        full = may_see_contacts(actor, m)
        item = tasks.get(c.id)
        result.append(MediationRow(
            c.tracking_code, c.title, m.dispute_type, c.status, c.outcome, names.user(m.mediator),
            tuple(name if full else (mask_name(name) or "") for name in parties.get(c.id, [])),
            as_utc(c.opened_at), as_utc(m.due_at), _utc(c.closed_at), m.rounds, count or 0,
            c.status == "open" and m.escalated_at is not None, item.name if item else None,
            item.id if item and item.assignee == actor.username else None,
            Deadline.of(m.due_at, at, calendar) if c.status == "open" else None,
        ))
    return result


def case_links(session: Session, case: Case, actor: Actor) -> CaseLinks:
    """The mediation links of a case whose page ``actor`` already may see."""
    mediation = session.get(Mediation, case.id)
    source = session.get(Case, mediation.source_case_id) if mediation and mediation.source_case_id else None
    mediations = links_from(session, case.id) if mediation is None else []
    may_open = (mediation is None and case.category == NEIGHBOUR_DISPUTE and actor.role in OPENERS
                and all(m.status == "closed" for m in mediations))
    return CaseLinks(mediation is not None, _linked(source, False) if source else None,
                     tuple(_linked(m, True) for m in mediations), may_open)


@dataclass(frozen=True)
class AgreementDocument:
    """The printable mediation agreement (调解协议书)."""

    page: MediationPage
    agreement: AgreementView
    committee: str
    document_no: str


def agreement_document(session: Session, ref: str, number: int, actor: Actor, *, at: datetime,
                       show_contacts: bool = False) -> AgreementDocument:
    """Agreement ``number`` of the mediation ``ref`` laid out for printing, masked as the workspace page is."""
    page = mediation_page(session, ref, actor, at=at, show_contacts=show_contacts)
    agreement = page.agreement(number)
    committee = f"{page.case.community}人民调解委员会" if page.case.community else "人民调解委员会"
    document_no = f"（{china_date(agreement.drafted_at).year}）调字第 {page.case.tracking_code}-{agreement.number} 号"
    return AgreementDocument(page, agreement, committee, document_no)
