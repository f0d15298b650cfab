"""Words for the mediation codes (dispute outcome, party role, session result …), translated like every string."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

#: Dispute types are data in Chinese (they are the cases' category); these give them their English.
DISPUTE_TYPE = {"邻里纠纷": _l("邻里纠纷"), "物业纠纷": _l("物业纠纷"), "婚姻家庭": _l("婚姻家庭"), "劳资": _l("劳资"),
                "其他": _l("其他")}
PARTY_ROLE = {"applicant": lazy_pgettext("party", "申请人"), "respondent": _l("被申请人"), "third_party": _l("第三人")}
CONSENT = {"agreed": _l("同意调解"), "refused": _l("不同意调解")}
OUTCOME = {"resolved": _l("调解成功"), "referred": _l("已移交"), "withdrawn": _l("已撤回")}
REFERRAL = {"litigation": _l("诉讼（诉调对接）"), "arbitration": _l("仲裁"), "administrative": _l("行政调处或信访等行政渠道")}
SESSION_RESULT = {"agreement": _l("达成调解协议"), "continue": _l("需再次调解"), "no_agreement": _l("调解不成")}
AGREEMENT_STATUS = {"draft": _l("草稿，等待各方签字"), "signed": _l("已生效，履行中"),
                    "declined": _l("未生效（有当事人未签字）"), "honoured": _l("已履行"),
                    "broken": _l("未履行"), "superseded": _l("未生效（已改写为新的协议稿）")}
ASSIGNMENT_STATE = {"assigned": _l("已指派"), "accepted": _l("已受理"), "recused": _l("申请回避"), "replaced": _l("已更换")}
STATUS = {"open": _l("调解中"), "closed": _l("已结案")}


def label(table: dict, code: str | None) -> str:
    """The word for ``code`` in ``table``; an unknown code is shown as it is."""
    if code is None:
        return ""
    return str(table[code]) if code in table else code
