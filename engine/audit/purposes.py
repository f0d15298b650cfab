"""Why someone may see a reporter's personal data unmasked: a purpose from a fixed list, and a detail.

A free-text reason alone was satisfied by any four characters ("看看号码"); a purpose chosen from the
list says which lawful ground the view rests on (and can be counted and reviewed), and the detail must
be long enough to tell a reviewer what, in this case, made it necessary. Both go to the data-use log.
"""
from __future__ import annotations

from engine.errors import ValidationError

#: Purpose code → the words recorded in the data-use log (and shown in the form).
UNMASK_PURPOSES: dict[str, str] = {
    "contact": "处理本案需要联系当事人",
    "verify_identity": "核实反映人身份",
    "revisit": "回访核实办理结果",
    "legal_request": "依法调取（公安、法院、纪检监察等）",
    "complaint": "处理对本案的投诉或申诉",
}
#: Why the mediator in charge of a mediation sees its parties' contacts (they asked to, on the workspace).
MEDIATION_CONTACT = "承办本案调解（本案调解员）"
#: The detail must say something specific: at least this many characters, and not one repeated.
MIN_DETAIL = 10
MAX_DETAIL = 400
#: Fewer distinct characters than this is filler ("aaaaaaaaaa", "。。。。。。。。。。").
MIN_DISTINCT = 4


def unmask_reason(purpose: str | None, detail: str | None) -> str:
    """The access-log reason for an unmasking (``<purpose>：<detail>``); :class:`ValidationError` naming the
    ``purpose`` or ``detail`` field when either does not do."""
    errors: dict[str, str] = {}
    if purpose not in UNMASK_PURPOSES:
        errors["purpose"] = "请从列表中选择查看目的"
    text = " ".join((detail or "").split())
    if len(text) < MIN_DETAIL or len(set(text) - {" "}) < MIN_DISTINCT:
        errors["detail"] = f"请具体说明本案为何需要查看（至少 {MIN_DETAIL} 个字）"
    elif len(text) > MAX_DETAIL:
        errors["detail"] = f"说明最多 {MAX_DETAIL} 个字"
    if errors:
        raise ValidationError("请说明查看目的", errors)
    return f"{UNMASK_PURPOSES[purpose]}：{text}"  # type: ignore[index]
