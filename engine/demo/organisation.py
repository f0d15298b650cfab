"""The demo street office: departments, grids and one user per role."""
from __future__ import annotations

from functools import cache

from sqlalchemy.orm import Session

from engine.people.operations import ensure_department, ensure_grid, ensure_user
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

#: username → (display name, role, department, grid)
USERS = {
    "jumin": ("王阿姨（居民）", "resident", None, None),
    "wangge": ("李网格员", "grid_worker", None, "XF-01"),
    "wangge2": ("赵网格员", "grid_worker", None, "HP-01"),
    "yishi": ("张主任（议事会）", "council", None, None),
    "chengguan": ("城管中队", "department", "chengguan", None),
    "zhujian": ("住建办", "department", "zhujian", None),
    "wuye": ("物业服务中心", "department", "wuye", None),
    "tiaojie": ("陈调解员", "mediator", None, None),
    "dudao": ("刘书记（街道督办）", "supervisor", None, None),
    "jiandu": ("第三方评估员", "auditor", None, None),
    "admin": ("系统管理员", "admin", None, None),
}


@cache
def _demo_password_hash() -> str:
    # One salted hash shared by the demo accounts: scrypt is slow on purpose, the demo need not be.
    return hash_password(DEMO_PASSWORD)


def seed_organisation(session: Session) -> None:
    for code, name in DEPARTMENTS.items():
        ensure_department(session, code, name)
    for code, (name, community) in GRIDS.items():
        ensure_grid(session, code, name, community)
    for username, (display, role, department, grid) in USERS.items():
        ensure_user(session, username, display, role, department_code=department, grid_code=grid,
                    password_hash=_demo_password_hash())
