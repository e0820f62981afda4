"""The working-day calendar behind 兑现时限: the State Council's holiday notices for 2024–2026,
weekends elsewhere, and deadline arithmetic that agrees with counting days one by one."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from applications.calendar import (
    DEFAULT_DATA_FILE,
    CalendarDataError,
    HolidayCalendar,
    covered_years,
    from_rows,
    load_calendar,
    read_holiday_data,
)

CAL = load_calendar()
HOLIDAY_NAMES = {"元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节", "国庆节、中秋节"}


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def brute_force_between(cal: HolidayCalendar, start: date, end: date) -> int:
    if end < start:
        return -brute_force_between(cal, end, start)
    return sum(cal.is_working_day(d) for d in days(start + timedelta(days=1), end))


# --- the data file -----------------------------------------------------------------------------


def test_data_file_covers_the_published_notices():
    data = read_holiday_data()
    assert set(data.sources) == {2024, 2025, 2026}
    assert "国办发明电〔2023〕7号" in data.sources[2024]
    assert "国办发明电〔2024〕12号" in data.sources[2025]
    assert "国办发明电〔2025〕7号" in data.sources[2026]
    assert covered_years() == frozenset({2024, 2025, 2026})


def test_data_file_lists_only_real_exceptions_with_holiday_names():
    for day in read_holiday_data().days:
        weekend = day.date.weekday() >= 5
        assert weekend == day.is_working_day, day
        base = day.name.removesuffix("调休") if day.is_working_day else day.name
        assert base in HOLIDAY_NAMES, day


@pytest.mark.parametrize(
    ("yaml_body", "problem"),
    [
        ("days_off: [{date: 2026-01-03, name: 元旦}]", "周末无须列为放假日"),
        ("workdays: [{date: 2026-01-05, name: 元旦调休}]", "工作日无须列为调休上班日"),
        ("days_off: [{date: 2025-01-01, name: 元旦}]", "不属于2026年"),
        ("days_off: [{date: 2026-01-01}]", "缺少节日名称"),
    ],
)
def test_data_file_mistakes_are_refused_with_the_reason(tmp_path, yaml_body, problem):
    path = tmp_path / "holidays.yaml"
    path.write_text(
        f"years:\n  2026:\n    source: 国办发明电〔2025〕7号\n    {yaml_body}\n", encoding="utf-8"
    )
    with pytest.raises(CalendarDataError, match=problem):
        load_calendar(path)


def test_a_year_without_a_source_is_refused(tmp_path):
    path = tmp_path / "holidays.yaml"
    path.write_text("years:\n  2026:\n    days_off: [{date: 2026-01-01, name: 元旦}]\n")
    with pytest.raises(CalendarDataError, match="缺少 source"):
        load_calendar(path)


# --- known facts from the notices --------------------------------------------------------------


def test_2025_national_day_and_mid_autumn_eight_days_off():
    assert not any(CAL.is_working_day(d) for d in days(date(2025, 10, 1), date(2025, 10, 8)))
    assert CAL.is_working_day(date(2025, 9, 28))  # Sunday worked
    assert CAL.is_working_day(date(2025, 10, 11))  # Saturday worked
    assert CAL.is_working_day(date(2025, 9, 30))
    assert CAL.is_working_day(date(2025, 10, 9))


@pytest.mark.parametrize(
    ("first_off", "last_off", "worked"),
    [
        # 2026 春节: 2月15日至23日放假调休，共9天；2月14日、2月28日（周六）上班。
        (date(2026, 2, 15), date(2026, 2, 23), [date(2026, 2, 14), date(2026, 2, 28)]),
        # 2025 春节: 1月28日至2月4日，共8天；1月26日（周日）、2月8日（周六）上班。
        (date(2025, 1, 28), date(2025, 2, 4), [date(2025, 1, 26), date(2025, 2, 8)]),
        # 2024 春节: 2月10日至17日，共8天；2月4日、2月18日（周日）上班。
        (date(2024, 2, 10), date(2024, 2, 17), [date(2024, 2, 4), date(2024, 2, 18)]),
        # 2026 元旦: 1月1日至3日；1月4日（周日）上班。
        (date(2026, 1, 1), date(2026, 1, 3), [date(2026, 1, 4)]),
        # 2026 劳动节: 5月1日至5日；5月9日（周六）上班。
        (date(2026, 5, 1), date(2026, 5, 5), [date(2026, 5, 9)]),
        # 2026 国庆节: 10月1日至7日；9月20日（周日）、10月10日（周六）上班。
        (date(2026, 10, 1), date(2026, 10, 7), [date(2026, 9, 20), date(2026, 10, 10)]),
        # 2024 国庆节: 10月1日至7日；9月29日（周日）、10月12日（周六）上班。
        (date(2024, 10, 1), date(2024, 10, 7), [date(2024, 9, 29), date(2024, 10, 12)]),
    ],
)
def test_holiday_breaks_are_exactly_as_the_notice_says(first_off, last_off, worked):
    assert not any(CAL.is_working_day(d) for d in days(first_off, last_off))
    # The break is exactly as long as the notice says: the days either side are worked.
    assert CAL.is_working_day(first_off - timedelta(days=1))
    assert CAL.is_working_day(last_off + timedelta(days=1))
    assert all(CAL.is_working_day(d) for d in worked)


def test_2024_new_years_eve_is_only_encouraged_off():
    # 2024年2月9日 (除夕): the notice encourages employers to give it, but it is a working day.
    assert CAL.is_working_day(date(2024, 2, 9))


def test_ordinary_weekends_and_weekdays():
    assert not CAL.is_working_day(date(2026, 3, 7))  # Saturday
    assert not CAL.is_working_day(date(2026, 3, 8))  # Sunday
    assert all(CAL.is_working_day(d) for d in days(date(2026, 3, 9), date(2026, 3, 13)))


def test_a_year_without_a_notice_counts_weekends_only():
    assert not CAL.is_covered(date(2027, 1, 1))
    assert CAL.is_working_day(date(2027, 1, 1))  # Friday; 2027's notice is not out yet
    assert not CAL.is_working_day(date(2027, 1, 2))
    assert CAL.uncovered_years(date(2026, 12, 20), date(2027, 1, 20)) == [2027]
    assert CAL.uncovered_years(date(2027, 1, 20), date(2026, 12, 20)) == [2027]
    assert CAL.uncovered_years(date(2024, 1, 1), date(2026, 12, 31)) == []


# --- deadline arithmetic -----------------------------------------------------------------------


def test_add_working_days_across_spring_festival_2026():
    # Friday 13 Feb 2026: next come 14 Feb (Saturday, worked), then the break to 23 Feb.
    assert CAL.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert CAL.add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)
    assert CAL.add_working_days(date(2026, 2, 13), 5) == date(2026, 2, 27)
    assert CAL.add_working_days(date(2026, 2, 13), 6) == date(2026, 2, 28)  # Saturday worked
    assert CAL.add_working_days(date(2026, 2, 13), 7) == date(2026, 3, 2)


def test_add_working_days_across_national_day_2025():
    # Friday 26 Sep: 28 Sep (Sunday) and 29–30 Sep are worked, then off until 9 Oct.
    assert CAL.add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)
    assert CAL.add_working_days(date(2025, 9, 26), 3) == date(2025, 9, 30)
    assert CAL.add_working_days(date(2025, 9, 26), 4) == date(2025, 10, 9)
    assert CAL.add_working_days(date(2025, 9, 26), 6) == date(2025, 10, 11)  # Saturday worked
    # A 15-working-day deadline from 30 Sep: 28 Oct, a week later than 21 Oct without the
    # holiday (10月11日, a Saturday, counts).
    assert CAL.add_working_days(date(2025, 9, 30), 15) == date(2025, 10, 28)
    assert CAL.working_days_between(date(2025, 9, 30), date(2025, 10, 28)) == 15


def test_zero_working_days_is_today_or_the_next_working_day():
    assert CAL.add_working_days(date(2026, 3, 10), 0) == date(2026, 3, 10)
    assert CAL.add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 9)  # Saturday → Monday
    assert CAL.add_working_days(date(2026, 2, 16), 0) == date(2026, 2, 24)  # 春节 → after it


def test_negative_working_days_count_back():
    assert CAL.add_working_days(date(2025, 10, 9), -1) == date(2025, 9, 30)
    assert CAL.add_working_days(date(2025, 10, 9), -4) == date(2025, 9, 26)


def test_next_working_day_skips_the_whole_break():
    assert CAL.next_working_day(date(2026, 2, 14)) == date(2026, 2, 24)
    assert CAL.next_working_day(date(2025, 9, 27)) == date(2025, 9, 28)  # Sunday worked
    assert CAL.previous_working_day(date(2026, 2, 24)) == date(2026, 2, 14)


def test_working_days_between_excludes_start_and_includes_end():
    assert CAL.working_days_between(date(2026, 3, 9), date(2026, 3, 9)) == 0
    assert CAL.working_days_between(date(2026, 3, 9), date(2026, 3, 13)) == 4
    assert CAL.working_days_between(date(2026, 3, 6), date(2026, 3, 9)) == 1  # Fri → Mon
    assert CAL.working_days_between(date(2026, 3, 13), date(2026, 3, 9)) == -4
    # 2026 has 365 days, 261 weekdays, 19 weekdays off and 6 weekend days worked.
    assert CAL.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 261 - 19 + 6


# --- from_rows, as the lead's admin-edited table will feed it ---------------------------------


def test_from_rows_matches_the_data_file():
    rows = [(d.date, d.is_working_day) for d in read_holiday_data(DEFAULT_DATA_FILE).days]
    cal = from_rows(rows)
    assert cal.covered_years == CAL.covered_years
    for d in days(date(2024, 1, 1), date(2026, 12, 31)):
        assert cal.is_working_day(d) == CAL.is_working_day(d), d


def test_from_rows_ignores_rows_that_restate_the_default():
    cal = from_rows([(date(2027, 1, 2), False), (date(2027, 1, 4), True)], years=[2027])
    assert cal.days_off == frozenset() and cal.workdays == frozenset()
    assert cal.is_covered(date(2027, 6, 1))


def test_from_rows_refuses_a_date_both_off_and_worked():
    with pytest.raises(CalendarDataError, match="2026-10-10"):
        from_rows([(date(2026, 10, 10), True), (date(2026, 10, 10), False)])


# --- properties ---------------------------------------------------------------------------------

dates = st.dates(min_value=date(2023, 6, 1), max_value=date(2027, 6, 30))


@given(start=dates, n=st.integers(min_value=-300, max_value=300))
def test_add_working_days_lands_on_a_working_day_n_working_days_away(start, n):
    end = CAL.add_working_days(start, n)
    assert CAL.is_working_day(end)
    if CAL.is_working_day(start):
        assert CAL.working_days_between(start, end) == n
    elif n > 0:
        assert CAL.working_days_between(start, end) == n  # counted from the day after start


@given(a=dates, b=dates, c=dates)
def test_working_days_between_is_antisymmetric_and_additive(a, b, c):
    assert CAL.working_days_between(a, b) == -CAL.working_days_between(b, a)
    assert CAL.working_days_between(a, b) + CAL.working_days_between(b, c) == (
        CAL.working_days_between(a, c)
    )


@given(
    start=dates,
    span=st.integers(min_value=-400, max_value=400),
)
def test_working_days_between_agrees_with_counting_day_by_day(start, span):
    end = start + timedelta(days=span)
    assert CAL.working_days_between(start, end) == brute_force_between(CAL, start, end)
