"""Names of the kinds of notification and of the channels, as people read them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

KINDS = {
    "new_work": _l("新待办"), "reassigned": _l("任务改派"), "escalated": _l("超时督办"), "deadline": _l("时限提醒"),
    "digest": _l("超期日报"), "sitting": _l("议事会议"), "joint_reminder": _l("联席会议提醒"),
    "joint_missed": _l("联席会议未按期召开"), "field_due": _l("走访到期提醒"), "field_overdue": _l("走访超期"),
    "rectification_overdue": _l("整改逾期"),
    "receipt": _l("居民受理回执"),
    "case_update": _l("居民办理进展"), "rating_reminder": _l("居民评价提醒"), "urged": lazy_pgettext("notification", "催办"),
    "extension_requested": _l("延期申请"), "extension_decided": _l("延期审批结果"),
}
CHANNELS = {"inapp": _l("站内"), "email": _l("电子邮件"), "sms": _l("短信"), "wechat": _l("企业微信"), "log": _l("日志")}
LOCALE_NAMES = {"zh_CN": "中文", "en": "English"}


def kind_label(kind: str) -> str:
    return str(KINDS.get(kind, kind))
