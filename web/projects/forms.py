"""Forms of the projects pages. Context (grids, operators) arrives by keyword."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from web.engine_errors import place_engine_errors as place_engine_errors

from engine.projects.operations import PROPOSER_KINDS, ProjectIntake
from engine.projects.registry import OPERATOR_KINDS
from engine.projects.read_models import OperatorRow


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value



class ProposalForm(FlaskForm):
    """项目申报, registered by staff for a community, a social organisation or a residents' group."""

    title = StringField(_l("项目名称"), filters=[_strip],
                        validators=[DataRequired(message=_l("请填写项目名称")), Length(max=100, message=_l("最多 %(max)d 字"))])
    summary = TextAreaField(_l("项目内容"), filters=[_strip], description=_l("服务对象、内容、频次和预期成效"),
                            validators=[DataRequired(message=_l("请填写项目内容")),
                                        Length(max=4000, message=_l("最多 %(max)d 字"))])
    proposer_kind = SelectField(_l("申报主体类型"), choices=[SelectChoice(k, v) for k, v in PROPOSER_KINDS.items()],
                                validators=[InputRequired(message=_l("请选择申报主体类型"))])
    proposer_name = StringField(_l("申报单位或团体"), filters=[_strip],
                                validators=[DataRequired(message=_l("请填写申报单位或团体名称")),
                                            Length(max=200, message=_l("最多 %(max)d 字"))])
    operator = SelectField(_l("运营单位"), validate_choice=False,
                           description=_l("被取消运营资格的单位不能承接新项目"),
                           validators=[DataRequired(message=_l("请选择运营单位"))])
    grid_code = SelectField(_l("项目所在网格"), validate_choice=False,
                            validators=[DataRequired(message=_l("请选择项目所在网格"))])
    requested_amount = StringField(_l("申请金额（元）"), filters=[_strip],
                                   validators=[DataRequired(message=_l("请填写申请金额")),
                                               Length(max=20, message=_l("最多 %(max)d 字"))])

    def __init__(self, *args: Any, grids: Mapping[str, str], operators: list[OperatorRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grid_code.choices = [SelectChoice("", _l("请选择"))] + [SelectChoice(c, n) for c, n in grids.items()]
        self.operator.choices = [SelectChoice("", _l("请选择"))] + [
            SelectChoice(o.code, o.name if o.qualified else f"{o.name}（已取消运营资格）") for o in operators]

    def to_intake(self) -> ProjectIntake:
        return ProjectIntake(title=self.title.data, summary=self.summary.data, proposer_kind=self.proposer_kind.data,
                             proposer_name=self.proposer_name.data, operator=self.operator.data,
                             grid_code=self.grid_code.data, requested_amount=self.requested_amount.data)


class OperatorForm(FlaskForm):
    code = StringField(_l("单位代码"), filters=[_strip], description=_l("统一社会信用代码或本地编号"),
                       validators=[DataRequired(message=_l("请填写单位代码")), Length(max=40, message=_l("最多 %(max)d 字"))])
    name = StringField(_l("单位名称"), filters=[_strip],
                       validators=[DataRequired(message=_l("请填写单位名称")), Length(max=200, message=_l("最多 %(max)d 字"))])
    kind = SelectField(_l("单位类型"), choices=[SelectChoice(k, v) for k, v in OPERATOR_KINDS.items()],
                       validators=[InputRequired(message=_l("请选择单位类型"))])
