"""Specification of the working-day calendar used for case deadlines (DESIGN.md 2.1 step 3).

Every official date below was read from chinesecalendar 1.11's own data
(``chinese_calendar.constants.holidays`` / ``.workdays``), which follows the State Council
notices for 2025 and 2026; ``test_fixture_dates_match_the_package_data`` pins that, so a
package upgrade that changes the data fails loudly instead of silently changing meanings.
The 2027 override dates are hypothetical (the 2027 schedule is not published yet).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import chinese_calendar
import pytest

from engine.calendar import CHINA_TZ, MAX_WORKDAYS, DayOverride, WorkCalendar, china_date

UTC = timezone.utc

# 2026 — from the package data.
NATIONAL_DAY_2026 = date(2026, 10, 1)  # Thu, holiday (National Day, Oct 1–7)
NATIONAL_DAY_2026_LAST = date(2026, 10, 7)  # Wed, holiday
MAKEUP_SUN_2026_09_20 = date(2026, 9, 20)  # Sun, make-up workday for National Day
MAKEUP_SAT_2026_10_10 = date(2026, 10, 10)  # Sat, make-up workday for National Day
MID_AUTUMN_2026 = date(2026, 9, 25)  # Fri, holiday (Mid-autumn, Sep 25–27)
# 2025 — from the package data.
SPRING_FESTIVAL_2025 = date(2025, 1, 28)  # Tue, holiday (Spring Festival, Jan 28–Feb 4)
MAKEUP_SAT_2025_02_08 = date(2025, 2, 8)  # Sat, make-up workday for Spring Festival
MAKEUP_SUN_2025_01_26 = date(2025, 1, 26)  # Sun, make-up workday for Spring Festival


def cst(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware datetime in China time."""
    return datetime(year, month, day, hour, minute, tzinfo=CHINA_TZ)


def end_of_china_day(day: date) -> datetime:
    """23:59:59.999999 China time on ``day``, as UTC (China is UTC+8, no DST since 1991)."""
    return datetime(day.year, day.month, day.day, 15, 59, 59, 999999, tzinfo=UTC)


@pytest.fixture
def calendar() -> WorkCalendar:
    return WorkCalendar()


def test_fixture_dates_match_the_package_data() -> None:
    holidays = (NATIONAL_DAY_2026, NATIONAL_DAY_2026_LAST, MID_AUTUMN_2026, SPRING_FESTIVAL_2025)
    makeups = (MAKEUP_SUN_2026_09_20, MAKEUP_SAT_2026_10_10, MAKEUP_SAT_2025_02_08, MAKEUP_SUN_2025_01_26)
    for holiday in holidays:
        assert holiday in chinese_calendar.constants.holidays
    for makeup in makeups:
        assert makeup in chinese_calendar.constants.workdays
        assert makeup.weekday() >= 5
    national_day = chinese_calendar.Holiday.national_day.value
    assert chinese_calendar.constants.holidays[NATIONAL_DAY_2026] == national_day


# -- single days -------------------------------------------------------------------------


def test_a_statutory_holiday_on_a_weekday_is_not_a_workday(calendar: WorkCalendar) -> None:
    assert NATIONAL_DAY_2026.weekday() == 3  # a Thursday
    assert calendar.is_workday(NATIONAL_DAY_2026) is False
    assert calendar.is_workday(SPRING_FESTIVAL_2025) is False


def test_a_make_up_saturday_is_a_workday(calendar: WorkCalendar) -> None:
    assert calendar.is_workday(MAKEUP_SAT_2026_10_10) is True
    assert calendar.is_workday(MAKEUP_SAT_2025_02_08) is True


def test_a_make_up_sunday_is_a_workday(calendar: WorkCalendar) -> None:
    assert calendar.is_workday(MAKEUP_SUN_2026_09_20) is True
    assert calendar.is_workday(MAKEUP_SUN_2025_01_26) is True


def test_an_ordinary_weekend_is_not_a_workday(calendar: WorkCalendar) -> None:
    assert calendar.is_workday(date(2026, 3, 7)) is False  # Sat
    assert calendar.is_workday(date(2026, 3, 8)) is False  # Sun


def test_an_ordinary_weekday_is_a_workday(calendar: WorkCalendar) -> None:
    assert calendar.is_workday(date(2026, 3, 4)) is True  # Wed


