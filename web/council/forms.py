"""Forms of the council's screens. The sitting's many per-item fields are read by :mod:`web.council.sitting`."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

CHINA = ZoneInfo("Asia/Shanghai")


class ScheduleForm(FlaskForm):
    title = StringField(_l("会议名称"), validators=[DataRequired(_l("请填写会议名称")), Length(max=200)])
    scheduled_for = DateTimeLocalField(_l("会议时间"), format="%Y-%m-%dT%H:%M",
                                       validators=[DataRequired(_l("请填写会议时间（年-月-日 时:分）"))])
    location = StringField(_l("地点"), validators=[Optional(), Length(max=200)])
    members = TextAreaField(_l("议事成员（每行一人）"), validators=[DataRequired(_l("请至少填写一名议事成员")),
                                                            Length(max=4000)])

    def when(self) -> datetime:
        return self.scheduled_for.data.replace(tzinfo=CHINA)

    def member_names(self) -> list[str]:
        return [line.strip() for line in (self.members.data or "").splitlines() if line.strip()]


class BallotForm(FlaskForm):
    choice = RadioField(_l("您的意见"), choices=[SelectChoice("yes", _l("同意")), SelectChoice("no", _l("反对")),
                                                 SelectChoice("abstain", _l("弃权"))],
                        validators=[DataRequired(_l("请选择同意、反对或弃权"))])


class ProxyForm(FlaskForm):
    choice = SelectField(_l("代为投票"), choices=[SelectChoice("", "—"), SelectChoice("yes", _l("同意")),
                                                 SelectChoice("no", _l("反对")), SelectChoice("abstain", _l("弃权"))],
                         validators=[DataRequired(_l("请选择同意、反对或弃权"))])


class HouseholdRegisterForm(FlaskForm):
    grid = SelectField(_l("网格"), validators=[DataRequired(_l("请选择网格"))])
    households = TextAreaField(_l("住户名单（每行一户：楼栋,房号,户主姓名）"),
                               validators=[DataRequired(_l("请填写住户")), Length(max=200_000)])
