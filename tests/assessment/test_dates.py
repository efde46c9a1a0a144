"""Working days for the decision deadline (Azerbaijan's calendar, observed days included), and
the calendar arithmetic the rules share."""

from __future__ import annotations

from datetime import date

import pytest

from assessment import decision_due_date, is_working_day
from assessment.dates import add_months, age_on, month_end


@pytest.mark.parametrize(
    ("registered", "due"),
    [
        # no holiday in the way: three weeks of weekdays
        (date(2026, 9, 1), date(2026, 9, 22)),
        # Victory Day on a Sunday is observed on Tuesday, after Flag Day on Monday
        (date(2026, 11, 2), date(2026, 11, 25)),
        # Novruz and Ramadan with their observed days: from 20 to 30 March 2026 nobody works
        (date(2026, 3, 16), date(2026, 4, 15)),
        # Saturday 28 and Sunday 29 December 2024 were working days, 30 Dec to 3 Jan were not
        (date(2024, 12, 20), date(2025, 1, 15)),
    ],
)
def test_a_decision_is_due_fifteen_working_days_after_registration(
    registered: date, due: date
) -> None:
    assert decision_due_date(registered) == due


def test_observed_holidays_and_moved_weekend_days_follow_the_azerbaijani_calendar() -> None:
    assert not is_working_day(date(2026, 11, 10))  # Victory Day (observed)
    assert not is_working_day(date(2026, 11, 14))  # a Saturday
    assert is_working_day(date(2026, 11, 11))
    assert is_working_day(date(2024, 12, 29))  # a Sunday worked to move a day off


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 11, 15), -12, date(2025, 11, 15)),
        (date(2026, 12, 1), 1, date(2027, 1, 1)),
    ],
)
def test_months_are_added_on_the_calendar(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_a_month_ends_on_its_last_day() -> None:
    assert month_end(date(2024, 2, 10)) == date(2024, 2, 29)
    assert month_end(date(2026, 12, 31)) == date(2026, 12, 31)


def test_age_counts_whole_years_and_a_leap_day_birthday_ages_on_the_first_of_march() -> None:
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18
    assert age_on(date(1990, 11, 15), date(2026, 11, 15)) == 36
