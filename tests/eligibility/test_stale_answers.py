"""A dry run never decides on stale answers, just as an application does not.

When an agency fails, the adapters may serve its answers from the cache past their time to live
(stale-if-error, within the grace). The reads of the household still show those answers, but
``eligibility`` is then incomplete, naming the stale inputs (``agency.operation``, no FIN) as the
decision path does for an application waiting for data. The adapters' cache runs on a fake clock
here, so an answer ages without waiting.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.base import AdapterConfig
from adapters.registry import open_adapters
from gateway.app import adapter_config, create_app
from mocks.app import create_mock_app
from mocks.world import World
from tests.stack import BASE, PeakTransport, Stack, stack_settings

from .conftest import TODAY

TTL = AdapterConfig.default_ttl  # 300 s
GRACE = AdapterConfig.stale_grace  # 3600 s

DISABLED_FAMILY = "911A1XZ"  # HH-Q01-DISABLED: granted; head 911A1XZ, spouse 911A2XZ
CARER_FAMILY = "912A1XZ"  # HH-Q02-CARER: granted

INCOMES = "monthlyIncomes { fin month source amount agency }"
ELIGIBILITY = """eligibility { complete missingData { input agency fin }
  decision { outcome monthlyAmount periodStart periodEnd evidence { agency operation digest } } }"""

# the tax service's answers, served stale, as an application waiting for data names them
STALE_TAX = [
    {"input": "tax.incomes", "agency": "tax", "fin": None},
    {"input": "tax.taxpayers", "agency": "tax", "fin": None},
]


@dataclass
class FakeClock:
    """Wall time of the adapters' cache (the only clock that ages an answer)."""

    now: float = 1_000_000.0

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@asynccontextmanager
async def clocked_stack(world: World, folder: Path, clock: FakeClock) -> AsyncIterator[Stack]:
    """The gateway and the mock agencies in-process (as ``tests/stack.py``), the adapters'
    cache on ``clock``."""
    settings = stack_settings(TODAY, folder)
    mock_app = create_mock_app(world, dev=True, base_url=BASE)
    transport = httpx.ASGITransport(app=mock_app, client=("127.0.0.1", 40000))
    peak = PeakTransport(transport)
    config = replace(adapter_config(settings), clock=clock.time)
    async with (
        open_adapters(config, transport=peak) as adapters,
        httpx.AsyncClient(transport=transport, base_url=BASE) as mocks,
    ):
        app = create_app(settings, adapters, jwks_transport=transport)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
            ) as client,
        ):
            yield Stack(client=client, mocks=mocks, settings=settings, app=app, transport=peak)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def stack(grounds_world: World, tmp_path: Path, clock: FakeClock) -> AsyncIterator[Stack]:
    async with clocked_stack(grounds_world, tmp_path, clock) as opened:
        yield opened


def household(fin: str, *fields: str) -> str:
    return f'household(fin: "{fin}") {{ {" ".join(fields)} }}'


async def ask(stack: Stack, query: str) -> dict[str, Any]:
    body = await stack.query(query, stack.token("auditor"))
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


# both orders: the field that first asks an agency operation must not change the answer
FIELD_ORDERS = pytest.mark.parametrize(
    "fields",
    [(INCOMES, ELIGIBILITY), (ELIGIBILITY, INCOMES)],
    ids=["incomes-first", "dry-run-first"],
)


@FIELD_ORDERS
async def test_a_dry_run_on_stale_answers_names_them_missing_while_the_reads_still_show_them(
    stack: Stack, clock: FakeClock, fields: tuple[str, str]
) -> None:
    query = "{ " + household(DISABLED_FAMILY, *fields) + " }"
    warm = (await ask(stack, query))["household"]
    assert warm["eligibility"]["complete"] is True
    assert warm["eligibility"]["decision"]["outcome"] == "GRANTED"
    assert any(i["agency"] == "tax" for i in warm["monthlyIncomes"])

    await stack.fault("tax", "down")
    clock.advance(TTL + 60)  # past the time to live, well within the grace
    stale = (await ask(stack, query))["household"]

    assert stale["eligibility"] == {"complete": False, "decision": None, "missingData": STALE_TAX}
    # stale-if-error is for reads: the incomes are still shown, the tax service's included
    assert stale["monthlyIncomes"] == warm["monthlyIncomes"]


