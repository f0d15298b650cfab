"""Who is acting: passed into every operation so the engine can check the role and the object."""
from __future__ import annotations

from dataclasses import dataclass, field

from engine.people.roles import Role


@dataclass(frozen=True)
class Actor:
    username: str
    role: str
    department_code: str | None = None
    grid_code: str | None = None
    #: For a resident (no account): the tracking code of the case they act on …
    tracking_code: str | None = None
    #: … and the reporter key that proves they reported it (checked by the engine; never logged).
    reporter_key: str | None = field(default=None, repr=False)
    #: … or the verified resident (a residents' app's phone handle, ``app:…``) the case's key was issued to.
    reporter_account: str | None = field(default=None, repr=False)
    #: The path of the unit the role is held at (engine/org, ``/1/4/``): the actor sees that subtree. None:
    #: unscoped (the engine itself, a command line, a resident holding a case's key).
    unit_path: str | None = None

    @property
    def is_system(self) -> bool:
        return self.role == SYSTEM.role


#: The engine itself, e.g. a timer firing in the SLA sweep.
SYSTEM = Actor(username="system", role="system")


#: How the event log names the verified reporter of a case: ``reporter:<tracking code>``. Records written
#: before reporter keys existed name a resident who only held the code: ``resident:<tracking code>``.
REPORTER_PREFIX = "reporter:"


def reporter(tracking_code: str, key: str) -> Actor:
    """The reporter of case ``tracking_code``, presenting the case's reporter key.

    The engine checks the key (:func:`engine.cases.reporter_key.check_reporter`) before the actor
    may act; use :func:`engine.cases.reporter_key.reporter_of` to get this actor from a key.
    """
    return Actor(username=f"{REPORTER_PREFIX}{tracking_code}", role=Role.RESIDENT.value,
                 tracking_code=tracking_code, reporter_key=key)


def reporter_account(tracking_code: str, handle: str) -> Actor:
    """The reporter of case ``tracking_code`` as the verified resident ``handle`` the case's key was issued to
    (a residents' app token): checked by :func:`engine.cases.reporter_key.check_reporter` like a key."""
    return Actor(username=f"{REPORTER_PREFIX}{tracking_code}", role=Role.RESIDENT.value,
                 tracking_code=tracking_code, reporter_account=handle)
