"""Issue categories (物业管理, 环境卫生 …) that an intake must name: data an admin maintains."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class Category(Base):
    """One category residents and grid workers can choose when reporting an issue.

    The name is the category's identity: cases store it verbatim, and the
    assessments group by it, so a category is never renamed or deleted — an admin
    deactivates it (old cases keep it) and adds a new one.
    """

    __tablename__ = "category"
    #: A new row without a unit is the city's configuration, which the units below inherit (engine/people/units.py).
    __unit_default__ = "root"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The name stored on cases (``case.category``), e.g. ``物业管理``.
    name: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    #: The name staff read when the interface is English (None: the Chinese name). Unlike the name it
    #: may change: cases store the Chinese name.
    name_en: Mapped[str | None] = mapped_column(String(100), nullable=True)
    #: Position in pick lists (ascending).
    sort_order: Mapped[int] = mapped_column(nullable=False, default=0)
    #: Inactive categories are refused for new cases and hidden from forms.
    active: Mapped[bool] = mapped_column(default=True, nullable=False)
    #: The process a report of this category opens (None: the civic loop, as every category starts).
    process_key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    #: The unit (engine/org) this row belongs to: its subtree sees it (issue 25).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), nullable=True, index=True)

    def __repr__(self) -> str:
        return f"<Category {self.name}{'' if self.active else ' (inactive)'}>"