async def test_an_application_submitted_at_the_same_moment_waits_for_the_same_data(
    stack: Stack, clock: FakeClock
) -> None:
    query = "{ " + household(DISABLED_FAMILY, ELIGIBILITY) + " }"
    assert (await ask(stack, query))["household"]["eligibility"]["complete"] is True
    await stack.fault("tax", "down")
    clock.advance(TTL + 60)

    dry_run = (await ask(stack, query))["household"]["eligibility"]
    submitted = await stack.query(
        """mutation($input: SubmitApplicationInput!) { submitApplication(input: $input) {
             application { status missingData { input agency fin } decision { outcome } }
             userErrors { code message } } }""",
        stack.token("citizen", sub="citizen-911A1XZ", fin=DISABLED_FAMILY),
        {
            "input": {
                "idempotencyKey": "stale-answers-1",
                "representativeFin": DISABLED_FAMILY,
                "representativeIdCard": "AA9110001",
                "members": [DISABLED_FAMILY, "911A2XZ"],
                "phone": "+994501110001",
            }
        },
    )
    assert "errors" not in submitted, submitted
    payload = submitted["data"]["submitApplication"]
    assert payload["userErrors"] == []
    application = payload["application"]
    assert application["status"] == "AWAITING_DATA"
    assert application["decision"] is None
    assert dry_run["complete"] is False
    assert dry_run["decision"] is None
    assert dry_run["missingData"] == application["missingData"] == STALE_TAX


@pytest.mark.parametrize("first", [DISABLED_FAMILY, CARER_FAMILY])
async def test_one_familys_stale_answers_do_not_hold_up_another_family_in_the_same_request(
    stack: Stack, clock: FakeClock, first: str
) -> None:
    await ask(stack, "{ " + household(DISABLED_FAMILY, ELIGIBILITY) + " }")
    clock.advance(TTL - 100)
    fresh = await ask(stack, "{ " + household(CARER_FAMILY, ELIGIBILITY) + " }")
    await stack.fault("tax", "down")
    clock.advance(150)  # the disabled family's tax answers are now stale, the carer's are not

    second = CARER_FAMILY if first == DISABLED_FAMILY else DISABLED_FAMILY
    both = await ask(
        stack,
        "{ first: "
        + household(first, ELIGIBILITY)
        + " second: "
        + household(second, ELIGIBILITY)
        + " }",
    )
    by_fin = {first: both["first"]["eligibility"], second: both["second"]["eligibility"]}
    assert by_fin[DISABLED_FAMILY] == {
        "complete": False,
        "decision": None,
        "missingData": STALE_TAX,
    }
    assert by_fin[CARER_FAMILY] == fresh["household"]["eligibility"]
    assert by_fin[CARER_FAMILY]["complete"] is True


async def test_answers_within_their_time_to_live_decide_as_before_while_the_agency_is_down(
    stack: Stack, clock: FakeClock
) -> None:
    query = "{ " + household(DISABLED_FAMILY, INCOMES, ELIGIBILITY) + " }"
    warm = (await ask(stack, query))["household"]
    await stack.fault("tax", "down")
    clock.advance(TTL - 1)
    cached = (await ask(stack, query))["household"]
    assert cached == warm
    assert cached["eligibility"]["complete"] is True


async def test_answers_fetched_again_after_their_time_to_live_decide_as_before(
    stack: Stack, clock: FakeClock
) -> None:
    query = "{ " + household(DISABLED_FAMILY, INCOMES, ELIGIBILITY) + " }"
    warm = (await ask(stack, query))["household"]
    calls = await stack.total_calls("tax")
    clock.advance(TTL + 60)
    again = (await ask(stack, query))["household"]
    assert await stack.total_calls("tax") > calls, "the tax service was asked afresh"
    assert again == warm
    assert again["eligibility"]["complete"] is True
    assert again["eligibility"]["decision"]["outcome"] == "GRANTED"


async def test_beyond_the_grace_nothing_stale_is_served_and_the_inputs_are_missing_per_member(
    stack: Stack, clock: FakeClock
) -> None:
    query = "{ " + household(DISABLED_FAMILY, ELIGIBILITY, INCOMES) + " }"
    await ask(stack, query)
    await stack.fault("tax", "down")
    clock.advance(TTL + GRACE + 1)
    body = await stack.query(query, stack.token("auditor"))
    found = body["data"]["household"]
    assert found["monthlyIncomes"] is None
    assert {e["extensions"]["agency"] for e in body["errors"]} == {"tax"}
    assert found["eligibility"]["complete"] is False
    assert found["eligibility"]["missingData"] == [
        {"input": input, "agency": "tax", "fin": fin}
        for input in ("tax.incomes", "tax.taxpayer")
        for fin in (DISABLED_FAMILY, "911A2XZ")
    ]
