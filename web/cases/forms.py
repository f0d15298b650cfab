"""The case search form (GET parameters)."""
from __future__ import annotations

import json
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SearchField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

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


class MessageForm(FlaskForm):
    """A message the case's diagram waits for, delivered by a supervisor (names from the diagram)."""

    name = SelectField(_l("消息"), validators=[DataRequired(message=_l("请选择消息"))])
    content = TextAreaField(_l("消息内容（JSON，可不填）"), validators=[Optional(), Length(max=16000)],
                         description=_l('例如 {"pages": 4}：字段会写入以消息名称命名的流程变量'))

    def __init__(self, *args: Any, names: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name.choices = [SelectChoice(n, n) for n in names]

    def payload(self) -> dict[str, Any] | None:
        """The JSON object typed in (None when blank); a field error when it is not one."""
        text = (self.content.data or "").strip()
        if not text:
            return None
        try:
            value = json.loads(text)
        except ValueError:
            self.content.errors = [*self.content.errors, str(_l("不是有效的 JSON"))]
            return None
        if not isinstance(value, dict):
            self.content.errors = [*self.content.errors, str(_l('应为 JSON 对象，例如 {"pages": 4}'))]
            return None
        return value