def test_is_workday_rejects_a_datetime_because_its_local_date_is_ambiguous(calendar: WorkCalendar) -> None:
    with pytest.raises(TypeError):
        calendar.is_workday(datetime(2026, 10, 1, 12, 0, tzinfo=UTC))


def test_end_of_day_is_the_last_microsecond_of_the_china_day_in_utc(calendar: WorkCalendar) -> None:
    result = calendar.end_of_day(date(2026, 3, 4))
    assert result == end_of_china_day(date(2026, 3, 4))
    assert result.tzinfo is UTC
    assert result.astimezone(CHINA_TZ).date() == date(2026, 3, 4)
    assert (result + timedelta(microseconds=1)).astimezone(CHINA_TZ).date() == date(2026, 3, 5)


# -- add_workdays ------------------------------------------------------------------------


def test_add_one_workday_on_an_ordinary_wednesday_is_end_of_thursday(calendar: WorkCalendar) -> None:
    assert calendar.add_workdays(cst(2026, 3, 4, 10), 1) == end_of_china_day(date(2026, 3, 5))


def test_add_workdays_returns_utc(calendar: WorkCalendar) -> None:
    assert calendar.add_workdays(cst(2026, 3, 4, 10), 1).tzinfo is UTC


def test_add_workdays_from_a_mid_autumn_holiday_friday_lands_on_monday(calendar: WorkCalendar) -> None:
    # Fri 2026-09-25 is itself a holiday; Sat/Sun 26–27 are holidays too.
    assert calendar.add_workdays(cst(2026, 9, 25, 10), 1) == end_of_china_day(date(2026, 9, 28))


def test_add_workdays_skips_the_national_day_holiday_week(calendar: WorkCalendar) -> None:
    # Wed 2026-09-30 → Oct 1–7 are holidays → Thu Oct 8.
    assert calendar.add_workdays(cst(2026, 9, 30, 10), 1) == end_of_china_day(date(2026, 10, 8))


def test_add_workdays_counts_the_make_up_saturday_after_national_day(calendar: WorkCalendar) -> None:
    # Wed 2026-09-30 + 3 → Thu Oct 8, Fri Oct 9, Sat Oct 10 (make-up workday).
    assert calendar.add_workdays(cst(2026, 9, 30, 10), 3) == end_of_china_day(MAKEUP_SAT_2026_10_10)


def test_add_workdays_from_an_ordinary_saturday_starts_counting_on_monday(calendar: WorkCalendar) -> None:
    assert calendar.add_workdays(cst(2026, 3, 7, 10), 1) == end_of_china_day(date(2026, 3, 9))


def test_add_workdays_from_the_saturday_before_a_make_up_sunday_lands_on_that_sunday(
    calendar: WorkCalendar,
) -> None:
    assert calendar.add_workdays(cst(2026, 9, 19, 10), 1) == end_of_china_day(MAKEUP_SUN_2026_09_20)


def test_add_workdays_uses_the_china_date_of_a_start_that_is_still_yesterday_in_utc(
    calendar: WorkCalendar,
) -> None:
    start = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # Mon in UTC, Tue 2026-03-03 01:00 in China
    assert china_date(start) == date(2026, 3, 3)
    assert calendar.add_workdays(start, 1) == end_of_china_day(date(2026, 3, 4))  # Wed, not Tue


def test_add_workdays_treats_a_naive_start_as_utc(calendar: WorkCalendar) -> None:
    naive = datetime(2026, 3, 2, 17, 0)
    assert calendar.add_workdays(naive, 1) == end_of_china_day(date(2026, 3, 4))


def test_add_workdays_from_a_late_evening_start_does_not_count_the_start_day(calendar: WorkCalendar) -> None:
    assert calendar.add_workdays(cst(2026, 3, 4, 23, 59), 1) == end_of_china_day(date(2026, 3, 5))


def test_add_workdays_accepts_a_start_in_another_timezone(calendar: WorkCalendar) -> None:
    from zoneinfo import ZoneInfo

    start = datetime(2026, 3, 3, 12, 0, tzinfo=ZoneInfo("America/New_York"))  # Wed 01:00 in China
    assert calendar.add_workdays(start, 1) == end_of_china_day(date(2026, 3, 5))


@pytest.mark.parametrize("n", [0, -1, -30])
def test_add_workdays_rejects_n_below_one(calendar: WorkCalendar, n: int) -> None:
    with pytest.raises(ValueError):
        calendar.add_workdays(cst(2026, 3, 4, 10), n)


