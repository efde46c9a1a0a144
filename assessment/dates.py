"""Calendar arithmetic the rules share: months, ages and Azerbaijan's working days.

All pure functions of their arguments; nothing here reads a clock.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import lru_cache

import holidays


def month_start(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, clamped to the end of a shorter month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@lru_cache(maxsize=4096)
def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return add_months(month_start(day), 1) - timedelta(days=1)


def age_on(birth_date: date, day: date) -> int:
    """Age in whole years on ``day`` (someone born on 29 February ages on 1 March)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


@lru_cache(maxsize=64)
def _azerbaijan_calendar(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(public holidays including observed days, weekend days declared working) of ``year``."""
    # Neighbouring years too: a day moved across New Year is defined by the year it lands in.
    calendar_ = holidays.country_holidays("AZ", years=(year - 1, year, year + 1), observed=True)
    days_off = frozenset(d for d in calendar_ if d.year == year)
    weekend_workdays = frozenset(d for d in calendar_.weekend_workdays if d.year == year)
    return days_off, weekend_workdays


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a public holiday (observed days included), or a weekend day
    the government declared a working day when it moved a day off."""
    days_off, weekend_workdays = _azerbaijan_calendar(day.year)
    if day in weekend_workdays:
        return True
    return day.weekday() < 5 and day not in days_off


def add_working_days(start: date, working_days: int) -> date:
    """The ``working_days``-th working day after ``start`` (``start`` itself not counted)."""
    day = start
    remaining = working_days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day
