"""Weighted appraisal (综合考评): indicator weights per scheme, an overall score out of 100 and a rank per unit.

The documents weigh residents' satisfaction heaviest (「满意度…60%」) and give each other part at least a
tenth (「不低于10%」); :data:`DEMO_SCHEME` follows them. A scheme is configurable: ``$CASEGRID_ASSESSMENT_WEIGHTS``
(or the ``weights`` of :class:`~engine.assessments.service.AssessmentService`) as ``indicator=points`` pairs
that add up to 100, for instance ``satisfaction_rate=60,resolution_rate=20,complete_on_time=20``. As in the
红黑榜, a unit is scored on the weighted indicators it has data for, scaled to 100 (joint-meeting indicators
exist for communities only, so departments are scored on the rest).
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from engine.assessments.figures import Figure
from engine.assessments.indicators import INDICATORS, WEIGHTED_SCORE
from engine.assessments.ranking import weighted_ranking
from engine.errors import ValidationError

WEIGHTS_ENV = "CASEGRID_ASSESSMENT_WEIGHTS"


@dataclass(frozen=True)
class WeightScheme:
    name: str
    #: (indicator key, points); points add up to 100.
    weights: tuple[tuple[str, int], ...]

    def score(self, figures: Iterable[Figure]) -> list[Figure]:
        """One :data:`WEIGHTED_SCORE` figure per department and community, ranked (no red/black lists)."""
        return weighted_ranking(figures, self.weights, WEIGHTED_SCORE, list_size=0, with_weights=True)


#: The demo scheme: 满意度 60 %, and 10 % each for 解决率, 按时办结率, 响应率 and the joint meetings'
#: 有效运作率 (communities; departments are scaled over the first four).
DEMO_SCHEME = WeightScheme("综合考评（满意度60%）", (
    ("satisfaction_rate", 60), ("resolution_rate", 10), ("complete_on_time", 10), ("accept_on_time", 10),
    ("joint_effective", 10)))


def parse_scheme(text: str, name: str = "自定义权重") -> WeightScheme:
    """``indicator=points`` pairs separated by commas; every indicator a rate of the quarterly catalogue, the
    points whole numbers from 1 to 100 that add up to 100."""
    weights: list[tuple[str, int]] = []
    for part in (text or "").split(","):
        key, _, points = part.partition("=")
        key, points = key.strip(), points.strip()
        indicator = INDICATORS.get(key)
        if indicator is None or indicator.kind != "rate" or not indicator.unit_types:
            raise ValidationError("考评权重有误", {"weights": f"「{key[:40]}」不是可加权的季度指标"})
        if not points.isdigit() or not 1 <= int(points) <= 100:
            raise ValidationError("考评权重有误", {"weights": f"{key} 的权重应为 1 至 100 的整数"})
        if any(k == key for k, _ in weights):
            raise ValidationError("考评权重有误", {"weights": f"{key} 重复"})
        weights.append((key, int(points)))
    if sum(p for _, p in weights) != 100:
        raise ValidationError("考评权重有误", {"weights": f"权重合计应为 100，现为 {sum(p for _, p in weights)}"})
    return WeightScheme(name, tuple(weights))


def configured_scheme(environ: Mapping[str, str] = os.environ) -> WeightScheme:
    """The scheme ``$CASEGRID_ASSESSMENT_WEIGHTS`` sets, or :data:`DEMO_SCHEME`; a bad setting raises
    :class:`ValidationError` naming it (the run fails with that message instead of scoring wrongly)."""
    text = environ.get(WEIGHTS_ENV, "").strip()
    return parse_scheme(text) if text else DEMO_SCHEME
