"""Reading people and organisation data."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.people.models import Department, Grid, User


def active_department_codes(session: Session) -> set[str]:
    return set(session.scalars(select(Department.code).where(Department.active.is_(True))))


def option_values(session: Session) -> dict[str, set[str]]:
    """Allowed values for form fields whose options come from a table (``options`` property)."""
    return {
        "departments": active_department_codes(session),
        "grids": set(session.scalars(select(Grid.code))),
    }


def user_by_name(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def department_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Department.code, Department.name)
                                .where(Department.active.is_(True)).order_by(Department.code)).tuples().all())


def grid_names(session: Session) -> dict[str, str]:
    rows = session.execute(select(Grid.code, Grid.community, Grid.name).order_by(Grid.code))
    return {code: f"{community} / {name}" for code, community, name in rows}
