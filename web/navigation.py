"""Links each role sees in the top bar; a link appears once its blueprint exists."""
from __future__ import annotations

from flask import Flask, current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from flask_login import current_user

from engine.people.roles import INTEGRATION_ROLES, ROLE_LABELS, is_integration, role_for_lane

_WORKERS = {"grid_worker", "council", "department", "mediator", "supervisor"}

#: (endpoint, label, roles that see it)
NAV = [
    ("inbox.index", _l("我的待办"), _WORKERS | {"auditor"}),
    ("cases.search", _l("案件查询"), _WORKERS | {"auditor"}),
    ("public.report", _l("代居民登记"), {"grid_worker"}),
    ("field.index", _l("入户走访"), {"grid_worker", "supervisor", "auditor"}),
    ("mediation.index", _l("我的调解"), {"mediator"}),
    ("mediation.index", _l("矛盾调解"), {"grid_worker", "supervisor"}),
    ("council.index", _l("议事会议"), {"council"}),
    ("council.votes", _l("户主表决"), {"grid_worker"}),
    ("council.households", _l("住户登记"), {"grid_worker", "council"}),
    ("projects.index", _l("治理项目"), {"council", "auditor"}),
    ("joint.index", _l("联席会议"), {"council", "supervisor"}),
    ("rectification.index", _l("整改清单"), {"council", "supervisor", "auditor", "department"}),
    ("assessments.index", _l("考核评估"), {"supervisor", "auditor", "council"}),
    ("dispatch.extensions", _l("延期审批"), {"supervisor"}),
    ("hotline.index", _l("12345 工单"), {"supervisor"}),
    ("audit.core_requests", _l("核心数据审批"), {"supervisor"}),
    ("processes.index", _l("流程管理"), {"supervisor"}),
    ("routing.index", _l("权责清单"), {"supervisor", "auditor"}),
    ("audit.index", _l("审计回放"), {"auditor", "supervisor"}),
    ("ops.index", _l("运行监控"), {"supervisor", "admin"}),
    ("admin.users", _l("用户管理"), {"admin"}),
    ("admin.organisation", _l("部门与网格"), {"admin"}),
    ("admin.data_catalogue", _l("数据目录"), {"admin"}),
    ("notify.outbox", _l("消息发送"), {"admin"}),
    ("public.my_reports", _l("我的报告"), {"resident"}),
]

PUBLIC = [
    ("public.report", _l("我要反映问题")),
    ("public.track", _l("查询办理进度")),
    ("public.my_reports", _l("我的报告")),
]


def nav_links() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    return [(endpoint, str(label)) for endpoint, label, who in NAV
            if current_user.role in who and endpoint in current_app.view_functions]


#: How many of a role's links stand in the bar at once; the rest open from 更多 (a supervisor has fourteen,
#: which scrolled sideways out of sight at 1280 px).
NAV_INLINE = 7


def nav_groups() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The links in the bar and those under 更多 (none when one more link would fit as well as the menu)."""
    links = nav_links()
    if len(links) <= NAV_INLINE + 1:
        return links, []
    return links[:NAV_INLINE], links[NAV_INLINE:]


def public_links() -> list[tuple[str, str]]:
    return [(endpoint, str(label)) for endpoint, label in PUBLIC if endpoint in current_app.view_functions]


def current_language() -> str:
    """The key of ``LANGUAGES`` being shown (Babel may spell zh_CN as zh_Hans_CN)."""
    shown = get_locale()
    languages = current_app.config["LANGUAGES"]
    return next((code for code in languages if shown is not None and code.split("_")[0] == shown.language),
                "zh_CN")


def role_label(role: str) -> str:
    """A role (its code, or the Chinese lane name a work item records) as the page's language names it."""
    if is_integration(role):
        return pgettext("role", INTEGRATION_ROLES[role])
    found = role_for_lane(role)
    return pgettext("role", ROLE_LABELS[found]) if found else role


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(nav_links=nav_links, nav_groups=nav_groups, public_links=public_links, role_label=role_label,
                                 current_language=current_language)
