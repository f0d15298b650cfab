"""Forms of the joint-meeting pages. The sitting's per-unit attendance is read from the request by
:func:`attendees` (one checkbox and one name field per member unit)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import DateTimeLocalField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from engine.joint.operations import MAX_CADENCE_MONTHS, MAX_REMIND_DAYS, UNIT_KINDS

CHINA = ZoneInfo("Asia/Shanghai")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class CadenceForm(FlaskForm):
    chair_username = StringField(_l("召集人账号"), filters=[_strip], description=_l("社区治理委员会的账号，负责审定会议纪要"),
                                 validators=[DataRequired(_l("请填写召集人账号")), Length(max=80)])
    cadence_months = IntegerField(_l("召开周期（月）"), default=1, description=_l("每几个月至少召开一次"),
                                  validators=[InputRequired(_l("请填写召开周期")),
                                              NumberRange(1, MAX_CADENCE_MONTHS, _l("应为 %(min)s 至 %(max)s"))])
    remind_days = IntegerField(_l("提前提醒（天）"), default=7,
                               validators=[InputRequired(_l("请填写提前提醒天数")),
                                           NumberRange(0, MAX_REMIND_DAYS, _l("应为 %(min)s 至 %(max)s"))])


class CommitteeForm(CadenceForm):
    community = SelectField(_l("社区"), validate_choice=False, validators=[DataRequired(_l("请选择社区"))])

    def __init__(self, *args: Any, communities: Iterable[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.community.choices = [SelectChoice("", _l("请选择"))] + [SelectChoice(c, c) for c in communities]


class UnitForm(FlaskForm):
    name = StringField(_l("成员单位"), filters=[_strip], validators=[DataRequired(_l("请填写成员单位名称")),
                                                                  Length(max=200)])
    kind = SelectField(_l("单位类型"), choices=[SelectChoice(k, _l(v)) for k, v in UNIT_KINDS.items()],
                       validators=[InputRequired(_l("请选择单位类型"))])
    representative = StringField(_l("参会代表"), filters=[_strip], validators=[DataRequired(_l("请填写参会代表")),
                                                                            Length(max=100)])


class MeetingForm(FlaskForm):
    title = StringField(_l("会议名称"), filters=[_strip], validators=[DataRequired(_l("请填写会议名称")),
                                                                   Length(max=200)])
    scheduled_for = DateTimeLocalField(_l("会议时间"), format="%Y-%m-%dT%H:%M",
                                       validators=[DataRequired(_l("请填写会议时间（年-月-日 时:分）"))])
    location = StringField(_l("地点"), filters=[_strip], validators=[Optional(), Length(max=200)])

    def when(self) -> datetime:
        return self.scheduled_for.data.replace(tzinfo=CHINA)


class SittingForm(FlaskForm):
    resolutions = TextAreaField(_l("通过的决议（每行一条）"), filters=[_strip],
                                description=_l("决议内容 | 责任单位 | 完成期限（YYYY-MM-DD）| 关联案件或项目编号（可省）"),
                                validators=[Optional(), Length(max=20000)])
    minutes = TextAreaField(_l("会议纪要（草稿，经召集人审定后公示）"), filters=[_strip],
                            validators=[Optional(), Length(max=20000)])


class DoneForm(FlaskForm):
    note = TextAreaField(_l("执行情况"), filters=[_strip], validators=[Optional(), Length(max=2000)])


class ApproveForm(FlaskForm):
    """Only the CSRF token: the chair's approval has no fields."""


def attendees(form: MultiDict[str, str], unit_ids: Iterable[int]) -> dict[int, str]:
    """Present units (``present`` checkboxes: unit ids) → who attended (``attendee-<id>``, may be empty).

    A value that is not a unit id of this committee is kept as an id the engine refuses (``-1``)."""
    known = set(unit_ids)
    chosen: dict[int, str] = {}
    for raw in form.getlist("present"):
        unit_id = int(raw) if raw.isdigit() and len(raw) < 10 else -1
        if unit_id not in known:
            unit_id = -1
        chosen[unit_id] = form.get(f"attendee-{unit_id}", "")[:200]
    return chosen
