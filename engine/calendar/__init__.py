"""Official Chinese working-day calendar (holidays, make-up workdays, admin overrides)."""

from __future__ import annotations

from .workdays import (
    CHINA_TZ,
    MAX_WORKDAYS,
    DayOverride,
    WorkCalendar,
    china_date,
)

__all__ = ["CHINA_TZ", "MAX_WORKDAYS", "DayOverride", "WorkCalendar", "china_date"]
