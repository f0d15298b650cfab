"""The audit workspace's forms: case search and access-log filters (GET), and the reason asked before
unmasking or exporting (POST)."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SearchField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as FieldError

from engine.audit.access_log import MAX_REASON, MIN_REASON
from engine.audit.access_log_query import PURPOSES as ACCESS_PURPOSES
from engine.audit.access_log_query import AccessLogFilter
from engine.audit.purposes import MAX_DETAIL, MIN_DETAIL, UNMASK_PURPOSES
from engine.audit.search import AuditFilter
from web.cases.forms import MAX_PAGE, STATUS_CHOICES
from web.cases.labels import OUTCOME, label
from web.wording import org_words


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _any(choices: list[tuple[str, Any]]) -> list[SelectChoice]:
    return [SelectChoice("", _l("全部")), *(SelectChoice(value, label) for value, label in choices)]


_PAGE = IntegerField(_l("页码"), default=1, validators=[
    Optional(), NumberRange(min=1, max=MAX_PAGE, message=_l("页码应在 %(min)s 到 %(max)s 之间"))])


class _GetForm(FlaskForm):
    class Meta:
        csrf = False  # GET filters: nothing changes

    page = _PAGE

    @property
    def page_number(self) -> int:
        return self.page.data or 1

    def query_args(self, **changes: Any) -> dict[str, Any]:
        args = {name: f.data for name, f in self._fields.items()}
        args.update(changes)
        return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in args.items()
                if v not in (None, "", "all") and not (k == "page" and v == 1)}


class AuditSearchForm(_GetForm):
    q = SearchField(_l("案件编号或标题"), filters=[_strip], validators=[
        Optional(), Length(max=100, message=_l("最多 %(max)d 个字"))])
    category = SelectField(_l("类别"), default="")
    grid = SelectField(_l("网格"), default="")
    department = SelectField(_l("部门"), default="")
    opened_from = DateField(_l("登记日期（起）"), validators=[Optional()])
    opened_to = DateField(_l("登记日期（止）"), validators=[Optional()])
    status = SelectField(_l("状态"), choices=STATUS_CHOICES, default="all")
    outcome = SelectField(_l("办理结果"), default="")

    def __init__(self, *args: Any, categories: list[str], grids: dict[str, str], departments: dict[str, str],
                 outcomes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = _any([(c, org_words(c)) for c in categories])
        self.grid.choices = _any(list(grids.items()))
        self.department.choices = _any(list(departments.items()))
        self.outcome.choices = _any([(o, label(OUTCOME, o)) for o in sorted(set(outcomes) | set(OUTCOME))])

    def validate_opened_to(self, field: DateField) -> None:
        if field.data and self.opened_from.data and field.data < self.opened_from.data:
            raise FieldError(_l("结束日期不能早于开始日期"))

    def filters(self) -> AuditFilter:
        return AuditFilter(text=self.q.data or None, category=self.category.data or None,
                           grid=self.grid.data or None, department=self.department.data or None,
                           opened_from=self.opened_from.data, opened_to=self.opened_to.data,
                           status=self.status.data or "all", outcome=self.outcome.data or None)


KIND_CHOICES = _any([("unmask", _l("查看敏感信息")), ("export", _l("导出记录")), ("download", _l("下载证据原件")),
                     ("core_request", _l("申请查看核心数据")), ("core_approve", _l("批准查看核心数据")),
                     ("core_refuse", _l("不批准查看核心数据"))])


class AccessLogForm(_GetForm):
    who = StringField(_l("人员（用户名或姓名）"), filters=[_strip],
                      validators=[Optional(), Length(max=80, message=_l("最多 %(max)d 个字"))])
    code = StringField(_l("案件编号"), filters=[_strip],
                       validators=[Optional(), Length(max=20, message=_l("最多 %(max)d 个字"))])
    kind = SelectField(_l("类型"), choices=KIND_CHOICES, default="")
    purpose = SelectField(_l("目的"), default="")
    date_from = DateField(_l("日期（起）"), validators=[Optional()])
    date_to = DateField(_l("日期（止）"), validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.purpose.choices = _any([(code, _(words)) for code, words in ACCESS_PURPOSES.items()])

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise FieldError(_l("结束日期不能早于开始日期"))

    def filters(self) -> AccessLogFilter:
        return AccessLogFilter(who=self.who.data or None, tracking_code=self.code.data or None,
                               kind=self.kind.data or None, purpose=self.purpose.data or None,
                               date_from=self.date_from.data, date_to=self.date_to.data)


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("理由"), filters=[_strip], validators=[
        DataRequired(message=_l("必须填写理由")),
        Length(min=MIN_REASON, max=MAX_REASON, message=_l("理由应为 %(min)d 到 %(max)d 个字")),
    ], description=_l("例如：核实反映人身份以便回访。理由会记入数据使用记录，监督员可以查看。"))


class UnmaskForm(FlaskForm):
    """Why the reporter's contact is needed: a purpose from the list and what, in this case, requires it.
    The engine checks both (:func:`engine.audit.purposes.unmask_reason`); its messages go next to the fields."""

    purpose = SelectField(_l("查看目的"), validate_choice=False, default="")
    detail = TextAreaField(_l("具体说明"), filters=[_strip], validators=[Length(max=MAX_DETAIL * 2)],
                           description=_l("至少 %(min)d 个字，写明本案中为何需要，例如：反映人称已修好但照片不符，需电话核实。"
                                          "目的和说明会记入数据使用记录，监督员可以查看。", min=MIN_DETAIL))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.purpose.choices = [SelectChoice("", _("请选择")),
                                *(SelectChoice(code, _(label)) for code, label in UNMASK_PURPOSES.items())]


class DecisionForm(FlaskForm):
    """The supervisor's (社区书记) answer to a request to see core data; refusing needs a reason (the engine checks)."""

    decision = SelectField(_l("审批结果"), choices=[SelectChoice("approve", _l("批准")), SelectChoice("refuse", _l("不批准"))],
                           validate_choice=True)
    note = TextAreaField(_l("说明"), filters=[_strip], validators=[Length(max=800)],
                         description=_l("不批准时必须说明理由；批准后申请人在有效期内可以查看。"))
