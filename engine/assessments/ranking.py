"""红黑榜: a monthly score per department and per community from the hotline's indicators, best and worst listed.

The score weighs the month's 三率 (响应率 = on-time acceptance, 解决率, 满意率) and 按时办结率 at 20 points
each, 退单率 and 重办率 at 10 each (counted as 1 − rate: fewer is better). An indicator a unit has no
data for is left out and the others are scaled to 100, so a unit is judged on what it did. The
:data:`LIST_SIZE` best units of each type are the red list (红榜), the worst the black list (黑榜); with
fewer than twice that many units each list takes half, so no unit is on both.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.assessments.figures import Figure
from engine.assessments.formatting import format_value
from engine.assessments.indicators import COMMUNITY, DEPARTMENT, INDICATORS

#: (indicator, points): what the score is made of.
WEIGHTS = (("accept_on_time", 20), ("resolution_rate", 20), ("satisfaction_rate", 20), ("complete_on_time", 20),
           ("return_rate", 10), ("reopen_rate", 10))
#: Units on each list, per unit type.
LIST_SIZE = 3
RED, BLACK = "red", "black"
LIST_LABELS = {RED: "红榜", BLACK: "黑榜"}
SCORE = "score"


@dataclass(frozen=True)
class Part:
    indicator: str
    value: float
    points: int


def score_of(parts: Iterable[Part]) -> float | None:
    """The weighted score out of 100 over the parts there are data for; None when there are none."""
    parts = list(parts)
    total = sum(p.points for p in parts)
    if not total:
        return None
    earned = sum(p.points * (1 - p.value if INDICATORS[p.indicator].better == "lower" else p.value) for p in parts)
    return round(100 * earned / total, 1)


def weighted_ranking(figures: Iterable[Figure], weights: Iterable[tuple[str, int]], key: str,
                     list_size: int = LIST_SIZE, with_weights: bool = False) -> list[Figure]:
    """One ``key`` figure per department and community of ``figures``: its score out of 100 over ``weights``
    (indicator, points) and its rank among the units of its type; the detail says the rank, the list it is on
    (red or black, when ``list_size``), the parts it was scored on and (``with_weights``) their weights."""
    points = dict(weights)
    parts: dict[tuple[str, str], list[Part]] = {}
    names: dict[tuple[str, str], str] = {}
    for f in figures:
        if f.unit_type not in (DEPARTMENT, COMMUNITY) or f.indicator not in points:
            continue
        names[(f.unit_type, f.unit_code)] = f.unit_name
        if f.value is not None:
            parts.setdefault((f.unit_type, f.unit_code), []).append(Part(f.indicator, f.value, points[f.indicator]))
    ranked: list[Figure] = []
    for unit_type in (DEPARTMENT, COMMUNITY):
        scores = [(value, unit) for unit in parts if unit[0] == unit_type
                  if (value := score_of(parts[unit])) is not None]
        scored = sorted(scores, key=lambda pair: (-pair[0], pair[1]))
        size = min(list_size, len(scored) // 2)
        for rank, (value, unit) in enumerate(scored, start=1):
            listed = RED if rank <= size else BLACK if rank > len(scored) - size else None
            detail: dict[str, object] = {"rank": rank, "of": len(scored), "list": listed,
                                         "parts": {p.indicator: round(p.value, 4) for p in parts[unit]}}
            if with_weights:
                detail["weights"] = {p.indicator: p.points for p in parts[unit]}
            ranked.append(Figure(unit_type, unit[1], names[unit], key, value, detail=detail))
    return ranked


def red_black(figures: Iterable[Figure]) -> list[Figure]:
    """One ``score`` figure per department and community of ``figures`` (a month's indicator figures), ranked;
    its detail says the rank, the list it is on (if any) and the parts it was scored on."""
    return weighted_ranking(figures, WEIGHTS, SCORE)


def detail_text(detail: dict[str, object]) -> str:
    """The ranking as a line of the export: 红榜 第 1 名（共 6 个）；响应率 95.0%、…"""
    listed = LIST_LABELS.get(str(detail.get("list")), "")
    head = f"{listed} 第 {detail.get('rank')} 名（共 {detail.get('of')} 个）".strip()
    parts = detail.get("parts") or {}
    weights = detail.get("weights") or {}
    assert isinstance(weights, dict)
    shown = "、".join(f"{INDICATORS[k].label} {format_value(float(v), 'rate')}"
                     + (f"（权重 {weights[k]}%）" if k in weights else "")
                     for k, v in parts.items() if k in INDICATORS)  # type: ignore[union-attr]
    return f"{head}；{shown}" if shown else head
