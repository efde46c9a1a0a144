"""Waiting for data: an application whose facts are incomplete waits in AWAITING_DATA with
what is missing, the worker retries it with back-off until it can decide, and an application
still undecided near its due date is flagged for caseworkers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from adapters.db.tables import applications
from mocks.world import World
from tests.applications.conftest import (
    SUBMIT,
    Stack,
    Target,
    fast_policy,
    granted_family,
    open_stack,
)

LIST = """
query($filter: ApplicationFilter) {
  applications(filter: $filter) { edges { node { number status overdue } } }
}"""


@pytest.fixture
async def stack(world: World, target: Target, tmp_path: Path) -> AsyncIterator[Stack]:
    # an application waiting for data is retried after a minute, then two, …
    policy = fast_policy(retry_base=60.0, retry_cap=3600.0)
    async with open_stack(world, target, tmp_path, policy) as opened:
        yield opened


async def test_an_agency_that_is_down_leaves_the_application_waiting_until_it_answers(
    stack: Stack,
) -> None:
    await stack.fault("property", "down")
    token = stack.citizen("G13A1XZ")
    payload = await stack.submit(token, idempotencyKey="waits-for-property", **granted_family(13))
    application = payload["application"]
    assert application["status"] == "AWAITING_DATA"
    assert application["decision"] is None
    assert application["missingData"] == [
        {"agency": "property", "input": "property.real_estate", "fin": fin}
        for fin in ("G13A1XZ", "G13A2XZ")
    ]
    await stack.settle()  # not due yet: nothing is retried
    texts = [m["text"] for m in await stack.messages()]
    assert len(texts) == 2 and all("TSA-2026-000001" in t for t in texts)  # registered only

    stack.clock.later(90)  # the first retry is due; the agency is still down
    await stack.settle()
    seen = await stack.application(token, application["id"])
    assert seen["status"] == "AWAITING_DATA"
    assert [e["kind"] for e in seen["events"]].count("AWAITING_DATA") == 2

    await stack.agency_back("property")
    stack.clock.later(60)  # back-off doubled: not due yet
    await stack.settle()
    assert (await stack.application(token, application["id"]))["status"] == "AWAITING_DATA"
    stack.clock.later(120)
    await stack.settle()
    seen = await stack.application(token, application["id"])
    assert seen["status"] == "GRANTED"
    assert seen["missingData"] == []
    assert seen["decision"]["monthlyAmount"] == "260.00"
    assert len(await stack.orders()) == 1
    kinds = [n["kind"] for n in seen["notifications"]]
    assert kinds == ["REGISTERED"] * 2 + ["DECIDED"] * 2 + ["CARD_READY"] * 2


async def test_agency_calls_for_an_application_carry_its_id_as_the_purpose(stack: Stack) -> None:
    await stack.fault("vehicles", "down")
    payload = await stack.submit(
        stack.citizen("G14A1XZ"), idempotencyKey="xroad-issue", **granted_family(14)
    )
    application_id = payload["application"]["id"]
    await stack.heal()
    stack.clock.later(90)
    await stack.settle()  # the worker decides, as the system, for the application
    seen = await stack.mocks.get("/_admin/calls")
    issues = {
        (agency, entry["issue"], entry["userId"])
        for agency, ops in seen.json().items()
        for op in ops.values()
        for entry in op["last"]
    }
    # the inline attempt, as the citizen; the worker's, as the system; both for the application
    assert ("tax", application_id, "citizen-G14A1XZ") in issues
    assert ("vehicles", application_id, "vemtas-worker") in issues
    assert ("bank", application_id, "vemtas-worker") in issues
    assert ("messaging", application_id, "vemtas-worker") in issues


async def test_the_population_registry_down_registers_nothing(stack: Stack) -> None:
    await stack.fault("population", "down")
    body = await stack.query(
        SUBMIT,
        stack.citizen("G15A1XZ"),
        {"input": {"idempotencyKey": "no-registry", **granted_family(15)}},
    )
    assert body["errors"][0]["extensions"]["code"] == "AGENCY_UNAVAILABLE"
    async with stack.database.engine.connect() as connection:
        count = await connection.scalar(sa.select(sa.func.count()).select_from(applications))
    assert count == 0


async def test_an_application_undecided_near_its_due_date_is_flagged(stack: Stack) -> None:
    await stack.fault("tax", "down")
    payload = await stack.submit(
        stack.citizen("G16A1XZ"), idempotencyKey="late-one", **granted_family(16)
    )
    application = payload["application"]
    assert application["status"] == "AWAITING_DATA"
    caseworker = stack.token("caseworker", sub="cw-1", districts=["Yasamal"])
    assert await _overdue(stack, caseworker) == []

    due = application["decisionDueOn"]
    stack.clock.day = stack.clock.day.fromisoformat(due) - timedelta(days=2)
    await stack.settle()
    assert await _overdue(stack, caseworker) == [(application["number"], True)]
    seen = await stack.application(caseworker, application["id"])
    assert seen["overdue"] is True
    assert [e["kind"] for e in seen["events"]].count("FLAGGED_OVERDUE") == 1
    await stack.settle()  # flagged once
    seen = await stack.application(caseworker, application["id"])
    assert [e["kind"] for e in seen["events"]].count("FLAGGED_OVERDUE") == 1

    # the tax service answers again: decided, no longer overdue (the event stays)
    await stack.agency_back("tax")
    stack.clock.later(3600)  # past the back-off
    await stack.settle()
    seen = await stack.application(caseworker, application["id"])
    assert (seen["status"], seen["overdue"]) == ("GRANTED", False)
    assert await _overdue(stack, caseworker) == []
    body = await stack.query(LIST, caseworker, {"filter": {"overdue": False}})
    assert [e["node"]["number"] for e in body["data"]["applications"]["edges"]] == [
        application["number"]
    ]


async def _overdue(stack: Stack, token: str) -> list[tuple[str, bool]]:
    body = await stack.query(LIST, token, {"filter": {"overdue": True}})
    assert "errors" not in body, body
    return [
        (edge["node"]["number"], edge["node"]["overdue"])
        for edge in body["data"]["applications"]["edges"]
    ]
