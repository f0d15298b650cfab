"""Failed logins counted at the same moment from several threads: none lost, no key collision."""
from __future__ import annotations

import threading

from sqlalchemy import select

from engine.clock import FixedClock
from engine.db import Database
from engine.people.lockout import LockoutPolicy, LoginThrottle, throttle_key
from engine.service import PeopleService
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
