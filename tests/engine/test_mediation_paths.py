"""Every path of dispute mediation (DESIGN.md §2.2) runs on the real engine and database; replaying each
case's log reproduces its stored snapshot exactly, every chain verifies, and outcomes are plain SQL."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.cases.models import Case, Notification, WorkItem
from engine.clock import as_utc
from engine.db import Database
from engine.demo import mediation_scenarios as ms
from engine.demo.driver import Driver
from engine.demo.mediation_scenarios import MEDIATION_SCENARIOS, seed_mediators
from engine.errors import NotFound, PermissionDenied, ValidationError
from engine.mediation.intake import PartyIntake
from engine.mediation.models import (
    AgreementConfirmation,
    Mediation,
    MediationAgreement,
    MediationParty,
    MediationSession,
    MediatorAssignment,
    ThirdPartyAssessment,
)
from engine.mediation.queries import parties_text
from engine.people.actor import Actor
from engine import CaseService

TIAOJIE, TIAOJIE2 = Actor("tiaojie", "mediator"), Actor("tiaojie2", "mediator")


@pytest.fixture(autouse=True)
def mediators(db: Database) -> None:
    with db.transaction() as s:
        seed_mediators(s)


def _mediation(db: Database, case: Case) -> Mediation:
    with db.reading() as s:
        mediation = s.get(Mediation, case.id)
        assert mediation is not None
        return mediation


def _open(driver: Driver, case: Case) -> list[str]:
    return sorted(driver.open_ids(case))


# -- every path ends where it should, replays and verifies --------------------------------------------

@pytest.mark.parametrize("name", list(MEDIATION_SCENARIOS))
def test_path_ends_with_expected_status_and_outcome(name: str, driver: Driver, db: Database) -> None:
    scenario, status, outcome = MEDIATION_SCENARIOS[name]
    case = driver.refresh(scenario(driver))
    assert (case.process_key, case.status, case.outcome) == ("mediation", status, outcome)
    assert _mediation(db, case).outcome == outcome


@pytest.mark.parametrize("name", list(MEDIATION_SCENARIOS))
def test_replaying_the_log_reproduces_the_snapshot(name: str, driver: Driver, service: CaseService) -> None:
    case = MEDIATION_SCENARIOS[name][0](driver)
    assert service.replay(case.id).snapshot() == service.case(case.id).snapshot


@pytest.mark.parametrize("name", list(MEDIATION_SCENARIOS))
def test_every_path_verifies(name: str, driver: Driver, service: CaseService) -> None:
    case = MEDIATION_SCENARIOS[name][0](driver)
    [check] = service.verify(case.id)
    assert check.ok, check.problem


# -- intake ---------------------------------------------------------------------------------------

def test_a_new_mediation_waits_for_its_grid_worker_to_assign_a_mediator(driver: Driver, db: Database) -> None:
    case = ms.register(driver)
    assert case.category == "邻里纠纷" and case.grid_code == "XF-01"
    [item] = driver.service.work_items(case.id)
    assert (item.bpmn_id, item.role, item.grid_code) == ("assign_mediator", "grid_worker", "XF-01")
    with db.reading() as s:
        parties = s.scalars(select(MediationParty).where(MediationParty.case_id == case.id)
                            .order_by(MediationParty.position)).all()
        text = parties_text(s, parties)  # stored as tokens under the case's data key
    assert [(text[p.id].name, p.party_role, text[p.id].phone) for p in parties] == [
        ("王建国", "applicant", "13800001111"), ("李春梅", "respondent", "13900002222")]


def test_the_parties_details_stay_out_of_the_log(driver: Driver, service: CaseService) -> None:
    case = MEDIATION_SCENARIOS["mediation_two_sessions_agreement_honoured"][0](driver)
    events = service.events(case.id)
    assert not any(s in events[0].payload for s in ("王建国", "李春梅", "幸福里3号楼201"))
    assert not any(phone in e.payload for e in events for phone in ("13800001111", "13900002222"))


def test_a_dispute_type_that_is_not_an_issue_category_is_still_its_case_category(driver: Driver) -> None:
    case = ms.register(driver, ms.neighbours(dispute_type="婚姻家庭"))
    assert driver.refresh(case).category == "婚姻家庭"


@pytest.mark.parametrize("parties", [(), (PartyIntake("王建国"),), (PartyIntake("王建国"), PartyIntake("  "))])
def test_a_mediation_needs_two_parties(driver: Driver, parties: tuple[PartyIntake, ...]) -> None:
    with pytest.raises(ValidationError) as error:
        ms.register(driver, ms.neighbours(parties=parties))
    assert "parties" in error.value.field_errors


def test_an_unknown_dispute_type_and_a_bad_phone_are_refused_by_field(driver: Driver) -> None:
    with pytest.raises(ValidationError) as error:
        ms.register(driver, ms.neighbours(dispute_type="打架", parties=(
            PartyIntake("王建国", phone="not a phone"), PartyIntake("李春梅", party_role="judge"))))
    assert set(error.value.field_errors) == {"dispute_type", "parties-0-phone", "parties-1-party_role"}


def test_only_grid_workers_and_supervisors_register_disputes(driver: Driver) -> None:
    with pytest.raises(PermissionDenied):
        ms.mediation(driver).open_mediation(ms.neighbours(), TIAOJIE)


# -- assignment and conflict of interest ------------------------------------------------------------

def test_the_mediators_tasks_go_to_the_assigned_mediator_only(driver: Driver, service: CaseService) -> None:
    case = ms.register(driver)
    ms.do(driver, case, "assign_mediator", mediator="tiaojie2")
    item = driver.item(case, "accept_case")
    assert (item.assignee, item.state) == ("tiaojie2", "claimed")
    assert [i.bpmn_id for i in service.inbox(TIAOJIE2)] == ["accept_case"]
    assert service.inbox(TIAOJIE) == []
    with pytest.raises(PermissionDenied):
        service.complete_task(item.id, {"conflict_of_interest": "none"}, TIAOJIE)


def test_assigning_someone_who_is_not_a_mediator_is_refused(driver: Driver) -> None:
    case = ms.register(driver)
    with pytest.raises(ValidationError) as error:
        ms.do(driver, case, "assign_mediator", mediator="wangge")
    assert "不是可以承办调解的调解员" in error.value.field_errors["mediator"]


def test_a_conflict_of_interest_sends_the_case_back_for_another_mediator(driver: Driver, db: Database) -> None:
    case = ms.register(driver)
    ms.do(driver, case, "assign_mediator", mediator="tiaojie")
    ms.do(driver, case, "accept_case", conflict_of_interest="related", conflict_reason="申请人是我舅舅")
    assert _open(driver, case) == ["assign_mediator"]
    assert _mediation(db, case).mediator is None
    with pytest.raises(ValidationError) as error:  # the recused mediator cannot be assigned again
        ms.do(driver, case, "assign_mediator", mediator="tiaojie")
    assert "回避" in error.value.field_errors["mediator"]
    ms.do(driver, case, "assign_mediator", mediator="tiaojie2")
    assert driver.item(case, "accept_case").assignee == "tiaojie2"
    with db.reading() as s:
        history = [(a.mediator, a.state) for a in s.scalars(
            select(MediatorAssignment).where(MediatorAssignment.case_id == case.id).order_by(MediatorAssignment.id))]
    assert history == [("tiaojie", "recused"), ("tiaojie2", "assigned")]


def test_a_recusal_needs_a_reason(driver: Driver) -> None:
    case = ms.register(driver)
    ms.do(driver, case, "assign_mediator", mediator="tiaojie")
    with pytest.raises(ValidationError) as error:
        ms.do(driver, case, "accept_case", conflict_of_interest="related")
    assert "conflict_reason" in error.value.field_errors


# -- consent ----------------------------------------------------------------------------------------

def test_one_refusal_refers_the_case_and_closes_it(driver: Driver, db: Database) -> None:
    case = ms.register(driver)
    ms.assign_and_accept(driver, case)
    item_id, actor = driver.item(case, "record_consent").id, TIAOJIE
    parties = ms.mediation(driver).mediation_page(case.tracking_code, actor).parties
    ms.mediation(driver).record_consent(item_id, {parties[0].id: "agreed", parties[1].id: "refused"}, actor,
                                        referral_channel="administrative")
    case = driver.refresh(case)
    assert (case.status, case.outcome) == ("closed", "referred")
    mediation = _mediation(db, case)
    assert (mediation.outcome, mediation.referral_channel) == ("referred", "administrative")
    with db.reading() as s:
        answers = [p.consent for p in s.scalars(select(MediationParty).where(MediationParty.case_id == case.id)
                                                .order_by(MediationParty.position))]
    assert answers == ["agreed", "refused"]


def test_every_party_must_answer_before_consent_is_recorded(driver: Driver) -> None:
    case = ms.register(driver)
    ms.assign_and_accept(driver, case)
    parties = ms.mediation(driver).mediation_page(case.tracking_code, TIAOJIE).parties
    with pytest.raises(ValidationError) as error:
        ms.mediation(driver).record_consent(driver.item(case, "record_consent").id, {parties[0].id: "agreed"}, TIAOJIE)
    assert f"party-{parties[1].id}" in error.value.field_errors
    assert _open(driver, case) == ["record_consent"]


# -- sessions and agreements ----------------------------------------------------------------------

def test_each_session_is_recorded_with_its_date_attendees_and_notes(driver: Driver, db: Database) -> None:
    case = MEDIATION_SCENARIOS["mediation_two_sessions_agreement_honoured"][0](driver)
    with db.reading() as s:
        sessions = s.scalars(select(MediationSession).where(MediationSession.case_id == case.id)
                             .order_by(MediationSession.number)).all()
    assert [(x.number, x.result) for x in sessions] == [(1, "continue"), (2, "agreement")]
    assert sessions[0].attendees and "分歧" in sessions[0].notes and sessions[0].recorded_by == "tiaojie"


def test_a_session_cannot_be_dated_in_the_future(driver: Driver) -> None:
    case = ms.register(driver)
    ms.assign_and_accept(driver, case)
    ms.everyone_agrees(driver, case)
    with pytest.raises(ValidationError) as error:
        ms.do(driver, case, "hold_session", session_date=ms._today(driver, 3), attendees="双方",
              session_notes="尚未发生的调解", session_result="continue")
    assert "session_date" in error.value.field_errors


def test_an_agreement_records_its_terms_and_each_partys_confirmation(driver: Driver, db: Database) -> None:
    case = MEDIATION_SCENARIOS["mediation_declined_to_sign_then_withdrawn"][0](driver)
    with db.reading() as s:
        agreement = s.scalars(select(MediationAgreement).where(MediationAgreement.case_id == case.id)).one()
        confirmed = [c.confirmed for c in s.scalars(
            select(AgreementConfirmation).where(AgreementConfirmation.agreement_id == agreement.id)
            .order_by(AgreementConfirmation.party_id))]
    assert agreement.status == "declined" and "3000 元" in agreement.terms
    assert confirmed == [True, True, False]


def test_a_signed_agreement_waits_30_days_for_the_follow_up(driver: Driver) -> None:
    case = ms.register(driver)
    ms.assign_and_accept(driver, case)
    ms.everyone_agrees(driver, case)
    ms.session(driver, case, "agreement")
    ms.sign_agreement(driver, case)
    assert _open(driver, case) == []
    driver.later(days=29)
    assert _open(driver, case) == []
    driver.later(days=1, minutes=1)
    assert _open(driver, case) == ["follow_up"]
    assert driver.item(case, "follow_up").assignee == "tiaojie"


def test_an_agreement_not_honoured_reopens_the_mediation_for_a_new_round(driver: Driver, db: Database) -> None:
    case = MEDIATION_SCENARIOS["mediation_agreement_broken_and_reopened"][0](driver)
    assert _open(driver, case) == ["hold_session"]
    mediation = _mediation(db, case)
    assert (mediation.rounds, mediation.outcome) == (2, None)
    with db.reading() as s:
        assert s.scalar(select(MediationAgreement.status).where(MediationAgreement.case_id == case.id)) == "broken"
    ms.session(driver, case, "agreement", "第二轮调解：分期支付")
    ms.sign_agreement(driver, case)
    ms.follow_up(driver, case, honoured=True)
    assert driver.refresh(case).outcome == "resolved"


def test_referral_needs_a_channel(driver: Driver) -> None:
    case = ms.register(driver)
    ms.assign_and_accept(driver, case)
    ms.everyone_agrees(driver, case)
    ms.session(driver, case, "no_agreement")
    with pytest.raises(ValidationError) as error:
        ms.do(driver, case, "after_failure", next_action="refer", action_note="移交")
    assert "referral_channel" in error.value.field_errors


def test_a_third_party_assessment_is_recorded_then_mediation_goes_on(driver: Driver, db: Database) -> None:
    case = MEDIATION_SCENARIOS["mediation_no_agreement_assessed_then_referred"][0](driver)
    with db.reading() as s:
        assessment = s.scalars(select(ThirdPartyAssessment).where(ThirdPartyAssessment.case_id == case.id)).one()
        sessions = s.scalar(select(func.count()).where(MediationSession.case_id == case.id))
    assert assessment.assessor == "区建筑工程质量检测站" and sessions == 2
    assert _mediation(db, case).referral_channel == "arbitration"


# -- 30 days without an agreement: the supervisor is told --------------------------------------------

def test_thirty_days_without_agreement_escalate_to_the_supervisor(driver: Driver, db: Database,
                                                                  service: CaseService) -> None:
    case = ms.register(driver)
    ms.assign_and_accept(driver, case)
    ms.everyone_agrees(driver, case)
    ms.session(driver, case, "continue")
    opened = as_utc(driver.refresh(case).opened_at)
    driver.clock.set(opened + timedelta(days=30) - timedelta(minutes=1))
    service.tick()
    assert _open(driver, case) == ["hold_session"]
    driver.clock.set(opened + timedelta(days=30, minutes=1))
    [fired] = service.tick()
    assert fired.fired_timers == ["timer_overdue"]
    assert _open(driver, case) == ["hold_session", "supervise"]
    assert _mediation(db, case).escalated_at is not None
    escalated = [e for e in service.events(case.id) if e.type == "escalated"]
    assert len(escalated) == 1 and '"work_item":"hold_session"' in escalated[0].payload
    with db.reading() as s:
        assert s.scalar(select(func.count()).where(Notification.case_id == case.id, Notification.kind == "escalated",
                                                   Notification.recipient == "supervisor")) == 1


def test_an_agreement_within_30_days_stops_the_clock(driver: Driver, service: CaseService) -> None:
    case = ms.register(driver)
    ms.assign_and_accept(driver, case)
    ms.everyone_agrees(driver, case)
    ms.session(driver, case, "agreement")
    ms.sign_agreement(driver, case)
    fired = driver.later(days=31)
    assert [r.fired_timers for r in fired] == [["wait_follow_up"]]
    assert _open(driver, case) == ["follow_up"]
    assert not [e for e in service.events(case.id) if e.type == "escalated"]


def test_the_supervisor_hands_an_overdue_mediation_to_another_mediator(driver: Driver, db: Database,
                                                                       service: CaseService) -> None:
    case = ms.register(driver)
    ms.assign_and_accept(driver, case)
    ms.everyone_agrees(driver, case)
    driver.later(days=31)
    ms.do(driver, case, "supervise", supervision_action="reassign", new_mediator="tiaojie2", supervision_note="改派")
    assert _open(driver, case) == ["hold_session"]
    assert driver.item(case, "hold_session").assignee == "tiaojie2"
    assert _mediation(db, case).mediator == "tiaojie2"
    assert service.inbox(TIAOJIE) == []


def test_the_supervisor_refers_an_overdue_mediation_and_the_mediators_task_is_cancelled(
        driver: Driver, db: Database) -> None:
    case = MEDIATION_SCENARIOS["mediation_overdue_escalated_and_referred_by_supervisor"][0](driver)
    with db.reading() as s:
        states = dict(s.execute(select(WorkItem.bpmn_id, WorkItem.state).where(
            WorkItem.case_id == case.id, WorkItem.bpmn_id == "hold_session").order_by(WorkItem.id)).all())
    assert states == {"hold_session": "cancelled"}
    assert _mediation(db, case).referral_channel == "administrative"


# -- the link from a neighbour-dispute issue --------------------------------------------------------

def test_a_neighbour_dispute_issue_is_linked_to_its_mediation(driver: Driver, db: Database) -> None:
    case = MEDIATION_SCENARIOS["mediation_neighbour_dispute_issue_mediated"][0](driver)
    service = ms.mediation(driver)
    source = _mediation(db, case).source_case_id
    assert source is not None
    issue = driver.refresh(driver.service.case(source))
    links = service.case_links(issue.tracking_code, Actor("dudao", "supervisor"))
    assert [m.tracking_code for m in links.mediations] == [case.tracking_code]
    back = service.case_links(case.tracking_code, Actor("dudao", "supervisor"))
    assert back.source is not None and back.source.tracking_code == issue.tracking_code


def test_only_a_neighbour_dispute_can_become_a_mediation_and_only_once_at_a_time(driver: Driver) -> None:
    lamp = driver.report("楼道灯坏了", "公共设施")
    with pytest.raises(ValidationError):
        ms.register(driver, source=lamp)
    noise = driver.report("楼上深夜噪音", "邻里纠纷")
    ms.register(driver, source=noise)
    with pytest.raises(ValidationError):
        ms.register(driver, source=noise)


# -- who sees what --------------------------------------------------------------------------------

def test_a_mediator_sees_only_the_mediations_assigned_to_them(driver: Driver) -> None:
    mine = ms.register(driver)
    ms.assign_and_accept(driver, mine, "tiaojie")
    theirs = ms.register(driver)
    ms.assign_and_accept(driver, theirs, "tiaojie2")
    service = ms.mediation(driver)
    assert [r.tracking_code for r in service.my_mediations(TIAOJIE)] == [mine.tracking_code]
    with pytest.raises(NotFound):
        service.mediation_page(theirs.tracking_code, TIAOJIE)
    with pytest.raises(NotFound):
        driver.service.case_page(theirs.tracking_code, TIAOJIE)
    with pytest.raises(NotFound):
        driver.service.task(driver.item(theirs, "record_consent").id, TIAOJIE)


def test_contacts_are_shown_to_the_mediator_in_charge_who_asks_and_masked_for_everyone_else(driver: Driver) -> None:
    case = ms.register(driver)
    ms.assign_and_accept(driver, case)
    service = ms.mediation(driver)
    mine = service.mediation_page(case.tracking_code, TIAOJIE)
    assert mine.names_visible and mine.parties[0].name == "王建国" and mine.may_show_contacts
    assert not mine.contacts_visible and mine.parties[0].phone == "138****1111"
    shown = service.mediation_page(case.tracking_code, TIAOJIE, show_contacts=True)
    assert shown.contacts_visible and shown.parties[0].phone == "13800001111"
    for actor in (Actor("dudao", "supervisor"), Actor("wangge", "grid_worker", None, "XF-01"),
                  Actor("jiandu", "auditor")):
        page = service.mediation_page(case.tracking_code, actor)
        assert not page.contacts_visible and not page.may_show_contacts
        assert (page.parties[0].name, page.parties[0].phone) == ("王**", "138****1111")
        assert page.parties[0].address == "幸福里******"
        with pytest.raises(PermissionDenied):
            service.mediation_page(case.tracking_code, actor, show_contacts=True)


def test_only_a_view_that_shows_the_contacts_is_written_to_the_access_log(driver: Driver, db: Database) -> None:
    from engine.audit.access_log import AccessLogEntry
    case = ms.register(driver)
    ms.assign_and_accept(driver, case)
    for _ in range(3):  # the mediator works the case: page views with the contacts masked log nothing
        ms.mediation(driver).mediation_page(case.tracking_code, TIAOJIE)
    ms.mediation(driver).mediation_page(case.tracking_code, Actor("dudao", "supervisor"))
    ms.mediation(driver).mediation_page(case.tracking_code, TIAOJIE, show_contacts=True)
    with db.reading() as s:
        rows = s.execute(select(AccessLogEntry.username, AccessLogEntry.what).where(
            AccessLogEntry.case_id == case.id)).all()
    assert [tuple(r) for r in rows] == [("tiaojie", "party_phone,party_address")]


# -- outcomes are plain SQL for the assessments ----------------------------------------------------------

def test_mediation_success_and_on_site_resolution_are_sql_counts(driver: Driver, db: Database) -> None:
    for name in ("mediation_two_sessions_agreement_honoured", "mediation_consent_refused_and_referred",
                 "mediation_declined_to_sign_then_withdrawn", "mediation_waiting_for_consent"):
        MEDIATION_SCENARIOS[name][0](driver)
    with db.reading() as s:
        by_outcome = dict(s.execute(select(Mediation.outcome, func.count()).where(Mediation.outcome.isnot(None))
                                    .group_by(Mediation.outcome)).tuples().all())
        by_case = dict(s.execute(select(Case.outcome, func.count()).where(Case.process_key == "mediation",
                                                                          Case.status == "closed")
                                 .group_by(Case.outcome)).tuples().all())
    assert by_outcome == by_case == {"resolved": 1, "referred": 1, "withdrawn": 1}
