"""Reading people and organisation data."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.people.category import Category
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


@dataclass(frozen=True)
class EnglishNames:
    """What English pages call the organisation: only the names an admin entered in English."""

    #: Chinese name of a category, department, grid or community → its English name.
    names: dict[str, str]

    def get(self, name: str) -> str | None:
        """``name`` in English, or None when it has no English name. Pages join names into labels
        ("幸福里社区 / 幸福里一网格", "物业管理 · 幸福里一网格"): such a label is in English when all its
        parts are."""
        if name in self.names:
            return self.names[name]
        for joint in (" · ", " / "):
            if joint in name:
                parts = [self.get(part) for part in name.split(joint)]
                return joint.join(parts) if all(parts) else None  # type: ignore[arg-type]
        return None


def english_names(session: Session) -> EnglishNames:
    names: dict[str, str] = {}
    for name, name_en in session.execute(select(Category.name, Category.name_en).where(Category.name_en.is_not(None))):
        names[name] = name_en
    for name, name_en in session.execute(select(Department.name, Department.name_en)
                                         .where(Department.name_en.is_not(None))):
        names.setdefault(name, name_en)
    for name, name_en, community, community_en in session.execute(
            select(Grid.name, Grid.name_en, Grid.community, Grid.community_en).order_by(Grid.code)):
        if name_en:
            names.setdefault(name, name_en)
        if community_en:
            names.setdefault(community, community_en)
    return EnglishNames(names)