def test_add_workdays_rejects_n_above_the_bound(calendar: WorkCalendar) -> None:
    with pytest.raises(ValueError):
        calendar.add_workdays(cst(2026, 3, 4, 10), MAX_WORKDAYS + 1)


def test_add_workdays_accepts_n_at_the_bound_without_raising(calendar: WorkCalendar) -> None:
    result = calendar.add_workdays(cst(2026, 3, 4, 10), MAX_WORKDAYS)
    assert calendar.workdays_between(cst(2026, 3, 4, 10), result) == MAX_WORKDAYS


def test_add_workdays_rejects_a_non_integer_n(calendar: WorkCalendar) -> None:
    with pytest.raises(TypeError):
        calendar.add_workdays(cst(2026, 3, 4, 10), 1.5)  # type: ignore[arg-type]


# -- beyond the package's years ------------------------------------------------------------


def test_the_package_does_not_cover_2027() -> None:
    """The premise of the fallback: if this starts failing, the package learned 2027."""
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))


def test_a_deadline_across_the_year_boundary_falls_back_to_weekends(calendar: WorkCalendar) -> None:
    # Wed 2026-12-30 + 3 → Thu Dec 31, Fri 2027-01-01 (fallback: a weekday), Mon 2027-01-04.
    assert calendar.add_workdays(cst(2026, 12, 30, 10), 3) == end_of_china_day(date(2027, 1, 4))


def test_is_workday_in_an_unknown_year_follows_weekends_without_raising(calendar: WorkCalendar) -> None:
    assert calendar.is_workday(date(2027, 1, 1)) is True  # Fri
    assert calendar.is_workday(date(2027, 1, 2)) is False  # Sat
    assert calendar.is_workday(date(2003, 12, 31)) is True  # before the package's range too


def test_an_unknown_year_is_provisional(calendar: WorkCalendar) -> None:
    assert calendar.is_provisional(date(2027, 1, 4)) is True
    assert calendar.is_provisional(date(2003, 6, 2)) is True


def test_a_year_the_package_covers_is_not_provisional(calendar: WorkCalendar) -> None:
    assert calendar.is_provisional(date(2026, 12, 31)) is False
    assert calendar.is_provisional(date(2026, 3, 7)) is False


# -- admin overrides -----------------------------------------------------------------------

# Hypothetical 2027 notice: New Year's Day (Fri) off, Sat 2027-01-09 worked in exchange.
OVERRIDES_2027 = (
    DayOverride(date(2027, 1, 1), is_workday=False, note="元旦"),
    DayOverride(date(2027, 1, 9), is_workday=True, note="元旦调休上班"),
)


def test_an_override_makes_a_fallback_weekday_a_holiday() -> None:
    calendar = WorkCalendar(OVERRIDES_2027)
    assert calendar.is_workday(date(2027, 1, 1)) is False


def test_an_override_makes_a_fallback_saturday_a_workday() -> None:
    calendar = WorkCalendar(OVERRIDES_2027)
    assert calendar.is_workday(date(2027, 1, 9)) is True


def test_an_override_moves_a_deadline_across_the_year_boundary() -> None:
    # Wed 2026-12-30 + 3 → Thu Dec 31, (Fri Jan 1 holiday now), Mon Jan 4, Tue Jan 5.
    calendar = WorkCalendar(OVERRIDES_2027)
    assert calendar.add_workdays(cst(2026, 12, 30, 10), 3) == end_of_china_day(date(2027, 1, 5))


def test_any_override_makes_its_whole_year_official() -> None:
    calendar = WorkCalendar(OVERRIDES_2027)
    assert calendar.is_provisional(date(2027, 1, 1)) is False
    assert calendar.is_provisional(date(2027, 6, 15)) is False  # a day the admin did not enter


def test_an_override_does_not_make_other_unknown_years_official() -> None:
    calendar = WorkCalendar(OVERRIDES_2027)
    assert calendar.is_provisional(date(2028, 1, 3)) is True


def test_ordinary_days_of_an_overridden_year_still_follow_weekends() -> None:
    calendar = WorkCalendar(OVERRIDES_2027)
    assert calendar.is_workday(date(2027, 1, 4)) is True  # Mon
    assert calendar.is_workday(date(2027, 1, 10)) is False  # Sun


def test_an_override_wins_over_the_package_in_a_covered_year() -> None:
    calendar = WorkCalendar([DayOverride(NATIONAL_DAY_2026, is_workday=True, note="correction")])
    assert calendar.is_workday(NATIONAL_DAY_2026) is True
    assert calendar.is_workday(date(2026, 10, 2)) is False  # the rest still comes from the package


