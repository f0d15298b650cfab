"""Targets, trends and the two-assessment warning (连续未达标, shown in 红黑榜) applied to computed figures.

Departments and communities are ranked and warned, never "exited": 项目退出机制 applies to project
operators (engine.projects.records). The warning (still called the exit rule in code): a unit whose indicator is below target in this assessment *and* in the
previous one is flagged. ``streak`` counts the consecutive assessments below target, so a
unit three quarters below shows 3. The previous assessment is the stored run of the
previous period when there is one (what was published then), otherwise the previous
period computed now.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from engine.assessments.figures import Figure
from engine.assessments.indicators import INDICATORS

MET, BELOW, NA, INFO = "met", "below", "na", "info"
#: Differences smaller than this are "flat" (rates are fractions, times are working days).
FLAT = 1e-9


@dataclass(frozen=True)
class Earlier:
    """What the previous assessment said of one (unit, indicator)."""

    value: float | None
    status: str
    streak: int


@dataclass
class Scored:
    figure: Figure
    target: float | None
    status: str
    previous_value: float | None
    trend: str | None
    streak: int
    flagged: bool


def status_of(figure: Figure) -> str:
    indicator = INDICATORS[figure.indicator]
    if indicator.target is None:
        return INFO if figure.value is not None else NA
    meets = indicator.meets(figure.value, figure.numerator, figure.denominator)
    if meets is None:
        return NA
    return MET if meets else BELOW


def trend_of(value: float | None, previous: float | None) -> str | None:
    if value is None or previous is None:
        return None
    if value - previous > FLAT:
        return "up"
    if previous - value > FLAT:
        return "down"
    return "flat"


def earlier_from_figures(figures: Iterable[Figure]) -> dict[tuple[str, str, str], Earlier]:
    """The previous period computed now: its status, and a streak of 1 when below (no earlier history)."""
    found = {}
    for figure in figures:
        status = status_of(figure)
        found[figure.key] = Earlier(figure.value, status, 1 if status == BELOW else 0)
    return found


def score(figures: Iterable[Figure], earlier: Mapping[tuple[str, str, str], Earlier], *,
          exit_rule: bool) -> list[Scored]:
    scored = []
    for figure in figures:
        indicator = INDICATORS[figure.indicator]
        status = status_of(figure)
        before = earlier.get(figure.key)
        streak = 0
        if status == BELOW:
            streak = 1 + (before.streak if before is not None and before.status == BELOW else 0)
        scored.append(Scored(
            figure=figure,
            target=float(indicator.target) if indicator.target is not None else None,
            status=status,
            previous_value=before.value if before is not None else None,
            trend=trend_of(figure.value, before.value if before is not None else None),
            streak=streak,
            flagged=exit_rule and streak >= 2,
        ))
    return scored
