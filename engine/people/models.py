"""People and the organisation they belong to."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import Base
from engine.org.models import Unit


class Department(Base):
    """A functional department (职能部门) that receives assignments."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable code used in forms and diagrams, e.g. ``chengguan``.
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    #: The name staff read when the interface is English (None: they read the Chinese one).
    name_en: Mapped[str | None] = mapped_column(String(100), nullable=True)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)
    #: The unit (engine/org) this row belongs to: its subtree sees it (issue 25).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), nullable=True, index=True)

    def __repr__(self) -> str:
        return f"<Department {self.code} {self.name}>"


class Grid(Base):
    """A grid (网格): the smallest unit of a community a grid worker looks after."""

    __tablename__ = "grid"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    community: Mapped[str] = mapped_column(String(100), nullable=False)
    #: English names for English pages (None: the Chinese one is shown). A community is a name that its
    #: grids share, so its English name is kept the same on every grid of the community.
    name_en: Mapped[str | None] = mapped_column(String(100), nullable=True)
    community_en: Mapped[str | None] = mapped_column(String(100), nullable=True)
    #: The community unit (engine/org) the grid hangs under in the tree (issue 25).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), nullable=True, index=True)

    def __repr__(self) -> str:
        return f"<Grid {self.code} {self.community}/{self.name}>"


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(100), nullable=False)
    #: One of :class:`engine.people.roles.Role`.
    role: Mapped[str] = mapped_column(String(30), nullable=False, index=True)
    department_code: Mapped[str | None] = mapped_column(ForeignKey("department.code"), nullable=True)
    grid_code: Mapped[str | None] = mapped_column(ForeignKey("grid.code"), nullable=True)
    #: Set by the web layer's password hashing; None means the account cannot log in.
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)
    #: Raised by a password change or reset, disabling and logging out: a login session (its cookie
    #: carries the version it began with) from before is no longer a login, wherever its cookie went.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0", nullable=False)
    #: The unit the role is held at (engine/org): the account sees that unit's subtree (issue 25).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), nullable=True, index=True)
    unit: Mapped[Unit | None] = relationship(Unit, lazy="joined")

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"