def test_conflicting_overrides_for_one_day_are_rejected() -> None:
    with pytest.raises(ValueError):
        WorkCalendar([DayOverride(date(2027, 1, 1), True), DayOverride(date(2027, 1, 1), False)])


def test_identical_duplicate_overrides_are_accepted() -> None:
    same = [DayOverride(date(2027, 1, 1), False), DayOverride(date(2027, 1, 1), False, "dup")]
    calendar = WorkCalendar(same)
    assert calendar.is_workday(date(2027, 1, 1)) is False


def test_an_override_day_must_be_a_date_not_a_datetime() -> None:
    with pytest.raises(TypeError):
        DayOverride(datetime(2027, 1, 1, tzinfo=UTC), is_workday=False)


def test_overrides_may_be_given_as_a_one_shot_iterable() -> None:
    calendar = WorkCalendar(o for o in OVERRIDES_2027)
    assert calendar.is_workday(date(2027, 1, 1)) is False
    assert calendar.is_provisional(date(2027, 1, 1)) is False


# -- workdays_between -------------------------------------------------------------------------


def test_workdays_between_across_national_day_counts_only_working_days(calendar: WorkCalendar) -> None:
    # Wed Sep 30 → Thu Oct 8: Oct 1–7 are holidays, so one working day (Oct 8).
    assert calendar.workdays_between(cst(2026, 9, 30, 10), cst(2026, 10, 8, 9)) == 1


def test_workdays_between_counts_a_make_up_saturday(calendar: WorkCalendar) -> None:
    assert calendar.workdays_between(cst(2026, 9, 30, 10), cst(2026, 10, 10, 9)) == 3


def test_workdays_between_on_the_same_china_day_is_zero(calendar: WorkCalendar) -> None:
    assert calendar.workdays_between(cst(2026, 3, 4, 8), cst(2026, 3, 4, 23)) == 0


def test_workdays_between_equal_instants_is_zero(calendar: WorkCalendar) -> None:
    moment = cst(2026, 3, 4, 8)
    assert calendar.workdays_between(moment, moment) == 0


def test_workdays_between_a_reversed_span_is_zero_not_negative(calendar: WorkCalendar) -> None:
    assert calendar.workdays_between(cst(2026, 10, 10, 9), cst(2026, 9, 30, 10)) == 0


def test_workdays_between_uses_china_dates(calendar: WorkCalendar) -> None:
    # Both instants are Mon 2026-03-02 in UTC, but 23:00Z is already Tue in China.
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    end = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
    assert calendar.workdays_between(start, end) == 1


def test_workdays_between_spans_into_an_unknown_year(calendar: WorkCalendar) -> None:
    # Dec 31 (Thu), Jan 1 (Fri, fallback), Jan 4, Jan 5 (Mon, Tue).
    assert calendar.workdays_between(cst(2026, 12, 30, 10), cst(2027, 1, 5, 10)) == 4


@pytest.mark.parametrize(
    "start",
    [
        cst(2026, 9, 19, 10),
        cst(2026, 9, 30, 23, 30),
        cst(2026, 2, 13, 9),
        cst(2025, 12, 31, 18),
        cst(2026, 12, 24, 10),
        datetime(2026, 3, 2, 17, 0, tzinfo=UTC),
    ],
)
@pytest.mark.parametrize("n", [1, 2, 5, 10, 30])
def test_workdays_between_a_start_and_its_deadline_is_n(
    calendar: WorkCalendar, start: datetime, n: int
) -> None:
    deadline = calendar.add_workdays(start, n)
    assert calendar.workdays_between(start, deadline) == n
    assert calendar.is_workday(deadline.astimezone(CHINA_TZ).date())


def test_add_workdays_agrees_with_counting_day_by_day(calendar: WorkCalendar) -> None:
    """The bisect-based stepping matches the obvious loop, across holidays and the year boundary."""
    day = date(2025, 12, 1)
    while day <= date(2027, 1, 31):
        for n in (1, 2, 7):
            expected, counted = day, 0
            while counted < n:
                expected += timedelta(days=1)
                counted += calendar.is_workday(expected)
            start = datetime(day.year, day.month, day.day, 12, tzinfo=CHINA_TZ)
            assert calendar.add_workdays(start, n) == end_of_china_day(expected), (day, n)
        day += timedelta(days=1)
