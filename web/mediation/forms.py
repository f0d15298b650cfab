"""Forms of the mediator's workspace. Context (parties, mediators, grids) arrives by keyword."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FileField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from engine.cases.intake import CHANNELS
from engine.mediation.intake import (
    DISPUTE_TYPES,
    MAX_PARTIES,
    MIN_PARTIES,
    PARTY_ROLES,
    REFERRAL_CHANNELS,
    MediationIntake,
    PartyIntake,
)
from engine.mediation.read_models import PartyView
from web.cases.labels import CHANNEL
from web.mediation import labels
from web.public.forms import PHONE

#: The status filter of "my mediations".
STATUS_CHOICES = [SelectChoice("open", _l("调解中")), SelectChoice("closed", _l("已结案")), SelectChoice("all", _l("全部"))]


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _choices(table: Mapping[str, Any], codes: Sequence[str]) -> list[SelectChoice]:
    return [SelectChoice(code, table.get(code, code)) for code in codes]


class ListForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes

    status = SelectField(_l("状态"), choices=STATUS_CHOICES, default="open")


# -- registering a dispute ------------------------------------------------------------------------

class PartyForm(Form):
    """One party; a row left without a name is ignored (the form shows spare rows)."""

    name = StringField(_l("姓名或单位名称"), filters=[_strip],
                       validators=[Optional(), Length(max=100, message=_l("最多 %(max)d 字"))])
    party_role = SelectField(_l("身份"), choices=_choices(labels.PARTY_ROLE, PARTY_ROLES), default="applicant")
    phone = StringField(_l("联系电话"), filters=[_strip], render_kw={"type": "tel", "inputmode": "tel"},
                        validators=[Optional(), Regexp(PHONE, message=_l("电话号码格式不对，请只填数字"))])
    address = StringField(_l("住址"), filters=[_strip],
                          validators=[Optional(), Length(max=300, message=_l("最多 %(max)d 字"))])


class IntakeForm(FlaskForm):
    source = HiddenField()
    dispute_type = SelectField(_l("纠纷类型"), choices=_choices(labels.DISPUTE_TYPE, DISPUTE_TYPES),
                               validators=[InputRequired(message=_l("请选择纠纷类型"))])
    title = StringField(_l("标题"), filters=[_strip], description=_l("可以不填，默认取纠纷情况的第一句"),
                        validators=[Optional(), Length(max=200, message=_l("最多 %(max)d 字"))])
    summary = TextAreaField(_l("纠纷情况"), filters=[_strip], description=_l("双方因何事发生纠纷、经过和各自诉求"),
                            validators=[DataRequired(message=_l("请简要说明纠纷情况")),
                                        Length(min=5, max=4000, message=_l("应为 %(min)d 到 %(max)d 个字"))])
    grid_code = SelectField(_l("所在网格"), validators=[Optional()])
    address = StringField(_l("纠纷发生地点"), filters=[_strip],
                          validators=[Optional(), Length(max=300, message=_l("最多 %(max)d 字"))])
    channel = SelectField(_l("来源渠道"), choices=_choices(CHANNEL, CHANNELS), default="grid_visit")
    parties = FieldList(FormField(PartyForm), min_entries=MIN_PARTIES + 1, max_entries=MAX_PARTIES)

    def __init__(self, *args: Any, grids: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grid_code.choices = [SelectChoice("", _l("不选"))] + [SelectChoice(c, n) for c, n in grids.items()]

    def validate_parties(self, field: FieldList) -> None:
        if sum(1 for entry in field.entries if entry.form.name.data) < MIN_PARTIES:
            raise ValidationError(_l("调解至少需要 %(num)d 方当事人：请填写每一方的姓名", num=MIN_PARTIES))

    def party_list_errors(self) -> list[str]:
        """Errors about the parties as a whole (the rows' own errors are shown next to their fields)."""
        return [str(e) for e in self.parties.errors if not isinstance(e, (dict, list))]

    def to_intake(self) -> MediationIntake:
        parties = tuple(PartyIntake(e.form.name.data, e.form.party_role.data, e.form.phone.data or None,
                                    e.form.address.data or None) for e in self.parties.entries if e.form.name.data)
        return MediationIntake(dispute_type=self.dispute_type.data, summary=self.summary.data, parties=parties,
                               title=self.title.data or None, grid_code=self.grid_code.data or None,
                               address=self.address.data or None, channel=self.channel.data)

    def add_engine_errors(self, errors: Mapping[str, str]) -> list[str]:
        """Put the engine's field errors next to their fields (``parties-<i>-<field>`` included)."""
        named = [e for e in self.parties.entries if e.form.name.data]
        unplaced = []
        for key, message in errors.items():
            target = None
            if key.startswith("parties-") and key.count("-") == 2:
                _, index, name = key.split("-")
                if index.isdigit() and int(index) < len(named) and name in named[int(index)].form:
                    target = named[int(index)].form[name]
            elif key in self and key != "parties":
                target = self[key]
            if target is None:
                unplaced.append(message)
            else:
                target.errors = [*target.errors, message]
        return unplaced


# -- the richer task forms ------------------------------------------------------------------------

class _TaskPageForm(FlaskForm):
    #: The case's optimistic-lock counter when the form was shown (a later change is a conflict).
    case_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class EmptyVersionForm(_TaskPageForm):
    """A button that changes the case: only the CSRF token and the version the page showed."""


class AssignForm(_TaskPageForm):
    mediator = SelectField(_l("调解员"), validators=[InputRequired(message=_l("请选择调解员"))])
    assignment_note = TextAreaField(_l("指派说明"), filters=[_strip],
                                    validators=[Optional(), Length(max=500, message=_l("最多 %(max)d 字"))])

    def __init__(self, *args: Any, mediators: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mediator.choices = [SelectChoice("", _l("请选择"))] + [
            SelectChoice(user, f"{name}（{user}）") for user, name in mediators.items()]


def _party_label(party: PartyView) -> str:
    return f"{party.name}（{labels.label(labels.PARTY_ROLE, party.party_role)}）"


class ConsentForm(_TaskPageForm):
    """One answer per party (built for the case's parties), then where a refusal is sent."""

    referral_channel = SelectField(_l("有当事人不同意时，引导的解决渠道"), validators=[Optional()])
    consent_note = TextAreaField(_l("征询情况"), filters=[_strip],
                                 validators=[Optional(), Length(max=1000, message=_l("最多 %(max)d 字"))])

    @classmethod
    def for_parties(cls, parties: Sequence[PartyView], **kwargs: Any) -> ConsentForm:
        attrs = {f"party_{p.id}": RadioField(
            _party_label(p), choices=_choices(labels.CONSENT, ("agreed", "refused")),
            validators=[InputRequired(message=_l("请记录这一方是否同意调解"))]) for p in parties}
        form = type("ConsentPartiesForm", (cls,), attrs)(**kwargs)
        form.referral_channel.choices = [SelectChoice("", _l("请选择"))] + _choices(labels.REFERRAL, REFERRAL_CHANNELS)
        form.party_ids = [p.id for p in parties]
        return form

    def party_fields(self) -> list[RadioField]:
        return [self[f"party_{i}"] for i in self.party_ids]

    def answers(self) -> dict[int, str]:
        return {i: self[f"party_{i}"].data for i in self.party_ids}

    def add_engine_errors(self, errors: Mapping[str, str]) -> list[str]:
        unplaced = []
        for key, message in errors.items():
            name = key.replace("party-", "party_") if key.startswith("party-") else key
            if name in self:
                self[name].errors = [*self[name].errors, message]
            else:
                unplaced.append(message)
        return unplaced


class AgreementDraftForm(_TaskPageForm):
    """The agreement's terms: saved as a draft, printed, and signed by each party before it takes effect."""

    agreement_terms = TextAreaField(_l("协议内容（各方权利义务）"), filters=[_strip],
                                    description=_l("逐条写明各方同意的事项，例如赔偿金额、支付方式和期限"),
                                    validators=[DataRequired(message=_l("请写明协议内容")),
                                                Length(min=5, max=4000, message=_l("应为 %(min)d 到 %(max)d 个字"))])
    performance_deadline = DateField(_l("履行期限"), format="%Y-%m-%d", validators=[Optional()],
                                     description=_l("格式：年-月-日，例如 2026-03-20（可以不填）"))
    agreement_note = TextAreaField(_l("备注"), filters=[_strip],
                                   validators=[Optional(), Length(max=1000, message=_l("最多 %(max)d 字"))])

    def add_engine_errors(self, errors: Mapping[str, str]) -> list[str]:
        return _place(self, errors)


SIGNATURE_CHOICES = [SelectChoice("signed", _l("已签字")), SelectChoice("refused", _l("拒绝签字"))]


class SignatureForm(_TaskPageForm):
    """One party's answer to the printed draft: signed on a day (with the signed scan), or refused and why."""

    party_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    outcome = RadioField(_l("签字情况"), choices=SIGNATURE_CHOICES,
                         validators=[InputRequired(message=_l("请选择这一方是否签字"))])
    signed_on = DateField(_l("签字日期"), format="%Y-%m-%d", validators=[Optional()],
                          description=_l("格式：年-月-日"))
    scan = FileField(_l("签字页扫描件或照片（可以不传）"),
                     render_kw={"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif,application/pdf"},
                     description=_l("照片或 PDF，作为证据存档，可在案件页查看"))
    note = TextAreaField(_l("不签字的原因"), filters=[_strip],
                         validators=[Optional(), Length(max=1000, message=_l("最多 %(max)d 字"))])

    def add_engine_errors(self, errors: Mapping[str, str]) -> list[str]:
        return _place(self, {("scan" if key == "file" else key): message for key, message in errors.items()})


class NoAgreementForm(_TaskPageForm):
    """The mediator's confirmation that the draft will not take effect (the case goes to 调解不成处置)."""

    reason = TextAreaField(_l("协议不能生效的原因"), filters=[_strip],
                           validators=[DataRequired(message=_l("请说明协议为何不能生效")),
                                       Length(min=4, max=1000, message=_l("应为 %(min)d 到 %(max)d 个字"))])
    confirm = BooleanField(_l("我确认：协议未生效，案件转入“调解不成处置”"),
                           validators=[DataRequired(message=_l("请勾选确认后再提交"))])

    def add_engine_errors(self, errors: Mapping[str, str]) -> list[str]:
        return _place(self, errors)


def _place(form: FlaskForm, errors: Mapping[str, str]) -> list[str]:
    """The engine's field errors next to their fields; the others, to show above the form."""
    unplaced = []
    for key, message in errors.items():
        if key in form and key != "case_version":
            form[key].errors = [*form[key].errors, message]
        else:
            unplaced.append(message)
    return unplaced
