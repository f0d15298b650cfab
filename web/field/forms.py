"""Forms of the field pages. Context (households, categories, grids) arrives by keyword."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FileField, HiddenField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from web.audit.forms import UnmaskForm
from web.engine_errors import place_engine_errors as place_engine_errors

from engine.field.files import RELATIONS
from engine.field.flags import FLAGS
from engine.field.read_models import HouseholdRow
from engine.field.visits import MeetingInput, VisitInput
from engine.field.volunteers import ACCOUNTS, ServiceInput, VolunteerInput


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]



class VisitForm(FlaskForm):
    household_id = SelectField(_l("住户"), validate_choice=False, validators=[DataRequired(message=_l("请选择住户"))])
    visited_on = StringField(_l("走访日期"), filters=[_strip], description=_l("YYYY-MM-DD"),
                             validators=[DataRequired(message=_l("请填写走访日期")), Length(max=10)])
    met = StringField(_l("见到的人"), filters=[_strip], description=_l("姓名及与户主的关系，例如：户主本人、其女儿"),
                      validators=[DataRequired(message=_l("请填写见到的人")), Length(max=300, message=_l("最多 %(max)d 字"))])
    notes = TextAreaField(_l("走访情况"), filters=[_strip],
                          validators=[Length(max=4000, message=_l("最多 %(max)d 字"))])
    needs = TextAreaField(_l("发现的需求"), description=_l("每行一条；每条需求可以一步转为案件"),
                          validators=[Length(max=20000, message=_l("最多 %(max)d 字"))])
    gps_lat = HiddenField()
    gps_lon = HiddenField()
    client_key = HiddenField()

    def __init__(self, *args: Any, households: list[HouseholdRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.household_id.choices = [SelectChoice("", _l("请选择"))] + [
            SelectChoice(str(h.household_id), f"{h.address} {h.head_name}") for h in households]

    def to_input(self, photos: list[str]) -> VisitInput:
        try:
            household = int(self.household_id.data or 0)
        except ValueError:
            household = 0
        return VisitInput(household_id=household, visited_on=self.visited_on.data, met=self.met.data,
                          notes=self.notes.data or "", needs=lines(self.needs.data), photos=photos,
                          gps_lat=self.gps_lat.data, gps_lon=self.gps_lon.data, client_key=self.client_key.data)


class MeetingForm(FlaskForm):
    held_on = StringField(_l("会议日期"), filters=[_strip], description=_l("YYYY-MM-DD"),
                          validators=[DataRequired(message=_l("请填写会议日期")), Length(max=10)])
    topic = StringField(_l("会议主题"), filters=[_strip],
                        validators=[DataRequired(message=_l("请填写会议主题")), Length(max=200, message=_l("最多 %(max)d 字"))])
    location = StringField(_l("地点"), filters=[_strip],
                           validators=[DataRequired(message=_l("请填写地点")), Length(max=200, message=_l("最多 %(max)d 字"))])
    attendance = StringField(_l("参会人数"), filters=[_strip],
                             validators=[DataRequired(message=_l("请填写参会人数")), Length(max=6)])
    attendees = TextAreaField(_l("参会人员"), filters=[_strip], description=_l("签到名单，每行一人"),
                              validators=[Length(max=4000, message=_l("最多 %(max)d 字"))])
    issues = TextAreaField(_l("反映的问题"), description=_l("每行一条；每条可以一步转为案件"),
                           validators=[Length(max=20000, message=_l("最多 %(max)d 字"))])

    def to_input(self) -> MeetingInput:
        return MeetingInput(held_on=self.held_on.data, topic=self.topic.data, location=self.location.data,
                            attendance=self.attendance.data, attendees=self.attendees.data or "",
                            issues=lines(self.issues.data))


class NeedToCaseForm(FlaskForm):
    category = SelectField(_l("类别"), validate_choice=False, validators=[DataRequired(message=_l("请选择类别"))])

    def __init__(self, *args: Any, categories: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = [SelectChoice(c, c) for c in categories]


class FlagsForm(FlaskForm):
    flags = SelectMultipleField(_l("重点人群标识"), choices=[SelectChoice(k, _l(v)) for k, v in FLAGS.items()],
                                validate_choice=False)


class PlanForm(FlaskForm):
    name = StringField(_l("计划名称"), filters=[_strip],
                       validators=[DataRequired(message=_l("请填写计划名称")), Length(max=100, message=_l("最多 %(max)d 字"))])
    flag = SelectField(_l("重点人群"), choices=[SelectChoice(k, _l(v)) for k, v in FLAGS.items()],
                       validators=[InputRequired(message=_l("请选择重点人群"))])
    per_month = StringField(_l("每月至少走访次数"), filters=[_strip],
                            validators=[DataRequired(message=_l("请填写次数")), Length(max=2)])
    grid_code = SelectField(_l("网格"), validate_choice=False, description=_l("不选则适用于全部网格"))

    def __init__(self, *args: Any, grids: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grid_code.choices = [SelectChoice("", _l("全部网格"))] + [SelectChoice(c, n) for c, n in grids.items()]


class GenerateForm(FlaskForm):
    month = StringField(_l("月份"), filters=[_strip], description=_l("YYYY-MM，不填为本月"),
                        validators=[Length(max=7)])


class ActiveForm(FlaskForm):
    active = HiddenField()


class MemberForm(FlaskForm):
    name = StringField(_l("姓名"), filters=[_strip],
                       validators=[DataRequired(message=_l("请填写姓名")), Length(max=100, message=_l("最多 %(max)d 字"))])
    relation = SelectField(_l("与户主关系"), choices=[SelectChoice(r, _l(r)) for r in RELATIONS],
                           validators=[InputRequired(message=_l("请选择关系"))])
    birth_year = StringField(_l("出生年份"), filters=[_strip], validators=[Length(max=4)])


class NoteForm(FlaskForm):
    text = TextAreaField(_l("备注"), filters=[_strip],
                         validators=[DataRequired(message=_l("请填写备注")), Length(max=4000, message=_l("最多 %(max)d 字"))])
    sensitive = BooleanField(_l("核心个人信息（健康、家庭状况、收入等：查看须经街道督办审批并记入数据使用备案）"))


#: Asking to read a sensitive note: a purpose from the list and a detail, as for a reporter's contact.
NoteRequestForm = UnmaskForm


class RevealForm(FlaskForm):
    """Read a sensitive note under a running approval (the approved request's purpose is what is logged)."""


class ImportForm(FlaskForm):
    grid_code = SelectField(_l("网格"), validate_choice=False, validators=[DataRequired(message=_l("请选择网格"))])
    file = FileField(_l("住户表（CSV 或 XLSX）"), description=_l("列：楼栋、房号、户主、标识（多个标识用、分隔）"))

    def __init__(self, *args: Any, grids: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grid_code.choices = [SelectChoice(c, n) for c, n in grids.items()]


class VolunteerForm(FlaskForm):
    name = StringField(_l("姓名"), filters=[_strip],
                       validators=[DataRequired(message=_l("请填写姓名")), Length(max=100, message=_l("最多 %(max)d 字"))])
    phone = StringField(_l("联系电话"), filters=[_strip], validators=[Length(max=20, message=_l("最多 %(max)d 字"))])
    skills = StringField(_l("特长"), filters=[_strip], description=_l("例如：理发、维修、陪护、文艺"),
                         validators=[Length(max=300, message=_l("最多 %(max)d 字"))])
    availability = StringField(_l("可服务时间"), filters=[_strip], description=_l("例如：周末上午"),
                               validators=[Length(max=200, message=_l("最多 %(max)d 字"))])
    training = TextAreaField(_l("培训情况"), filters=[_strip],
                             validators=[Length(max=500, message=_l("最多 %(max)d 字"))])

    def to_input(self) -> VolunteerInput:
        return VolunteerInput(name=self.name.data or "", phone=self.phone.data or "", skills=self.skills.data or "",
                              availability=self.availability.data or "", training=self.training.data or "")


class ServiceForm(FlaskForm):
    served_on = StringField(_l("服务日期"), filters=[_strip], description=_l("YYYY-MM-DD"),
                            validators=[DataRequired(message=_l("请填写服务日期")), Length(max=10)])
    hours = StringField(_l("服务时长（小时）"), filters=[_strip], description=_l("以 0.25 小时为单位，例如 1.5"),
                        validators=[DataRequired(message=_l("请填写服务时长")), Length(max=6)])
    description = StringField(_l("服务内容"), filters=[_strip],
                              validators=[DataRequired(message=_l("请填写服务内容")),
                                          Length(max=300, message=_l("最多 %(max)d 字"))])
    visit_id = StringField(_l("协助的走访编号"), filters=[_strip], validators=[Length(max=9)])
    case_code = StringField(_l("协助的案件编号"), filters=[_strip], validators=[Length(max=40)])

    def to_input(self) -> ServiceInput:
        return ServiceInput(served_on=self.served_on.data or "", hours=self.hours.data or "",
                            description=self.description.data or "", visit_id=self.visit_id.data or None,
                            case_code=self.case_code.data or None)


class DecideForm(FlaskForm):
    decision = HiddenField()
    note = StringField(_l("说明"), filters=[_strip], validators=[Length(max=200, message=_l("最多 %(max)d 字"))])


class SpendForm(FlaskForm):
    account = SelectField(_l("账户"), choices=[SelectChoice(k, _l(v)) for k, v in ACCOUNTS.items()],
                          validators=[InputRequired(message=_l("请选择账户"))])
    amount = StringField(_l("数量"), filters=[_strip], description=_l("积分为分，时间银行为分钟"),
                         validators=[DataRequired(message=_l("请填写数量")), Length(max=9)])
    reason = StringField(_l("事由"), filters=[_strip], description=_l("例如：兑换生活用品、接受助餐服务"),
                         validators=[DataRequired(message=_l("请填写事由")), Length(max=200, message=_l("最多 %(max)d 字"))])
