"""The inbox's filter form (GET parameters, validated like any other input)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField
from wtforms.validators import NumberRange, Optional

from engine.cases.inbox_query import InboxFilter
from web.wording import org_words

STATUS_CHOICES = [
    SelectChoice("all", _l("全部")), SelectChoice("overdue", _l("已超期")), SelectChoice("due_soon", _l("即将到期")),
    SelectChoice("claimed", _l("我认领的")), SelectChoice("unclaimed", _l("待认领")),
]

#: Page numbers beyond this are refused (no one pages that far; it bounds the OFFSET).
MAX_PAGE = 10000


class InboxFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search: nothing changes

    category = SelectField(_l("类别"), default="")
    grid = SelectField(_l("网格"), default="")
    status = SelectField(_l("状态"), choices=STATUS_CHOICES, default="all")
    page = IntegerField(_l("页码"), default=1,
                        validators=[Optional(), NumberRange(min=1, max=MAX_PAGE, message=_l("页码应在 %(min)s 到 %(max)s 之间"))])

    def __init__(self, *args: Any, categories: Sequence[str], grids: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = [SelectChoice("", _l("全部类别"))] + [SelectChoice(c, org_words(c)) for c in categories]
        self.grid.choices = [SelectChoice("", _l("全部网格"))] + [SelectChoice(c, n) for c, n in grids.items()]

    def to_filter(self) -> InboxFilter:
        return InboxFilter(category=self.category.data or None, grid_code=self.grid.data or None,
                           status=self.status.data or "all")

    @property
    def page_number(self) -> int:
        return self.page.data or 1

    def query_args(self, **changes: Any) -> dict[str, Any]:
        """The current filter as URL parameters (blank ones left out), with ``changes`` applied."""
        args = {"category": self.category.data, "grid": self.grid.data, "status": self.status.data,
                "page": self.page_number}
        args.update(changes)
        return {k: v for k, v in args.items() if v not in (None, "", "all") and not (k == "page" and v == 1)}
