"""Every table, imported in one place so ``Base.metadata`` (and Alembic) sees the whole schema."""
from __future__ import annotations

from engine.assessments.models import AssessmentRequest, AssessmentResult, AssessmentRun
from engine.audit.access_log import AccessLogEntry
from engine.audit.core_access import CoreAccessRequest
from engine.audit.heads import TreeHead, TreeHeadWitness
from engine.cases.leaves import MerkleLeaf, MerkleNode
from engine.cases.events import CaseEvent
from engine.calendar.models import CalendarDay
from engine.org.models import Unit
from engine.cases.models import Case, Notification, WorkItem
from engine.cases.reporter_key import ReporterKey
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
from engine.dispatch.models import ExtensionRequest
from engine.evidence.models import Attachment, EvidenceFile
from engine.hotline.models import HotlineCallback, HotlineCaller, HotlineOrder
from engine.field.models import (
    DueVisit,
    FieldMeeting,
    FieldNeed,
    FieldReport,
    FieldVisit,
    HouseholdFlag,
    HouseholdMember,
    HouseholdNote,
    VisitPhoto,
    VisitPlan,
    Volunteer,
    VolunteerLedgerEntry,
    VolunteerService,
)
from engine.incidents.models import Incident
from engine.rectification.models import RectificationItem
from engine.joint.models import (
    JointAttendance,
    JointCadenceAlert,
    JointCommittee,
    JointMeeting,
    JointResolution,
    JointUnit,
)
from engine.mediation.models import (
    AgreementConfirmation,
    Mediation,
    MediationAgreement,
    MediationParty,
    MediationSession,
    MediatorAssignment,
    ThirdPartyAssessment,
)
from engine.notify.models import (
    DeadlineWatch,
    Delivery,
    NotificationPreference,
    NotificationTemplate,
    ResidentSubscription,
)
from engine.people.category import Category
from engine.people.lockout import LoginThrottle
from engine.people.models import Department, Grid, User
from engine.people.resident_identity import ResidentCode, ResidentIdentity, ResidentSession
from engine.people.sso import SsoIdentity, SsoRule
from engine.people.tokens import ApiToken
from engine.privacy.household_keys import HouseholdDataKey
from engine.privacy.keys import CaseDataKey
from engine.projects.models import (
    Project,
    ProjectBudgetLine,
    ProjectEvaluation,
    ProjectOperator,
    ProjectProgress,
)
from engine.cases.location import CaseLocation
from engine.public.georeport import CaseAddressRef
from engine.specs.models import DecisionVersion, ProcessVersion
from engine.sweep.models import SweepLease, SweepRun

__all__ = [
    "AccessLogEntry", "CoreAccessRequest", "MerkleLeaf", "MerkleNode", "TreeHead", "TreeHeadWitness",
    "AssessmentRequest", "AssessmentResult", "AssessmentRun", "Assignment", "Base", "CalendarDay", "Case", "Category", "CaseEvent",
    "Unit",
    "Department", "Grid", "Notification", "ProcessVersion", "Rating", "ReporterContact", "Resolution", "User", "WorkItem",
    "AgreementConfirmation", "Mediation", "MediationAgreement", "MediationParty", "MediationSession",
    "MediatorAssignment", "ThirdPartyAssessment",
    "AgendaItem", "CouncilMeeting", "Household", "HouseholdBallot", "HouseholdVote", "MeetingMember",
    "MemberVote",
    "LoginThrottle",
    "JointAttendance", "JointCadenceAlert", "JointCommittee", "JointMeeting", "JointResolution", "JointUnit",
    "Project", "ProjectBudgetLine", "ProjectEvaluation", "ProjectOperator", "ProjectProgress",
    "RectificationItem",
    "ApiToken", "CaseLocation", "ReporterKey",
    "Incident", "SweepLease", "SweepRun",
    "Attachment", "EvidenceFile",
    "DueVisit", "FieldMeeting", "FieldNeed", "FieldReport", "FieldVisit", "HouseholdFlag", "HouseholdMember", "HouseholdNote", "VisitPhoto", "VisitPlan",
    "Volunteer", "VolunteerLedgerEntry", "VolunteerService",
    "DeadlineWatch", "Delivery", "NotificationPreference", "NotificationTemplate", "ResidentSubscription",
    "DecisionVersion", "ExtensionRequest", "CaseDataKey", "HouseholdDataKey",
    "CaseAddressRef", "ResidentCode", "ResidentIdentity", "ResidentSession", "SsoIdentity", "SsoRule",
    "HotlineCallback", "HotlineCaller", "HotlineOrder",
]
