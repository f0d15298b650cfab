"""Who is acting: passed into every operation so the engine can check the role and the object."""
from __future__ import annotations

from dataclasses import dataclass

from engine.people.roles import Role


@dataclass(frozen=True)
class Actor:
    username: str
    role: str
    department_code: str | None = None
    grid_code: str | None = None
    #: For a resident acting through a tracking code (no account): the code they presented.
    tracking_code: str | None = None

    @property
    def is_system(self) -> bool:
        return self.role == SYSTEM.role


#: The engine itself, e.g. a timer firing in the SLA sweep.
SYSTEM = Actor(username="system", role="system")


def resident(tracking_code: str) -> Actor:
    """A resident acting on their own case, identified by its tracking code."""
    return Actor(username=f"resident:{tracking_code}", role=Role.RESIDENT.value, tracking_code=tracking_code)
