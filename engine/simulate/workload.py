"""The district's workload: when cases arrive, from which grid, about what, and which path each takes.

The figures are plausible for a street office of a dozen grids (weekday office-hour peaks, quiet
nights and weekends, a few bursts such as a storm or a water cut that bring many reports from
one grid within hours); what matters for the simulation is that every path of DESIGN.md §2 is
exercised in realistic proportions, interleaved in time, and the same for the same seed.
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from engine.calendar.workdays import CHINA_TZ

#: China Standard Time: office hours and arrival peaks are local.
CST = CHINA_TZ

#: Relative arrivals by local hour of day (0–23): a morning and an afternoon peak.
HOUR_WEIGHTS = (1, 0.5, 0.3, 0.3, 0.3, 0.5, 1, 3, 6, 9, 10, 8, 5, 5, 8, 9, 8, 6, 5, 5, 4, 3, 2, 1.5)
#: Relative arrivals by weekday (Monday first): weekends are quieter, Monday catches up.
WEEKDAY_WEIGHTS = (1.3, 1.1, 1.0, 1.0, 1.0, 0.55, 0.45)

#: Civic-loop categories (DESIGN.md §2.1) and their share of reports.
CATEGORY_MIX = {"物业管理": 22, "环境卫生": 20, "公共设施": 18, "停车交通": 12, "噪音扰民": 9,
                "养老服务": 6, "安全隐患": 8, "其他": 5}
#: Which department a category usually goes to when the council adopts it (the routing table's choice too).
DEPARTMENT_FOR = {"物业管理": "wuye", "环境卫生": "chengguan", "公共设施": "zhujian", "停车交通": "chengguan",
                  "噪音扰民": "gongan", "养老服务": "minzheng", "安全隐患": "zhujian", "其他": "chengguan"}
#: Share of all cases that are disputes for mediation (DESIGN.md §2.2).
MEDIATION_SHARE = 0.05
#: Dispute types and their share of mediations.
DISPUTE_MIX = {"邻里纠纷": 45, "物业纠纷": 25, "婚姻家庭": 15, "劳资": 10, "其他": 5}

#: Bursts: roughly one per ten days, each bringing this share of the period's cases within a few hours.
BURST_EVERY_DAYS = 10
BURST_SHARE = 0.03
BURST_HOURS = 6
BURST_CATEGORIES = ("公共设施", "环境卫生", "安全隐患")


@dataclass(frozen=True)
class PathMix:
    """How often each turn of a path is taken (the share of the cases, or of the tasks, that take it).

    The defaults are the district's; a test raises the rare ones to see every path in a few cases.
    """
    mediation: float = MEDIATION_SHARE
    on_spot: float = 0.38  #: triage resolves it on the spot (else dispatch, a whistle, the council)
    duplicate: float = 0.05  #: triage spots a duplicate of a recent case in the grid
    to_council: float = 0.12  #: of the rest: a major matter for the council (else dispatched)
    whistle: float = 0.1  #: of those dispatched: a whistle with a lead and co-departments
    refused: float = 0.02  #: triage refuses it with a published reason
    missed_triage: float = 0.02  #: the triage deadline passes: the supervisor triages
    council_defer: float = 0.07
    council_reject: float = 0.09
    major_matter: float = 0.1
    department_return: float = 0.06
    missed_accept: float = 0.05
    missed_on_site: float = 0.04
    missed_complete: float = 0.03
    silent_resident: float = 0.07  #: no rating within 7 days: the default rating
    dissatisfied: float = 0.07
    dissatisfied_again: float = 0.4  #: once unhappy, residents more often stay unhappy
    final_close: float = 0.6  #: the supervisor closes after the third reopening (else reassigns)
    conflict_of_interest: float = 0.05
    consent_refused: float = 0.08
    mediation_idle: float = 0.06  #: the mediator lets it lie for 30 days: the supervisor is told
    session_continue: float = 0.35
    session_agreement: float = 0.5
    declined_to_sign: float = 0.06
    agreement_broken: float = 0.1


@dataclass(frozen=True)
class CasePlan:
    """One case of the workload; ``seed`` drives the choices its path makes later."""
    index: int
    arrives_at: datetime
    kind: str  # "civic" or "mediation"
    category: str  # a civic category, or the dispute type of a mediation
    grid_code: str
    seed: int
    burst: bool = False


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def grid_weights(grid_codes: Sequence[str]) -> dict[str, float]:
    """Grids differ in size and age of housing: a Zipf-like spread of reports over them."""
    return {code: 1.0 / (rank + 1) ** 0.6 for rank, code in enumerate(grid_codes)}


def _arrival(rng: random.Random, start: datetime, days: int) -> datetime:
    day_weights = [WEEKDAY_WEIGHTS[(start.astimezone(CST) + timedelta(days=d)).weekday()] for d in range(days)]
    day = rng.choices(range(days), weights=day_weights)[0]
    hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
    local_midnight = (start.astimezone(CST) + timedelta(days=day)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (local_midnight + timedelta(hours=hour, seconds=rng.randrange(3600))).astimezone(timezone.utc)


def plan_workload(cases: int, days: int, seed: int, start: datetime, grid_codes: Sequence[str],
                  mediation_share: float = MEDIATION_SHARE) -> list[CasePlan]:
    """``cases`` arrivals over ``days`` days from ``start`` (the first local midnight on or after it), in time order."""
    rng = random.Random(seed)
    grids = grid_weights(grid_codes)
    bursts = [(start + timedelta(days=rng.uniform(0, max(days - 1, 0)), hours=rng.uniform(8, 14)),
               _pick(rng, grids), rng.choice(BURST_CATEGORIES))
              for _ in range(max(1, days // BURST_EVERY_DAYS))]
    per_burst = int(cases * BURST_SHARE)
    plans: list[CasePlan] = []
    for i in range(cases):
        burst = i < per_burst * len(bursts)
        if burst:
            at, grid, category = bursts[i // per_burst]
            at += timedelta(seconds=rng.uniform(0, BURST_HOURS * 3600))
            kind = "civic"
        else:
            at, grid = _arrival(rng, start, days), _pick(rng, grids)
            kind = "mediation" if rng.random() < mediation_share else "civic"
            category = _pick(rng, DISPUTE_MIX if kind == "mediation" else CATEGORY_MIX)
        plans.append(CasePlan(i, max(at, start), kind, category, grid, rng.getrandbits(64), burst))
    plans.sort(key=lambda p: (p.arrives_at, p.index))
    return plans
