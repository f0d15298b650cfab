"""The case search form (GET parameters)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SearchField, SelectChoice, SelectField
from wtforms.validators import Length, NumberRange, Optional

STATUS_CHOICES = [SelectChoice("all", _l("全部")), SelectChoice("open", _l("办理中")),
                  SelectChoice("closed", _l("已结案"))]

#: Page numbers beyond this are refused (it bounds the OFFSET).
MAX_PAGE = 10000


class CaseSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search: nothing changes

    q = SearchField(_l("案件编号或标题"), filters=[lambda v: v.strip() if isinstance(v, str) else v],
                    validators=[Optional(), Length(max=100, message=_l("最多 %(max)d 个字"))])
    status = SelectField(_l("状态"), choices=STATUS_CHOICES, default="all")
    page = IntegerField(_l("页码"), default=1,
                        validators=[Optional(), NumberRange(min=1, max=MAX_PAGE, message=_l("页码应在 %(min)s 到 %(max)s 之间"))])

    @property
    def page_number(self) -> int:
        return self.page.data or 1

    def query_args(self, **changes: Any) -> dict[str, Any]:
        args = {"q": self.q.data, "status": self.status.data, "page": self.page_number}
        args.update(changes)
        return {k: v for k, v in args.items() if v not in (None, "", "all") and not (k == "page" and v == 1)}
