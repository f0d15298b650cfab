"""The mediator's workspace service: each call is one transaction, like :class:`engine.cases.service.CaseService`.

``web/`` reaches it as ``app.extensions["casegrid.mediation"]``. Completing the mediation's tasks
through the generic task form goes through :class:`~engine.cases.service.CaseService`; this service adds
what is particular to mediation: opening a dispute with its parties, the per-party consent and
agreement forms, and the workspace's read models.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from engine.cases.access import check_may_view
from engine.cases.hooks import HookRegistry
from engine.cases.models import Case
from engine.cases.queries import find_case
from engine.cases.steps import StepResult
from engine.clock import Clock, SystemClock
from engine.db import Database
from engine.mediation import agreements, operations, read_models
from engine.mediation.intake import MediationIntake
from engine.mediation.queries import active_mediators
from engine.people.actor import Actor
from engine.processes import default_hooks


class MediationService:
    def __init__(self, db: Database, clock: Clock | None = None, hooks: HookRegistry | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.hooks = hooks or default_hooks()

    # -- changes ---------------------------------------------------------------------------------

    def open_mediation(self, intake: MediationIntake, actor: Actor, source_ref: str | None = None) -> Case:
        """Register a dispute with its parties; ``source_ref`` links the neighbour-dispute issue it came from."""
        with self.db.transaction() as s:
            source = None
            if source_ref:
                source = find_case(s, source_ref)
                check_may_view(s, actor, source)
            return operations.open_mediation(s, intake, actor=actor, at=self.clock.now(), hooks=self.hooks,
                                             source=source).case

    def record_consent(self, work_item_id: int, answers: Mapping[int, str], actor: Actor, *,
                       note: str | None = None, referral_channel: str | None = None,
                       expected_version: int | None = None) -> StepResult:
        """Each party's answer (``agreed`` / ``refused``, by party id), then the consent task."""
        with self.db.transaction() as s:
            return operations.record_consent(s, work_item_id, answers, actor=actor, at=self.clock.now(),
                                             hooks=self.hooks, note=note, referral_channel=referral_channel,
                                             expected_version=expected_version)

    # -- the agreement: draft → signatures → in force ------------------------------------------

    def save_agreement_draft(self, work_item_id: int, terms: str, actor: Actor, *,
                             performance_deadline: date | None = None, note: str | None = None,
                             expected_version: int | None = None) -> int:
        """Write the draft's terms; its number (print it for the parties to sign)."""
        with self.db.transaction() as s:
            return agreements.save_draft(s, work_item_id, terms=terms, actor=actor, at=self.clock.now(),
                                         performance_deadline=performance_deadline, note=note,
                                         expected_version=expected_version).number

    def record_signature(self, work_item_id: int, party_id: int, actor: Actor, *, signed: bool,
                         signed_on: date | None = None, note: str | None = None, scan_sha256: str | None = None,
                         expected_version: int | None = None) -> None:
        """One party signed (the scan, received first by the evidence service, attached) or refused."""
        with self.db.transaction() as s:
            agreements.record_signature(s, work_item_id, party_id, signed=signed, actor=actor, at=self.clock.now(),
                                        signed_on=signed_on, note=note, scan_sha256=scan_sha256,
                                        expected_version=expected_version)

    def bring_agreement_into_force(self, work_item_id: int, actor: Actor, *,
                                   expected_version: int | None = None) -> StepResult:
        with self.db.transaction() as s:
            return agreements.bring_into_force(s, work_item_id, actor=actor, at=self.clock.now(), hooks=self.hooks,
                                               expected_version=expected_version)

    def record_no_agreement(self, work_item_id: int, reason: str, actor: Actor, *,
                            expected_version: int | None = None) -> StepResult:
        with self.db.transaction() as s:
            return agreements.record_no_agreement(s, work_item_id, reason=reason, actor=actor, at=self.clock.now(),
                                                  hooks=self.hooks, expected_version=expected_version)

    # -- reading ---------------------------------------------------------------------------------

    def my_mediations(self, actor: Actor, status: str = "open") -> list[read_models.MediationRow]:
        with self.db.reading() as s:
            return read_models.my_mediations(s, actor, at=self.clock.now(), status=status)

    def mediation_page(self, ref: str, actor: Actor, *, show_contacts: bool = False) -> read_models.MediationPage:
        """A mediation's workspace page; with ``show_contacts`` the parties' contacts are shown in full and
        the view is logged, hence a transaction."""
        if not show_contacts:
            with self.db.reading() as s:
                return read_models.mediation_page(s, ref, actor, at=self.clock.now())
        with self.db.transaction() as s:
            return read_models.mediation_page(s, ref, actor, at=self.clock.now(), show_contacts=True)

    def agreement_document(self, ref: str, number: int, actor: Actor, *,
                           show_contacts: bool = False) -> read_models.AgreementDocument:
        with self.db.transaction() as s:
            return read_models.agreement_document(s, ref, number, actor, at=self.clock.now(), show_contacts=show_contacts)

    def case_links(self, ref: str, actor: Actor) -> read_models.CaseLinks:
        """The mediation links of a case page ``actor`` may see (raises as the case page does)."""
        with self.db.reading() as s:
            case = find_case(s, ref)
            check_may_view(s, actor, case)
            return read_models.case_links(s, case, actor)

    def mediators(self) -> dict[str, str]:
        """Active mediator accounts, username → display name (the choices of 指派调解员)."""
        with self.db.reading() as s:
            return active_mediators(s)
