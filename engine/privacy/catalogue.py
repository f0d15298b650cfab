"""The data catalogue (数据目录): every personal field casegrid stores, with its class and how it is protected.

PIPL Art. 51 asks for personal information to be classified and protected by class. Three classes:

* 一般 (``general``): personal only in context (an address typed into a public issue, a staff name);
  published text passes :mod:`engine.public.redaction`.
* 敏感 (``sensitive``): identifies or reaches a person (a reporter's name and phone, a party's contact).
  Stored encrypted under the case's data key (:mod:`engine.privacy.keys`); masked on every page; seen in
  full only after a purpose and a detail are written to the access log.
* 核心 (``core``): health, finances, family matters, ID numbers. Encrypted like 敏感, and seen in full only
  with the supervisor's (社区书记) approval, which expires.

This module is the one place that says which column holds what: the admin page 数据目录 lists it, the
shredding code erases what it marks ``encrypted`` and tests check every such column holds ciphertext.
A field another package adds (a household note, say) gets its line here and stores its value with
:func:`engine.privacy.keys.encrypt_field`.
"""
from __future__ import annotations

from dataclasses import dataclass

GENERAL, SENSITIVE, CORE = "general", "sensitive", "core"
#: Class code → the Chinese name shown on the catalogue page and in messages.
LEVELS: dict[str, str] = {GENERAL: "一般", SENSITIVE: "敏感", CORE: "核心"}


@dataclass(frozen=True)
class Field:
    """One personal field: where it is stored, what it is, its class and how it is protected."""

    #: ``table.column`` (or ``table.column[key]`` for a value inside a JSON column).
    key: str
    label: str
    level: str
    #: Stored as ciphertext under the case's data key (and so erased when the key is shredded).
    encrypted: bool
    #: Whose data it is.
    subject: str
    #: What it is kept for (最小必要: a field with no purpose should not be stored).
    purpose: str
    #: How long it is kept (see :mod:`engine.privacy.retention` for the periods).
    retention: str
    note: str = ""

    @property
    def level_label(self) -> str:
        return LEVELS[self.level]

    @property
    def table(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def column(self) -> str:
        return self.key.split(".", 1)[1]


_CASE = "随案件：结案后按保存期限删除（见下）"

CATALOGUE: tuple[Field, ...] = (
    Field("reporter_contact.name", "反映人姓名", SENSITIVE, True, "反映人", "回访、核实反映内容", _CASE),
    Field("reporter_contact.phone", "反映人电话", SENSITIVE, True, "反映人", "回访、核实反映内容", _CASE),
    Field("mediation_party.name", "调解当事人姓名", SENSITIVE, True, "纠纷当事人", "调解、制作协议", _CASE,
          "哈希链只保存其摘要"),
    Field("mediation_party.phone", "调解当事人电话", SENSITIVE, True, "纠纷当事人", "通知调解、确认协议", _CASE,
          "哈希链只保存其摘要"),
    Field("mediation_party.address", "调解当事人住址", SENSITIVE, True, "纠纷当事人", "送达调解文书", _CASE,
          "哈希链只保存其摘要"),
    Field("mediation.summary", "纠纷概要", CORE, False, "纠纷当事人", "调解", _CASE,
          "可能涉及婚姻家庭、劳资、健康等核心信息；尚未加密存储，查看尚不需审批（它也是案件描述，随案件页显示）"),
    Field("resident_subscription.address", "反映人订阅的邮箱或手机号", SENSITIVE, False, "反映人",
          "按其同意发送办理进展", _CASE, "撤回同意后不再发送"),
    Field("delivery.address", "通知发送地址", SENSITIVE, False, "反映人、工作人员", "发送通知并留存发送记录", _CASE),
    Field("household_note.text", "住户备注中标为敏感的（健康、家庭状况、收入等）", CORE, False, "住户及其家庭成员",
          "走访、帮扶", "随住户档案", "查看须说明目的并经街道督办（社区书记）批准，批准限时有效（默认 24 小时）；"
          "申请、审批、查看均记入数据使用记录；加密存储于该住户自己的数据密钥下（住户不是案件，"
          "不随案件删除；见 engine/privacy/household_keys.py）"),
    Field("household.head_name", "户主姓名", SENSITIVE, False, "户主", "户主表决计票", "随户籍变动更新"),
    Field("case.description", "问题描述", GENERAL, False, "反映人及所涉他人", "办理案件",
          "随案件；哈希链保存其原文（公开页面经脱敏处理）", "自由文本，可能含个人信息：公开时自动遮盖姓名、电话、证件号"),
    Field("case.address", "问题地址", GENERAL, False, "反映人", "派单、现场处置", "随案件；哈希链保存其原文"),
    Field("case_location.lat", "Open311 上报位置", GENERAL, False, "反映人", "派单、现场处置", _CASE),
    Field("hotline_caller.name", "12345 来电人姓名", SENSITIVE, True, "来电人", "回访、核实工单内容", _CASE),
    Field("hotline_caller.phone", "12345 来电人电话", SENSITIVE, True, "来电人", "回访、核实工单内容", _CASE),
    Field("resident_identity.phone", "居民随手拍验证手机号", SENSITIVE, False, "居民", "验证码登录、找回本人报告",
          "长期（本人报告的凭据）", "不随案件：尚未加密存储"),
    Field("notification_preference.phone", "工作人员手机号", SENSITIVE, False, "工作人员", "发送工作通知", "在职期间"),
    Field("notification_preference.email", "工作人员邮箱", GENERAL, False, "工作人员", "发送工作通知", "在职期间"),
    Field("user_account.display_name", "工作人员姓名", GENERAL, False, "工作人员", "留痕、问责", "长期（审计记录需要）"),
)

_BY_KEY = {f.key: f for f in CATALOGUE}


def field(key: str) -> Field:
    """The catalogue entry for ``table.column`` (KeyError for a field not catalogued)."""
    return _BY_KEY[key]


def encrypted_fields() -> tuple[Field, ...]:
    """The fields stored as ciphertext under a case's data key."""
    return tuple(f for f in CATALOGUE if f.encrypted)


def level_of(key: str) -> str:
    return _BY_KEY[key].level
