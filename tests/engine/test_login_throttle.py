"""Failed logins counted at the same moment from several threads: none lost, no key collision."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from engine.clock import FixedClock
from engine.db import Database
from engine.demo.organisation import DEMO_PASSWORD
from engine.people.lockout import AccountLocked, LockoutPolicy, LoginThrottle, throttle_key
from engine import PeopleService
from tests.fixtures.passwords import cheap_password_hashes  # noqa: F401

THREADS = 4


def test_simultaneous_first_failures_are_all_counted(db: Database, clock: FixedClock,
                                                     cheap_password_hashes: None) -> None:
    people = PeopleService(db, clock, LockoutPolicy(max_failures=THREADS + 1))
    start, errors = threading.Barrier(THREADS), []

    def fail() -> None:
        start.wait()
        try:
            assert people.authenticate("new-name", "wrong-password") is None
        except Exception as exc:  # noqa: BLE001 - reported below, a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=fail) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.reading() as s:
        row = s.scalar(select(LoginThrottle).where(LoginThrottle.key == throttle_key("new-name")))
    assert row is not None and row.failures == THREADS


GUESSERS = 30


def test_thirty_simultaneous_guesses_check_exactly_as_many_passwords_as_the_policy_allows(
        db: Database, clock: FixedClock, cheap_password_hashes: None) -> None:
    policy = LockoutPolicy()
    people = PeopleService(db, clock, policy)
    start, checked, locked, errors = threading.Barrier(GUESSERS), [], [], []

    def guess(n: int) -> None:
        start.wait()
        try:
            assert people.authenticate("wangge", f"guess-{n}") is None
            checked.append(n)  # the answer was "wrong password": this guess was checked
        except AccountLocked:
            locked.append(n)
        except Exception as exc:  # noqa: BLE001 - reported below, a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(GUESSERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert (len(checked), len(locked)) == (policy.max_failures, GUESSERS - policy.max_failures)
    with pytest.raises(AccountLocked):
        people.authenticate("wangge", DEMO_PASSWORD)  # the right password too, until the lock ends


def test_the_right_password_as_the_last_allowed_try_logs_in_and_forgets_the_failures(
        db: Database, clock: FixedClock, cheap_password_hashes: None) -> None:
    policy = LockoutPolicy()
    people = PeopleService(db, clock, policy)
    for n in range(policy.max_failures - 1):
        assert people.authenticate("wangge", f"guess-{n}") is None
    account = people.authenticate("wangge", DEMO_PASSWORD)
    assert account is not None and account.username == "wangge"
    with db.reading() as s:
        assert s.get(LoginThrottle, throttle_key("wangge")) is None
