"""What the agencies answer per month from the world's monthly streams
(``mocks.agencies.base.monthly_amounts``): sums in month order, months summing to zero left
out, money with two decimals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from mocks.agencies.base import monthly_amounts
from mocks.world import MonthlyStream


def stream(monthly: str, first: date, last: date) -> MonthlyStream:
    return MonthlyStream(Decimal(monthly), first, last)


def test_one_stream_is_clipped_to_the_months_asked_for_across_a_new_year() -> None:
    amounts = monthly_amounts(
        [stream("12.5", date(2024, 1, 1), date(2026, 12, 1))], date(2025, 11, 1), date(2026, 2, 1)
    )

    assert amounts == [
        ("2025-11", "12.50"),
        ("2025-12", "12.50"),
        ("2026-01", "12.50"),
        ("2026-02", "12.50"),
    ]


def test_overlapping_streams_add_up_and_months_summing_to_zero_are_left_out() -> None:
    streams = [
        stream("10.00", date(2025, 1, 1), date(2025, 4, 1)),
        stream("5.25", date(2025, 3, 1), date(2025, 6, 1)),
        stream("-10.00", date(2025, 2, 1), date(2025, 2, 1)),
    ]

    assert monthly_amounts(streams, date(2025, 1, 1), date(2025, 12, 1)) == [
        ("2025-01", "10.00"),
        ("2025-03", "15.25"),
        ("2025-04", "15.25"),
        ("2025-05", "5.25"),
        ("2025-06", "5.25"),
    ]


def test_nothing_outside_the_streams_and_nothing_for_a_zero_stream() -> None:
    late = stream("7.00", date(2027, 1, 1), date(2027, 3, 1))
    zero = stream("0.00", date(2025, 1, 1), date(2025, 3, 1))

    assert monthly_amounts([late], date(2025, 1, 1), date(2025, 12, 1)) == []
    assert monthly_amounts([zero], date(2025, 1, 1), date(2025, 12, 1)) == []
    assert monthly_amounts([], date(2025, 1, 1), date(2025, 12, 1)) == []


def test_amounts_are_rounded_to_cents_half_to_even() -> None:
    streams = [stream("0.015", date(2025, 1, 1), date(2025, 1, 1))]
    halves = [stream("0.025", date(2025, 2, 1), date(2025, 2, 1))]

    assert monthly_amounts(streams, date(2025, 1, 1), date(2025, 1, 1)) == [("2025-01", "0.02")]
    assert monthly_amounts(halves, date(2025, 2, 1), date(2025, 2, 1)) == [("2025-02", "0.02")]
