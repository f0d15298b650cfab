"""The simulated street office: the demo's departments and grids plus more grids, and who works them.

Simulation accounts have no password (they cannot log in); they exist so that every actor the
simulation uses is a real user of the organisation, as the mediator assignment requires.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine.demo.mediation_scenarios import seed_mediators
from engine.demo.organisation import DEPARTMENTS, ENGLISH_NAMES, GRIDS, seed_organisation
from engine.people.actor import Actor
from engine.people.operations import ensure_grid, ensure_user, name_in_english
from engine.people.roles import Role

#: Grids beyond the demo's three: four communities, twelve grids.
EXTRA_GRIDS = {
    "XF-03": ("幸福里三网格", "幸福里社区"),
    "HP-02": ("和平苑二网格", "和平苑社区"),
    "HP-03": ("和平苑三网格", "和平苑社区"),
    "YG-01": ("阳光花园一网格", "阳光花园社区"),
    "YG-02": ("阳光花园二网格", "阳光花园社区"),
    "YG-03": ("阳光花园三网格", "阳光花园社区"),
    "YG-04": ("阳光花园四网格", "阳光花园社区"),
    "BH-01": ("滨河一网格", "滨河社区"),
    "BH-02": ("滨河二网格", "滨河社区"),
}
GRID_CODES = tuple(GRIDS) + tuple(EXTRA_GRIDS)
#: The mediators cases are assigned to in turn (the demo's two and a third).
MEDIATORS = ("tiaojie", "tiaojie2", "tiaojie3")

COUNCIL = Actor("yishi", Role.COUNCIL.value)
SUPERVISOR = Actor("dudao", Role.SUPERVISOR.value)


def grid_worker(grid_code: str) -> Actor:
    return Actor(f"sim-wg-{grid_code.lower()}", Role.GRID_WORKER.value, grid_code=grid_code)


def department(code: str) -> Actor:
    return Actor(f"sim-dept-{code}", Role.DEPARTMENT.value, department_code=code)


def seed_district(session: Session) -> None:
    """Add the simulated district to the database (idempotent; the demo organisation included)."""
    seed_organisation(session)
    seed_mediators(session)
    for code, (name, community) in EXTRA_GRIDS.items():
        ensure_grid(session, code, name, community)
    name_in_english(session, ENGLISH_NAMES)
    for code in GRID_CODES:
        actor = grid_worker(code)
        ensure_user(session, actor.username, f"网格员（{code}）", actor.role, grid_code=code)
    for code, name in DEPARTMENTS.items():
        actor = department(code)
        ensure_user(session, actor.username, name, actor.role, department_code=code)
    ensure_user(session, "tiaojie3", "吴调解员", Role.MEDIATOR.value)
