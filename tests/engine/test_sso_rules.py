"""The admins' single sign-on rules and the first login's link, through the people service (no provider
needed: the web layer has checked the ID token by then; tests/web/test_sso.py runs the whole flow)."""
from __future__ import annotations

import pytest

from engine.clock import FixedClock
from engine.db import Database
from engine.people.service import PeopleService
from engine.people.sso import SsoRefused

ISSUER = "https://id.example.gov.cn"


@pytest.fixture
def people(db: Database, clock: FixedClock) -> PeopleService:
    return PeopleService(db, clock)


def rule(people: PeopleService, claim: str, operator: str, value: str, role: str, *, department: str | None = None,
         grid: str | None = None, position: int | None = None) -> None:
    people.add_sso_rule(position=position, claim=claim, operator=operator, value=value, role=role,
                        department_code=department, grid_code=grid, by="admin")


def test_nested_claims_lists_and_the_first_rule_in_order(people: PeopleService) -> None:
    rule(people, "realm_access.roles", "contains", "auditors", "auditor", position=20)
    rule(people, "department", "equals", "城管科", "department", department="chengguan", position=10)
    both = {"preferred_username": "a.b", "department": "城管科", "realm_access": {"roles": ["x", "auditors"]}}
    assert people.sso_sign_in(ISSUER, "s1", both).role == "department"  # position 10 comes first
    only_nested = {"preferred_username": "c.d", "realm_access": {"roles": ["auditors"]}}
    assert people.sso_sign_in(ISSUER, "s2", only_nested).role == "auditor"
    # "equals" wants one value: a list that merely holds it does not equal it; "contains" takes a lone text
    rule(people, "groups", "equals", "g", "supervisor")
    with pytest.raises(SsoRefused) as refused:
        people.sso_sign_in(ISSUER, "s3", {"groups": ["g", "h"]})
    assert refused.value.reason == "no_rule"
    rule(people, "title", "contains", "科长", "mediator")
    assert people.sso_sign_in(ISSUER, "s4", {"title": "科长"}).role == "mediator"
    # a claim of another type (a number is text, a boolean or object is nothing) never matches by accident
    with pytest.raises(SsoRefused):
        people.sso_sign_in(ISSUER, "s5", {"department": True, "groups": {"g": 1}})


def test_every_login_applies_the_rule_so_a_move_in_the_identity_system_moves_the_account(
        people: PeopleService) -> None:
    rule(people, "department", "equals", "城管科", "department", department="chengguan")
    rule(people, "groups", "contains", "street-supervisors", "supervisor")
    first = people.sso_sign_in(ISSUER, "s1", {"preferred_username": "zhang", "name": "张三", "department": "城管科"})
    assert (first.username, first.role, first.department_code) == ("zhang", "department", "chengguan")
    moved = people.sso_sign_in(ISSUER, "s1", {"preferred_username": "zhang", "groups": ["street-supervisors"]})
    assert (moved.id, moved.role, moved.department_code) == (first.id, "supervisor", None)
    [identity] = people.sso_identities()
    assert (identity.how, identity.username) == ("created", "zhang")


def test_a_username_held_by_another_linked_person_gets_one_of_its_own(people: PeopleService) -> None:
    rule(people, "groups", "contains", "staff", "auditor")
    one = people.sso_sign_in(ISSUER, "s1", {"preferred_username": "wang", "groups": ["staff"]})
    other = people.sso_sign_in(ISSUER, "s2", {"preferred_username": "wang", "groups": ["staff"]})
    assert one.username == "wang" and other.username.startswith("sso-") and other.id != one.id
    # a name that is no username (spaces, control characters) is not taken over either
    odd = people.sso_sign_in(ISSUER, "s3", {"preferred_username": "a b\x00", "name": "x\x1b", "groups": ["staff"]})
    assert odd.username.startswith("sso-") and odd.display_name == odd.username


def test_a_rule_never_demotes_the_last_admin(people: PeopleService) -> None:
    rule(people, "groups", "contains", "staff", "auditor")
    with pytest.raises(SsoRefused) as refused:
        people.sso_sign_in(ISSUER, "s1", {"preferred_username": "admin", "groups": ["staff"]})
    assert refused.value.reason == "invalid"
    assert people.find_account("admin").role == "admin" and people.sso_identities() == []


def test_an_integration_account_never_comes_in_through_the_provider(people: PeopleService) -> None:
    people.create_integration("hotline-12345", "12345 平台", "hotline_platform", by="admin")
    rule(people, "groups", "contains", "staff", "auditor")
    with pytest.raises(SsoRefused) as refused:
        people.sso_sign_in(ISSUER, "s1", {"preferred_username": "hotline-12345", "groups": ["staff"]})
    assert refused.value.reason == "disabled"


def test_a_subject_that_cannot_be_stored_is_refused_not_a_server_error(people: PeopleService) -> None:
    rule(people, "groups", "contains", "staff", "auditor")
    for subject in ("", "a\x00b", "x" * 256):
        with pytest.raises(SsoRefused):
            people.sso_sign_in(ISSUER, subject, {"groups": ["staff"]})
    assert people.sso_identities() == []
