"""Forms of the notification pages; the engine checks the values and names the bad field."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from engine.notify.preferences import Preferences


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PreferencesForm(FlaskForm):
    channels = CheckboxList(_l("除站内通知外，还通过"), choices=[SelectChoice("email", _l("电子邮件")),
                                                          SelectChoice("sms", _l("短信")),
                                                          SelectChoice("wechat", _l("企业微信"))],
                           validate_choice=True)
    email = StringField(_l("电子邮箱"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("手机号码"), validators=[Optional(), Length(max=40)],
                        description=_l("短信和企业微信通知发到这个号码"))
    quiet_start = StringField(_l("免打扰开始"), validators=[Optional(), Length(max=5)],
                              description=_l("如 22:00；免打扰时段内非紧急的短信、邮件推迟到时段结束后发送"))
    quiet_end = StringField(_l("免打扰结束"), validators=[Optional(), Length(max=5)], description=_l("如 07:30"))
    locale = SelectField(_l("通知语言"), choices=[SelectChoice("zh_CN", "中文"), SelectChoice("en", "English")])

    def to_preferences(self) -> Preferences:
        return Preferences(tuple(self.channels.data or ()), self.email.data or "", self.phone.data or "",
                           self.quiet_start.data or "", self.quiet_end.data or "", self.locale.data or "zh_CN")

    @classmethod
    def of(cls, prefs: Preferences) -> PreferencesForm:
        return cls(data={"channels": list(prefs.channels), "email": prefs.email, "phone": prefs.phone,
                         "quiet_start": prefs.quiet_start, "quiet_end": prefs.quiet_end, "locale": prefs.locale})


class TemplateForm(FlaskForm):
    subject = StringField(lazy_pgettext("message", "标题"), validators=[Length(max=200)])
    body = TextAreaField(_l("正文"), validators=[Length(max=5000)], render_kw={"rows": 8})
