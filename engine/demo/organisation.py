"""The demo street office: departments, grids and one user per role."""
from __future__ import annotations

from functools import cache

from sqlalchemy.orm import Session

from engine.org.service import ensure_default_units
from engine.people.operations import ensure_department, ensure_grid, ensure_user, name_in_english
from engine.people.passwords import hash_password

#: Password of every demo account (printed by ``casegrid demo``).
DEMO_PASSWORD = "casegrid-demo"

DEPARTMENTS = {
    "chengguan": "城管执法中队",
    "minzheng": "民政办",
    "weijian": "卫健办",
    "zhujian": "住建办",
    "gongan": "派出所",
    "wuye": "物业服务中心",
}

GRIDS = {
    "XF-01": ("幸福里一网格", "幸福里社区"),
    "XF-02": ("幸福里二网格", "幸福里社区"),
    "HP-01": ("和平苑一网格", "和平苑社区"),
}

#: What English pages call them (an admin enters these on the organisation page).
ENGLISH_NAMES = {
    "城管执法中队": "Urban Management Squad", "民政办": "Civil Affairs Office", "卫健办": "Health Office",
    "住建办": "Housing and Construction Office", "派出所": "Police Station", "物业服务中心": "Property Service Centre",
    "幸福里社区": "Xingfuli Community", "和平苑社区": "Hepingyuan Community", "阳光花园社区": "Sunshine Garden Community",
    "滨河社区": "Riverside Community",
    "幸福里一网格": "Xingfuli Grid 1", "幸福里二网格": "Xingfuli Grid 2", "幸福里三网格": "Xingfuli Grid 3",
    "和平苑一网格": "Hepingyuan Grid 1", "和平苑二网格": "Hepingyuan Grid 2", "和平苑三网格": "Hepingyuan Grid 3",
    "阳光花园一网格": "Sunshine Garden Grid 1", "阳光花园二网格": "Sunshine Garden Grid 2",
    "阳光花园三网格": "Sunshine Garden Grid 3", "阳光花园四网格": "Sunshine Garden Grid 4",
    "滨河一网格": "Riverside Grid 1", "滨河二网格": "Riverside Grid 2",
    "物业管理": "Property management", "环境卫生": "Sanitation", "公共设施": "Public facilities",
    "停车交通": "Parking and traffic", "噪音扰民": "Noise", "养老服务": "Elderly care", "安全隐患": "Safety hazard",
    "邻里纠纷": "Neighbour dispute", "其他": "Other",
}

#: username → (display name, role, department, grid)
USERS = {
    "jumin": ("王阿姨（居民）", "resident", None, None),
    "wangge": ("李网格员", "grid_worker", None, "XF-01"),
    "wangge2": ("赵网格员", "grid_worker", None, "HP-01"),
    "yishi": ("张主任（议事会）", "council", None, None),
    "chengguan": ("城管中队", "department", "chengguan", None),
    "zhujian": ("住建办", "department", "zhujian", None),
    "wuye": ("物业服务中心", "department", "wuye", None),
    "gongan": ("派出所值班室", "department", "gongan", None),
    "minzheng": ("民政办", "department", "minzheng", None),
    "weijian": ("卫健办", "department", "weijian", None),
    "tiaojie": ("陈调解员", "mediator", None, None),
    "dudao": ("刘书记（街道督办）", "supervisor", None, None),
    "jiandu": ("第三方评估员", "auditor", None, None),
    "admin": ("系统管理员", "admin", None, None),
}


@cache
def _demo_password_hash() -> str:
    # One salted hash shared by the demo accounts: scrypt is slow on purpose, the demo need not be.
    return hash_password(DEMO_PASSWORD)


def add_demo_user(session: Session, username: str, display_name: str, role: str, *,
                  department_code: str | None = None, grid_code: str | None = None, unit_id: int | None = None) -> None:
    """One more account with the demo password. Written directly, not through the password policy, which
    refuses the demo password for real accounts: it is published in the README, a guesser's first try."""
    ensure_user(session, username, display_name, role, department_code=department_code, grid_code=grid_code,
                password_hash=_demo_password_hash(), unit_id=unit_id)


def seed_organisation(session: Session) -> None:
    ensure_default_units(session)  # migration 0043 made them; a test's emptied database has none
    for code, name in DEPARTMENTS.items():
        ensure_department(session, code, name)
    for code, (name, community) in GRIDS.items():
        ensure_grid(session, code, name, community)
    for username, (display, role, department, grid) in USERS.items():
        add_demo_user(session, username, display, role, department_code=department, grid_code=grid)
    name_in_english(session, ENGLISH_NAMES)
