"""The working-day calendar (工作日) that 兑现时限 — deadlines counted in working days — run on.

A day is a working day if it is Monday–Friday and not a public holiday (放假), or if it is a
Saturday or Sunday that the State Council's notice makes a working day (调休上班). The exceptions
come from ``data/holidays.yaml`` (one 国务院办公厅 notice a year) or, once they are stored as
admin-editable rows, from :func:`from_rows`.

A year with no published arrangement counts weekends only; callers use :meth:`HolidayCalendar.
uncovered_years` to warn that a deadline in such a year may move once the notice is out.

Pure Python: no models, no Django.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

DEFAULT_DATA_FILE = Path(__file__).resolve().parent / "data" / "holidays.yaml"

ONE_DAY = timedelta(days=1)
SATURDAY = 5


class CalendarDataError(ValueError):
    """The holiday data contradicts itself or the weekday it names."""


def _is_weekend(d: date) -> bool:
    return d.weekday() >= SATURDAY


def _weekdays_through(d: date) -> int:
    """Mondays–Fridays from 0001-01-01 (a Monday) up to and including ``d``."""
    days = d.toordinal()
    return days // 7 * 5 + min(days % 7, 5)


class HolidayCalendar:
    """Which days are working days, and arithmetic on them.

    ``days_off`` are weekdays that are holidays; ``workdays`` are weekend days that are worked.
    Dates that restate the default (a weekend day off, a weekday worked) are accepted and ignored.
    ``years`` are the years with an official arrangement; by default the years of the dates given.
    """

    def __init__(
        self,
        days_off: Iterable[date],
        workdays: Iterable[date],
        *,
        years: Iterable[int] | None = None,
    ) -> None:
        days_off = set(days_off)
        workdays = set(workdays)
        both = days_off & workdays
        if both:
            listed = "、".join(d.isoformat() for d in sorted(both))
            raise CalendarDataError(f"既是放假日又是调休上班日：{listed}")
        self.covered_years: frozenset[int] = frozenset(
            years if years is not None else {d.year for d in days_off | workdays}
        )
        self.days_off: frozenset[date] = frozenset(d for d in days_off if not _is_weekend(d))
        self.workdays: frozenset[date] = frozenset(d for d in workdays if _is_weekend(d))
        # Sorted copies let working_days_between count a span of any length in O(log n).
        self._days_off_sorted = sorted(self.days_off)
        self._workdays_sorted = sorted(self.workdays)

    def __repr__(self) -> str:
        years = ", ".join(str(y) for y in sorted(self.covered_years))
        return (
            f"<HolidayCalendar years=[{years}] days_off={len(self.days_off)} "
            f"workdays={len(self.workdays)}>"
        )

    def is_working_day(self, d: date) -> bool:
        if _is_weekend(d):
            return d in self.workdays
        return d not in self.days_off

    def is_covered(self, d: date) -> bool:
        """Whether ``d``'s year has an official arrangement (else only weekends count)."""
        return d.year in self.covered_years

    def uncovered_years(self, start: date, end: date) -> list[int]:
        """Years touched by the span from ``start`` to ``end`` that have no arrangement."""
        first, last = sorted((start.year, end.year))
        return [y for y in range(first, last + 1) if y not in self.covered_years]

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        d += ONE_DAY
        while not self.is_working_day(d):
            d += ONE_DAY
        return d

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before ``d``."""
        d -= ONE_DAY
        while not self.is_working_day(d):
            d -= ONE_DAY
        return d

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (before it, for negative ``n``).

        ``n == 0`` gives ``start`` itself if it is a working day, else the next working day —
        "within 0 working days" of a Saturday is Monday.
        """
        if n == 0:
            return start if self.is_working_day(start) else self.next_working_day(start)
        d = start
        step = self.next_working_day if n > 0 else self.previous_working_day
        for _ in range(abs(n)):
            d = step(d)
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end] — ``start`` excluded, ``end`` included.

        Negative when ``end`` is before ``start``: minus the working days in (end, start].
        """
        if end < start:
            return -self.working_days_between(end, start)
        weekdays = _weekdays_through(end) - _weekdays_through(start)
        return (
            weekdays
            - self._count_in(self._days_off_sorted, start, end)
            + self._count_in(self._workdays_sorted, start, end)
        )

    @staticmethod
    def _count_in(sorted_days: list[date], start: date, end: date) -> int:
        return bisect.bisect_right(sorted_days, end) - bisect.bisect_right(sorted_days, start)


@dataclass(frozen=True)
class CalendarDay:
    """One listed date: a weekday off or a weekend day worked, as the lead's model stores it."""

    date: date
    name: str
    is_working_day: bool


@dataclass(frozen=True)
class HolidayData:
    """The contents of the holiday data file: each year's notice and its listed days."""

    sources: dict[int, str]
    days: list[CalendarDay]

    def calendar(self) -> HolidayCalendar:
        return from_rows(((d.date, d.is_working_day) for d in self.days), years=self.sources)


def read_holiday_data(path: Path | str = DEFAULT_DATA_FILE) -> HolidayData:
    """Read and check ``holidays.yaml``; :class:`CalendarDataError` lists every problem."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    sources: dict[int, str] = {}
    days: list[CalendarDay] = []
    problems: list[str] = []
    for year, entry in (raw.get("years") or {}).items():
        if not isinstance(year, int) or not isinstance(entry, dict):
            problems.append(f"{year}: 年份须为整数，内容须为映射")
            continue
        source = str(entry.get("source") or "").strip()
        if not source:
            problems.append(f"{year}: 缺少 source（通知名称与文号）")
        sources[year] = source
        for key, working, wrong_kind in (
            ("days_off", False, "周末无须列为放假日"),
            ("workdays", True, "工作日无须列为调休上班日"),
        ):
            for item in entry.get(key) or []:
                d, name = item.get("date"), str(item.get("name") or "").strip()
                if not isinstance(d, date):
                    problems.append(f"{year} {key}: 日期格式有误：{d!r}")
                    continue
                if d.year != year:
                    problems.append(f"{year} {key}: {d} 不属于{year}年")
                if _is_weekend(d) != working:
                    problems.append(f"{year} {key}: {d} {wrong_kind}")
                if not name:
                    problems.append(f"{year} {key}: {d} 缺少节日名称")
                days.append(CalendarDay(date=d, name=name, is_working_day=working))
    seen: set[date] = set()
    for day in days:
        if day.date in seen:
            problems.append(f"{day.date} 重复列出")
        seen.add(day.date)
    if problems:
        raise CalendarDataError("；".join(problems))
    return HolidayData(sources=sources, days=days)


def load_calendar(path: Path | str = DEFAULT_DATA_FILE) -> HolidayCalendar:
    """The calendar from the holiday data file (by default the one shipped with the app)."""
    return read_holiday_data(path).calendar()


def from_rows(
    rows: Iterable[tuple[date, bool]], *, years: Iterable[int] | None = None
) -> HolidayCalendar:
    """A calendar from ``(date, is_working_day)`` rows, e.g. ``values_list("date",
    "is_working_day")`` of the admin-edited table.

    ``years`` are the years with an official arrangement; by default every year a row falls in.
    """
    days_off: set[date] = set()
    workdays: set[date] = set()
    for d, working in rows:
        (workdays if working else days_off).add(d)
    return HolidayCalendar(days_off, workdays, years=years)


def covered_years(path: Path | str = DEFAULT_DATA_FILE) -> frozenset[int]:
    """Years the holiday data file has a notice for."""
    return frozenset(read_holiday_data(path).sources)
