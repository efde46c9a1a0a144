"""The load benchmark (bench/load.py), run tiny: it asks for families the mocks really serve,
reports both bars, and leaves no process behind. Nothing here asserts on a timing."""

from __future__ import annotations

import os

import pytest

from bench.load import FamilyMix, LoadPlan, report, run
from bench.processes import descendants
from mocks.generate import generate_world


def test_asks_only_for_families_of_the_served_world_with_a_share_of_repeats() -> None:
    world = generate_world(300, 1)
    mix = FamilyMix.sample(300, 1, size=120)
    asked = [mix.next() for _ in range(150)]
    fresh = [fin for fin, repeat in asked if not repeat]
    repeats = [fin for fin, repeat in asked if repeat]

    assert all(world.household_of(fin) is not None for fin, _ in asked)
    assert len(set(fresh)) == len(fresh)  # a fresh family is never one asked before
    assert repeats and all(fin in fresh for fin in repeats)
    assert (mix.fresh_count, mix.repeat_count) == (len(fresh), len(repeats))


def test_repeats_recent_families_once_every_sampled_family_was_asked() -> None:
    mix = FamilyMix.sample(150, 1, size=5)
    asked = [mix.next() for _ in range(20)]

    assert len({fin for fin, _ in asked}) == 5
    assert all(repeat for _, repeat in asked[-10:])


@pytest.mark.slow
@pytest.mark.e2e
def test_a_tiny_run_reports_both_bars_without_errors_and_stops_every_process() -> None:
    result = run(
        LoadPlan(
            households=150, clients=2, warmup_seconds=0.5, closed_seconds=1.0, open_seconds=1.5
        )
    )

    assert result.errors == 0 and result.ok == result.sent > 0
    assert result.max_rate > 0 and result.target_rate == pytest.approx(result.max_rate / 2)
    assert result.rss_samples > 0 and 0 < result.rss_median <= result.rss_peak
    assert result.fresh_requests > 0 and result.repeat_requests > 0
    table = "\n".join(report(result))
    assert "## Load" in table
    assert "| p99 ÷ p50 latency at half the maximum rate" in table
    assert "| gateway resident memory under that load, 150-family world" in table
    assert "errors: none" in table
    assert descendants(os.getpid()) == []  # mocks, gateway and migrations all stopped
