"""Which rows are facts a user reads (issue 18, item 5): registered once, committed by every case's chain.

Left out on purpose: what is derived or operational — a case's snapshot (replay checks it), its
phase, version, timer and chain head; the reporter's contact (personal data, masked everywhere).
Work items are committed (format 2): an inbox shows who holds a task, its state and its deadline as
fact, and a forged holder or deadline would otherwise go unseen. A council meeting and its members
belong to every case on its agenda; each of those cases commits them (members' names as digests). Household ballots are cast with Core
statements, not the ORM: their every value is in the ``household_vote_cast`` event, and
:mod:`engine.audit.record_checks` rebuilds them from it; so is a vote's running ``voted`` count.
Joint meetings (联席会议, format 4): a resolution linked to a case is committed by that case, and its sitting
with the units' attendance by every case one of its resolutions links to (who attended, as digests). A
sitting belongs to no case when none of its resolutions is linked: every sitting — linked or not — is also
a leaf of the global Merkle log each time it changes (:mod:`engine.audit.joint_log`).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.record_rows import before_flush as track
from engine.cases.record_rows import register, register_link
from engine.cases.models import Case, WorkItem
from engine.civic.models import Assignment, Rating, Resolution
from engine.council.models import AgendaItem, CouncilMeeting, HouseholdVote, MeetingMember, MemberVote
from engine.dispatch.models import ExtensionRequest
from engine.joint.models import JointAttendance, JointMeeting, JointResolution
from engine.mediation.models import (
    AgreementConfirmation,
    Mediation,
    MediationAgreement,
    MediationParty,
    MediationSession,
    MediatorAssignment,
    ThirdPartyAssessment,
)

__all__ = ["track"]


def _agenda_case(session: Session, row: Any) -> int | None:
    item = session.get(AgendaItem, row.agenda_item_id) if row.agenda_item_id else None
    return item.case_id if item else None


def _agreement_case(session: Session, row: Any) -> int | None:
    agreement = session.get(MediationAgreement, row.agreement_id) if row.agreement_id else None
    return agreement.case_id if agreement else None


def _meeting_cases(session: Session, meeting_id: int | None) -> list[int]:
    """The cases on a meeting's agenda (read with what is pending flushed: see record_rows)."""
    if meeting_id is None:
        return []
    with session.no_autoflush:
        return list(session.scalars(select(AgendaItem.case_id).where(AgendaItem.meeting_id == meeting_id)
                                    .distinct().order_by(AgendaItem.case_id)))


def _meeting_rows(session: Session, item: AgendaItem) -> list[Any]:
    """What a case put on a meeting's agenda commits to: the meeting and its members."""
    meeting = session.get(CouncilMeeting, item.meeting_id)
    members = list(session.scalars(select(MeetingMember).where(MeetingMember.meeting_id == item.meeting_id)))
    members += [obj for obj in session.new
                if isinstance(obj, MeetingMember) and obj.meeting_id == item.meeting_id and obj not in members]
    return ([meeting] if meeting is not None else []) + members


register(Case, "案件", case_of=lambda _s, case: case.id, case_column=Case.id,
         exclude=("snapshot", "version", "next_timer_at", "last_seq", "head_hash", "phase", "unit_id"))
register(Rating, "评价")
register(Resolution, "议定结果")
register(Assignment, "交办")
register(ExtensionRequest, "延期申请")
register(AgendaItem, "议事议程")
register(MemberVote, "委员表决", case_of=_agenda_case, case_column=AgendaItem.case_id,
         join=(AgendaItem, AgendaItem.id == MemberVote.agenda_item_id))
register(HouseholdVote, "户主表决", exclude=("voted",))
register(Mediation, "调解")
register(MediationParty, "调解当事人", hashed=("name", "phone", "address"), clear=("name", "phone", "address"))
register(MediatorAssignment, "调解员指派")
register(MediationSession, "调解会议")
register(MediationAgreement, "调解协议")
register(AgreementConfirmation, "协议确认", case_of=_agreement_case, case_column=MediationAgreement.case_id,
         join=(MediationAgreement, MediationAgreement.id == AgreementConfirmation.agreement_id))
register(ThirdPartyAssessment, "第三方评估")
register(WorkItem, "待办", since=2)
register(CouncilMeeting, "议事会议", cases_of=lambda s, meeting: _meeting_cases(s, meeting.id),
         case_column=AgendaItem.case_id, join=(AgendaItem, AgendaItem.meeting_id == CouncilMeeting.id), since=2)
register(MeetingMember, "议事会成员", hashed=("name",), cases_of=lambda s, member: _meeting_cases(s, member.meeting_id),
         case_column=AgendaItem.case_id, join=(AgendaItem, AgendaItem.meeting_id == MeetingMember.meeting_id),
         since=2)
register_link(AgendaItem, _meeting_rows)


def _sitting_cases(session: Session, meeting_id: int | None) -> list[int]:
    """The cases a joint meeting's resolutions link to (read with what is pending flushed: see record_rows)."""
    if meeting_id is None:
        return []
    with session.no_autoflush:
        return list(session.scalars(select(JointResolution.case_id).where(
            JointResolution.meeting_id == meeting_id, JointResolution.case_id.is_not(None))
            .distinct().order_by(JointResolution.case_id)))  # type: ignore[arg-type]


def _sitting_rows(session: Session, resolution: JointResolution) -> list[Any]:
    """What a case a resolution is linked to commits to: the sitting and each unit's attendance."""
    meeting = session.get(JointMeeting, resolution.meeting_id)
    attendance = list(session.scalars(select(JointAttendance).where(
        JointAttendance.meeting_id == resolution.meeting_id)))
    attendance += [obj for obj in session.new if isinstance(obj, JointAttendance)
                   and obj.meeting_id == resolution.meeting_id and obj not in attendance]
    return ([meeting] if meeting is not None else []) + attendance


register(JointResolution, "联席会议决议", since=4)
register(JointMeeting, "联席会议", cases_of=lambda s, meeting: _sitting_cases(s, meeting.id),
         case_column=JointResolution.case_id, join=(JointResolution, JointResolution.meeting_id == JointMeeting.id),
         since=4)
register(JointAttendance, "联席会议出席", hashed=("attendee",),
         cases_of=lambda s, row: _sitting_cases(s, row.meeting_id), case_column=JointResolution.case_id,
         join=(JointResolution, JointResolution.meeting_id == JointAttendance.meeting_id), since=4)
register_link(JointResolution, _sitting_rows)
