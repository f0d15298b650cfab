"""One small form per screen; each is validated on the server and shows its errors next to the field."""
from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from engine.errors import ValidationError as EngineValidationError
from engine.notify.residents import CONSENT_TEXT, check_contact
from engine.public import normalise_code
from web.wording import org_words

#: Kept short enough that all answers fit the signed session cookie (4 KB) between screens.
DESCRIPTION_MAX = 600
ADDRESS_MAX = 100
NAME_MAX = 40
COMMENT_MAX = 1000  # the rating task's ``rating_comment`` maxlength in bpmn/civic_loop.bpmn
INFORMATION_MAX = 600  # engine.cases.operations.INFORMATION_MAX

#: Same rule as the engine's intake check, so a bad number is refused on its own screen.
PHONE = re.compile(r"^\+?[0-9][0-9\- ]{5,19}$")



def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class CategoryForm(FlaskForm):
    category = RadioField(_l("问题类别"), validators=[InputRequired(message=_l("请点选一个类别"))])

    def __init__(self, *args: Any, categories: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Category names are data (the admin keeps the list); the shipped ones have translations.
        # Translated now, not lazily: a lazy string counts as safe HTML (``__html__``), so an admin's
        # "<script>" category would reach residents' pages unescaped.
        self.category.choices = [SelectChoice(c, org_words(c)) for c in categories]


class WhereForm(FlaskForm):
    grid_code = SelectField(_l("所在网格（小区）"), validators=[Optional()],
                            description=_l("不清楚可以不选"))
    address = StringField(_l("具体位置"), filters=[_strip],
                          validators=[Optional(), Length(max=ADDRESS_MAX, message=_l("最多 %(max)d 字"))],
                          description=_l("例如：幸福里 3 号楼 2 单元门口（可以不填）"))

    def __init__(self, *args: Any, grids: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grid_code.choices = [SelectChoice("", _l("不清楚 / 不选"))] + [
            SelectChoice(code, name) for code, name in grids.items()]


class WhatForm(FlaskForm):
    description = TextAreaField(_l("发生了什么？"), filters=[_strip], validators=[
        DataRequired(message=_l("请写下发生了什么")),
        Length(max=DESCRIPTION_MAX, message=_l("请简短一些，最多 %(max)d 字")),
    ], description=_l("说清楚是什么问题、什么时候开始的就可以，最多 600 字。"))


class PhotosForm(FlaskForm):
    """Photos of the problem (checked and stored by :mod:`web.public.photos`, not by validators here)."""

    photos = MultipleFileField(_l("照片（可以不传）"), render_kw={"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif"},
                               description=_l("可一次选多张，最多 6 张，每张不超过 10 MB。公开显示的照片会去掉拍摄时间和位置信息。"))


class ContactForm(FlaskForm):
    name = StringField(_l("怎么称呼您"), filters=[_strip],
                       validators=[Optional(), Length(max=NAME_MAX, message=_l("最多 %(max)d 字"))])
    phone = StringField(_l("联系电话"), filters=[_strip], render_kw={"type": "tel", "inputmode": "tel"},
                        validators=[Optional(), Regexp(PHONE, message=_l("电话号码格式不对，请只填数字"))])
    notify_contact = StringField(_l("接收办理进展的手机号或电子邮箱"), filters=[_strip],
                                 validators=[Optional(), Length(max=200, message=_l("最多 %(max)d 字"))],
                                 description=_l("可以不填。填写后会收到受理回执和办理进展，可随时退订。"))
    notify_consent = BooleanField(_l(CONSENT_TEXT))
    privacy_mode = BooleanField(_l("隐私保护模式"), description=_l(
        "勾选后，您的姓名和电话在工作人员页面上也完全隐藏，只有说明查看目的并记入数据使用记录后才能看到；"
        "本案也不会出现在公示栏、开放接口等任何公开页面上。"))

    def validate_notify_contact(self, field: StringField) -> None:
        try:
            check_contact(field.data or "", True)
        except EngineValidationError as error:
            raise ValidationError(_(error.field_errors["notify_contact"])) from None

    def validate_notify_consent(self, field: BooleanField) -> None:
        if (self.notify_contact.data or "").strip() and not field.data:
            raise ValidationError(_("接收通知须勾选同意"))


class SubmitForm(FlaskForm):
    """The review screen's confirm button (CSRF only)."""


class TrackForm(FlaskForm):
    code = StringField(_l("查询码"), filters=[_strip], render_kw={"autocomplete": "off", "autocapitalize": "characters"},
                       validators=[DataRequired(message=_l("请输入查询码"))],
                       description=_l("登记后拿到的查询码，例如 260302-ABC234"))

    def validate_code(self, field: StringField) -> None:
        if normalise_code(field.data) is None:
            raise ValidationError(_l("查询码格式不对：前 6 位是数字，后 6 位是字母或数字，例如 260302-ABC234"))


class RatingForm(FlaskForm):
    item = HiddenField(validators=[DataRequired()])
    rating_comment = TextAreaField(_l("还想说点什么（可以不填）"), filters=[_strip], validators=[
        Optional(), Length(max=COMMENT_MAX, message=_l("最多 %(max)d 字"))])
    rating = RadioField(_l("您对处理结果满意吗？"), validators=[InputRequired(message=_l("请点选一项"))],
                        choices=[SelectChoice("satisfied", _l("满意")), SelectChoice("basically", _l("基本满意")),
                                 SelectChoice("dissatisfied", _l("不满意"))])

    def item_id(self) -> int | None:
        return int(self.item.data) if str(self.item.data or "").isdigit() else None



class InformationForm(FlaskForm):
    """What the reporter adds to their open case, through the private link."""

    text = TextAreaField(_l("要补充的情况"), filters=[_strip], validators=[
        DataRequired(message=_l("请写下要补充的情况")),
        Length(max=INFORMATION_MAX, message=_l("请简短一些，最多 %(max)d 字")),
    ], description=_l("例如：情况更严重了、具体什么时间发生。只有办理的工作人员能看到，不会公开。"))
