"""Words for the engine's codes (status, phase, outcome …), translated like every other string."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS = {"open": _l("办理中"), "closed": _l("已结案")}

PHASE = {
    "collect": _l("收集研判"), "negotiate": _l("协商议定"), "assign": _l("交办落实"), "evaluate": _l("成效评估"),
    "mediate": _l("调解"), "waiting": _l("等待中"), "closed": _l("已结束"),
}

OUTCOME = {
    "resolved": _l("已解决"), "rejected": _l("不予采纳"), "merged": _l("重复件已合并"),
    "closed_by_supervisor": _l("督办裁定结案"), "refused": _l("不予受理"), "completed": _l("已完成"), "referred": _l("已转介"),
    "withdrawn": _l("已撤回"),
}

CHANNEL = {
    "grid_visit": _l("网格员入户走访"), "hotline": _l("热线电话"), "web": _l("网上反映"),
    "open311": _l("Open311 接口"), "council": _l("议事会提议"), "resident_app": _l("居民随手拍"),
    "hotline_order": _l("12345 热线工单"),
}

RATING = {"satisfied": _l("满意"), "basically": _l("基本满意"), "dissatisfied": _l("不满意")}

ITEM_STATE = {"ready": _l("待认领"), "claimed": _l("已认领"), "completed": _l("已完成"), "cancelled": _l("已取消")}


def label(table: dict, code: str | None) -> str:
    """The word for ``code`` in ``table``; an unknown code is shown as it is (a new diagram may add some)."""
    if code is None:
        return ""
    return str(table[code]) if code in table else code
