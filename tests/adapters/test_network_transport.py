"""The adapters over the network transport (httpx-aiohttp's ``AiohttpTransport``, a real
server on loopback) answer and fail exactly as over the in-process transport the other adapter
tests use: the same records, the same agency errors, the same attempts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from httpx_aiohttp import AiohttpTransport

from adapters.errors import AgencyBadResponse, AgencyNotFound, AgencyTimeout, AgencyUnavailable
from adapters.registry import open_adapters
from adapters.resilience import AgencyThrottled
from mocks.app import create_mock_app
from mocks.world import World
from tests.adapters.calls import AGENCIES, AYNUR, CTX, RESAD, ask
from tests.loopback import free_port, serving_built


@pytest.fixture
async def loopback(world: World) -> AsyncIterator[str]:
    """The mock agencies under uvicorn on 127.0.0.1; their base URL."""
    async with serving_built(lambda base: create_mock_app(world, dev=True, base_url=base)) as base:
        yield base


@pytest.fixture
async def admin(loopback: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=loopback) as client:
        yield client


def _config(make_config: Any, clock: Any, base: str, **overrides: Any) -> Any:
    config = make_config(clock, **overrides)
    urls = {agency: f"{base}/{agency}" for agency in config.agency_urls}
    return type(config)(**{**config.__dict__, "agency_urls": urls})


async def count(admin: httpx.AsyncClient, agency: str) -> int:
    calls = (await admin.get("/_admin/calls")).json()[agency]
    return sum(int(c["count"]) for c in calls.values())


async def fault(admin: httpx.AsyncClient, agency: str, mode: str) -> None:
    (await admin.put(f"/_admin/faults/{agency}", json={"mode": mode})).raise_for_status()


async def test_answers_over_loopback_equal_the_in_process_answers(
    loopback: str, mocks: Any, clock: Any, make_config: Any
) -> None:
    config = _config(make_config, clock, loopback)
    async with open_adapters(config) as network:
        # every request an httpx.Request handed to httpx-aiohttp's transport, REST and SOAP
        assert isinstance(network.population.client.rest._transport, AiohttpTransport)
        assert isinstance(network.property.client.soap.transport._direct, AiohttpTransport)
        over_network = [await ask(network, agency, [AYNUR, RESAD]) for agency in AGENCIES]
        family = await network.population.family(
            (await network.population.families([AYNUR], CTX))[AYNUR].household_id, CTX
        )
        with pytest.raises(AgencyNotFound):
            await network.population.family("HH-NOBODY/../x", CTX)
    async with open_adapters(make_config(clock), transport=mocks.transport) as local:
        in_process = [await ask(local, agency, [AYNUR, RESAD]) for agency in AGENCIES]
        assert family == await local.population.family(family.household_id, CTX)
    assert over_network == in_process
    assert any(over_network)


@pytest.mark.parametrize("agency", AGENCIES)
async def test_a_down_agency_is_unavailable_after_three_attempts(
    loopback: str, admin: httpx.AsyncClient, clock: Any, make_config: Any, agency: str
) -> None:
    await fault(admin, agency, "down")
    async with open_adapters(_config(make_config, clock, loopback)) as network:
        with pytest.raises(AgencyUnavailable) as raised:
            await ask(network, agency, [AYNUR])
    assert raised.value.agency == agency
    assert await count(admin, agency) == 3


@pytest.mark.parametrize("agency", AGENCIES)
async def test_a_malformed_answer_is_a_bad_response_not_retried(
    loopback: str, admin: httpx.AsyncClient, clock: Any, make_config: Any, agency: str
) -> None:
    await fault(admin, agency, "malformed")
    async with open_adapters(_config(make_config, clock, loopback)) as network:
        with pytest.raises(AgencyBadResponse):
            await ask(network, agency, [AYNUR])
    assert await count(admin, agency) == 1


@pytest.mark.parametrize("agency", ["population", "property"])
async def test_a_hanging_agency_times_out_within_the_deadline(
    loopback: str, admin: httpx.AsyncClient, clock: Any, make_config: Any, agency: str
) -> None:
    await fault(admin, agency, "hang")
    async with open_adapters(_config(make_config, clock, loopback, deadline=0.3)) as network:
        async with asyncio.timeout(5):
            with pytest.raises(AgencyTimeout):
                await ask(network, agency, [AYNUR])


async def test_a_soap_fault_and_a_rest_error_keep_their_meanings(
    loopback: str, admin: httpx.AsyncClient, clock: Any, make_config: Any
) -> None:
    await fault(admin, "property", "error")
    await fault(admin, "tax", "error")
    async with open_adapters(_config(make_config, clock, loopback)) as network:
        with pytest.raises(AgencyBadResponse):  # a SOAP Fault: not retried
            await ask(network, "property", [AYNUR])
        with pytest.raises(AgencyUnavailable):  # HTTP 500 from a REST agency: retried
            await ask(network, "tax", [AYNUR])
    assert await count(admin, "property") == 1
    assert await count(admin, "tax") == 3


async def test_throttling_gives_up_when_retry_after_outlasts_the_deadline(
    loopback: str, admin: httpx.AsyncClient, clock: Any, make_config: Any
) -> None:
    await fault(admin, "tax", "throttle")
    async with open_adapters(_config(make_config, clock, loopback, deadline=0.3)) as network:
        with pytest.raises(AgencyThrottled) as raised:
            await ask(network, "tax", [AYNUR])
    assert raised.value.retry_after == 1.0
    assert await count(admin, "tax") == 1


@pytest.mark.parametrize("agency", AGENCIES)
async def test_an_answer_over_the_size_limit_is_refused(
    loopback: str, admin: httpx.AsyncClient, clock: Any, make_config: Any, agency: str
) -> None:
    config = _config(make_config, clock, loopback, max_response_bytes=64)
    async with open_adapters(config) as network:
        with pytest.raises(AgencyBadResponse) as raised:
            await ask(network, agency, [AYNUR])
    assert "too large" in str(raised.value)
    assert await count(admin, agency) == 1


async def test_a_closed_port_fails_the_call_without_an_answer(clock: Any, make_config: Any) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    async with open_adapters(_config(make_config, clock, closed)) as network:
        for agency in ("population", "property"):
            # httpx-aiohttp maps aiohttp's refused connection to httpx.ConnectTimeout; the
            # adapters still name it for what it is (docs/adapters.md: errors)
            with pytest.raises(AgencyUnavailable):
                await ask(network, agency, [AYNUR])
            assert network.breaker(agency).state.value == "closed"  # 3 failures < threshold 4
