"""Every table, imported in one place so ``Base.metadata`` (and Alembic) sees the whole schema."""
from __future__ import annotations

from engine.assessments.models import AssessmentResult, AssessmentRun
from engine.audit.access_log import AccessLogEntry
from engine.audit.checkpoints import AuditCheckpoint, CheckpointHead
from engine.audit.models import CaseEvent
from engine.calendar.models import CalendarDay
from engine.cases.models import Case, Notification, WorkItem
from engine.civic.models import Assignment, Rating, ReporterContact, Resolution
from engine.council.models import (
    AgendaItem,
    CouncilMeeting,
    Household,
    HouseholdBallot,
    HouseholdVote,
    MeetingMember,
    MemberVote,
)
from engine.db import Base
from engine.mediation.models import (
    AgreementConfirmation,
    Mediation,
    MediationAgreement,
    MediationParty,
    MediationSession,
    MediatorAssignment,
    ThirdPartyAssessment,
)
from engine.people.category import Category
from engine.people.lockout import LoginThrottle
from engine.people.models import Department, Grid, User
from engine.people.tokens import ApiToken
from engine.public.georeport import CaseLocation
from engine.specs.models import ProcessVersion

__all__ = [
    "AccessLogEntry", "AuditCheckpoint", "CheckpointHead",
    "AssessmentResult", "AssessmentRun", "Assignment", "Base", "CalendarDay", "Case", "Category", "CaseEvent",
    "Department", "Grid", "Notification", "ProcessVersion", "Rating", "ReporterContact", "Resolution", "User", "WorkItem",
    "AgreementConfirmation", "Mediation", "MediationAgreement", "MediationParty", "MediationSession",
    "MediatorAssignment", "ThirdPartyAssessment",
    "AgendaItem", "CouncilMeeting", "Household", "HouseholdBallot", "HouseholdVote", "MeetingMember",
    "MemberVote",
    "LoginThrottle",
    "ApiToken", "CaseLocation",
]
