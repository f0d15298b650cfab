"""Forms of the rectification pages."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class RaiseForm(FlaskForm):
    items = TextAreaField(_l("问题清单（每行一条）"), filters=[_strip],
                          description=_l("问题 | 责任单位 | 整改期限（YYYY-MM-DD）；项目的问题可省略责任单位（即运营单位）"),
                          validators=[DataRequired(_l("请至少填写一条问题")), Length(max=20000)])


class SubmitForm(FlaskForm):
    measures = TextAreaField(_l("整改措施"), filters=[_strip],
                             validators=[DataRequired(_l("请填写整改措施")), Length(max=4000)])
    evidence = TextAreaField(_l("整改佐证"), filters=[_strip], description=_l("照片、票据、验收记录等佐证材料的说明和编号"),
                             validators=[DataRequired(_l("请填写整改佐证")), Length(max=4000)])


class VerifyForm(FlaskForm):
    decision = SelectField(_l("核验结论"), choices=[SelectChoice("accept", _l("整改到位，确认已整改")),
                                                    SelectChoice("return", _l("整改不到位，退回重新整改"))],
                           validators=[InputRequired(_l("请选择核验结论"))])
    note = TextAreaField(_l("核验意见"), filters=[_strip], validators=[Optional(), Length(max=2000)])
