"""Misbehaving agencies (the mock's fault modes): each failure becomes the right agency error,
quickly, and the circuit breaker and stale-if-error keep the gateway answering."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.base import AdapterConfig, track_staleness
from adapters.errors import AgencyBadResponse, AgencyTimeout, AgencyUnavailable
from adapters.registry import Adapters, open_adapters
from adapters.resilience import AgencyThrottled, BreakerState, CircuitOpen
from tests.adapters.calls import AGENCIES, AYNUR, CTX, RESAD, ask


@pytest.fixture
async def quick(mocks: Any, clock: Any, make_config: Any) -> AsyncIterator[Adapters]:
    """Adapters with a short deadline, so that a hanging agency is given up on quickly."""
    async with open_adapters(make_config(clock, deadline=0.3), transport=mocks.transport) as a:
        yield a


@pytest.mark.parametrize("agency", AGENCIES)
async def test_an_agency_that_is_down_is_unavailable_after_bounded_retries(
    adapters: Adapters, mocks: Any, agency: str
) -> None:
    await mocks.fault(agency, "down")
    with pytest.raises(AgencyUnavailable) as raised:
        await ask(adapters, agency, [AYNUR])
    assert raised.value.agency == agency
    assert raised.value.code == "AGENCY_UNAVAILABLE"
    assert await mocks.count(agency) == 3  # three attempts, then the error


@pytest.mark.parametrize("agency", AGENCIES)
async def test_a_hanging_agency_times_out_within_the_deadline(
    quick: Adapters, mocks: Any, agency: str
) -> None:
    await mocks.fault(agency, "hang")
    async with asyncio.timeout(5):  # the test's own bound: the adapter must give up first
        with pytest.raises(AgencyTimeout) as raised:
            await ask(quick, agency, [AYNUR])
    assert raised.value.agency == agency
    assert raised.value.code == "AGENCY_TIMEOUT"


@pytest.mark.parametrize("agency", AGENCIES)
async def test_a_malformed_answer_is_a_bad_response_and_not_retried(
    adapters: Adapters, mocks: Any, agency: str
) -> None:
    await mocks.fault(agency, "malformed")
    with pytest.raises(AgencyBadResponse) as raised:
        await ask(adapters, agency, [AYNUR])
    assert raised.value.agency == agency
    assert "\\x" not in str(raised.value) and AYNUR not in str(raised.value)
    assert await mocks.count(agency) == 1


async def test_a_soap_fault_is_a_bad_response_without_its_text(
    adapters: Adapters, mocks: Any
) -> None:
    await mocks.fault("property", "error")
    with pytest.raises(AgencyBadResponse) as raised:
        await adapters.property.real_estate([AYNUR], CTX)
    assert "try again later" not in str(raised.value)


async def test_throttling_honours_retry_after_or_gives_up_when_it_outlasts_the_deadline(
    adapters: Adapters, quick: Adapters, mocks: Any
) -> None:
    await mocks.fault("tax", "throttle")
    # Retry-After: 1 outlasts a 0.3 s deadline: one attempt, then unavailable at once
    with pytest.raises(AgencyThrottled) as raised:
        await ask(quick, "tax", [AYNUR])
    assert raised.value.retry_after == 1.0
    assert await mocks.count("tax") == 1
    # within a 2 s deadline the adapter waits as told and tries again
    with pytest.raises(AgencyThrottled):
        await ask(adapters, "tax", [AYNUR])
    assert await mocks.count("tax") > 2


@pytest.mark.parametrize("agency", ["population", "property"])
async def test_the_circuit_opens_after_repeated_failures_and_spares_the_agency(
    adapters: Adapters, mocks: Any, clock: Any, agency: str
) -> None:
    await mocks.fault(agency, "down")
    for _ in range(2):  # 2 calls × up to 3 attempts ≥ threshold 4
        with pytest.raises(AgencyUnavailable):
            await ask(adapters, agency, [AYNUR])
    assert adapters.breaker(agency).state is BreakerState.OPEN
    calls_so_far = await mocks.count(agency)

    with pytest.raises(CircuitOpen):
        await ask(adapters, agency, [RESAD])
    assert await mocks.count(agency) == calls_so_far  # no network while open

    # after the cool-down one probe goes through; the agency is back, so the circuit closes
    await mocks.heal()
    clock.advance(31)
    assert adapters.breaker(agency).state is BreakerState.HALF_OPEN
    await ask(adapters, agency, [RESAD])
    assert adapters.breaker(agency).state is BreakerState.CLOSED


async def test_a_failed_probe_opens_the_circuit_again(
    adapters: Adapters, mocks: Any, clock: Any
) -> None:
    await mocks.fault("tax", "down")
    for _ in range(2):
        with pytest.raises(AgencyUnavailable):
            await ask(adapters, "tax", [AYNUR])
    clock.advance(31)
    with pytest.raises(AgencyUnavailable):
        await ask(adapters, "tax", [AYNUR])
    assert adapters.breaker("tax").state is BreakerState.OPEN


async def test_other_agencies_are_not_affected_by_one_failing(
    adapters: Adapters, mocks: Any
) -> None:
    await mocks.fault("tax", "down")
    for _ in range(2):
        with pytest.raises(AgencyUnavailable):
            await ask(adapters, "tax", [AYNUR])
    assert (await adapters.population.persons([AYNUR], CTX))[AYNUR].fin == AYNUR


@pytest.mark.parametrize("agency", AGENCIES)
async def test_a_stale_answer_is_served_and_marked_when_the_agency_fails(
    adapters: Adapters, mocks: Any, clock: Any, agency: str
) -> None:
    fresh = await ask(adapters, agency, [AYNUR])
    clock.advance(301)  # past the 300 s time to live, within the grace
    await mocks.fault(agency, "down")

    with track_staleness() as report:
        stale = await ask(adapters, agency, [AYNUR])
    assert stale == fresh
    assert stale.stale and stale.stale_keys == {AYNUR}
    assert report.agencies == {agency}


async def test_past_the_grace_window_the_failure_is_reported_not_old_data(
    adapters: Adapters, mocks: Any, clock: Any
) -> None:
    await ask(adapters, "population", [AYNUR])
    clock.advance(300 + 3600 + 1)
    await mocks.fault("population", "down")
    with pytest.raises(AgencyUnavailable):
        await ask(adapters, "population", [AYNUR])


async def test_a_stale_answer_is_not_served_while_the_agency_is_healthy(
    adapters: Adapters, mocks: Any, clock: Any
) -> None:
    await ask(adapters, "population", [AYNUR])
    clock.advance(301)
    again = await ask(adapters, "population", [AYNUR])
    assert not again.stale
    assert await mocks.count("population") == 2


async def test_stale_data_is_not_mixed_with_a_missing_key(
    adapters: Adapters, mocks: Any, clock: Any
) -> None:
    await ask(adapters, "population", [AYNUR])
    clock.advance(301)
    await mocks.fault("population", "down")
    with pytest.raises(AgencyUnavailable):
        await ask(adapters, "population", [AYNUR, RESAD])


async def test_a_zero_time_to_live_asks_the_agency_every_time(
    mocks: Any, clock: Any, make_config: Any
) -> None:
    config: AdapterConfig = make_config(clock, ttls={"population": 0})
    async with open_adapters(config, transport=mocks.transport) as adapters:
        await ask(adapters, "population", [AYNUR])
        await ask(adapters, "population", [AYNUR])
        await ask(adapters, "tax", [AYNUR])
        await ask(adapters, "tax", [AYNUR])
    assert await mocks.count("population") == 2
    assert await mocks.count("tax") == 1
