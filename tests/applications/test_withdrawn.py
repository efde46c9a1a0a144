"""A reassessment changes what the outbox still has to deliver: a notice of the decision it
supersedes is withdrawn, never sent after the new decision's; a card order (and card-pickup
notice) of a grant it takes away never reaches the bank (or the family); a grant again puts
them back, delivered once. Delivered is delivered: what the bank or the gateway already took
stays as it was."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from adapters.db import (
    NewDecision,
    NotificationKind,
    NotificationStatus,
    Outcome,
    open_database,
)
from adapters.db.errors import RequeueRefused
from adapters.db.tables import outbox
from mocks.world import World
from tests.applications.conftest import Stack, Target, fast_policy, granted_household, open_stack

RETRY_AFTER = 30.0
GRANT, REFUSE = "100.00", "500.00"  # the spouse's pension a month

REASSESS = """
mutation($id: ID!) {
  reassessApplication(id: $id) {
    application { status decisionHistory { outcome } }
    userErrors { field code message }
  }
}"""


@pytest.fixture
async def stack(world: World, target: Target, tmp_path: Path) -> AsyncIterator[Stack]:
    # a failed delivery waits RETRY_AFTER seconds (the worker's clock) before its next attempt
    policy = fast_policy(outbox_backoff_base=RETRY_AFTER, outbox_max_attempts=6)
    async with open_stack(world, target, tmp_path, policy) as opened:
        yield opened


async def _reassess(stack: Stack, application_id: str, district: str) -> dict[str, Any]:
    caseworker = stack.token("caseworker", sub=f"cw-{district}", districts=[district])
    body = await stack.query(REASSESS, caseworker, {"id": application_id})
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["reassessApplication"]
    assert payload["userErrors"] == []
    reassessed: dict[str, Any] = payload["application"]
    return reassessed


async def _decide_again(stack: Stack, n: int, application_id: str, pension: str) -> str:
    """The agencies now know the spouse's pension as ``pension``; a caseworker reassesses
    family G<n>'s application: its status."""
    world = {"households": [granted_household(n, pension=pension)]}
    response = await stack.mocks.post(
        "/_admin/world",
        content=yaml.safe_dump(world, allow_unicode=True),
        headers={"content-type": "application/yaml"},
    )
    assert response.status_code in (200, 204), response.text
    status: str = (await _reassess(stack, application_id, "Nəsimi"))["status"]
    return status


async def _retries_due(stack: Stack, agency: str) -> None:
    """``agency`` is back and every held-back delivery's next attempt has come: deliver."""
    await stack.agency_back(agency)
    for _ in range(3):
        stack.clock.later(RETRY_AFTER * 2.6)
        await stack.settle()


async def _outbox(
    stack: Stack, application_id: str, *, topic: bool = False
) -> list[tuple[str, str]]:
    """(id, status) of the application's outbox items; (topic, status) with ``topic``."""
    first = outbox.c.topic if topic else outbox.c.id
    async with stack.database.engine.connect() as connection:
        rows = await connection.execute(
            sa.select(first, outbox.c.status).where(outbox.c.application_id == application_id)
        )
        return [(row[0], row[1]) for row in rows]


async def _granted_while_the_bank_is_slow(
    stack: Stack, n: int
) -> tuple[str, str, asyncio.Task[Any]]:
    """Family G<n> (Nəsimi) granted with the bank answering slowly, and a worker round started
    that now holds its card order: (citizen token, application id, the round)."""
    await stack.fault("bank", "slow", latency_ms=400)
    token, application = await stack.grant(n)
    app_id: str = application["id"]
    delivering = asyncio.create_task(stack.worker.run_once())
    for _ in range(200):  # until the worker holds the card order (the bank is answering slowly)
        if ("card.order", "IN_FLIGHT") in await _outbox(stack, app_id, topic=True):
            return token, app_id, delivering
        await asyncio.sleep(0.01)
    raise AssertionError("the worker never took the card order")


async def _keys(stack: Stack) -> list[str]:
    return [message["idempotency_key"] for message in await stack.messages()]


async def test_a_held_back_notice_of_a_superseded_decision_is_never_sent(stack: Stack) -> None:
    await stack.fault("messaging", "down")
    token, application = await stack.grant(41)  # Nəsimi
    app_id = application["id"]
    await stack.settle()
    assert await stack.messages() == []  # registered and decided-1 wait for the gateway
    reassessed = await _reassess(stack, app_id, "Nəsimi")  # the same facts: granted again
    assert [d["outcome"] for d in reassessed["decisionHistory"]] == ["GRANTED", "GRANTED"]

    await _retries_due(stack, "messaging")

    sent = await _keys(stack)
    assert len(sent) == len(set(sent)) == 6  # registered, decided-2, card ready; SMS and e-mail
    assert not any(":decided-1:" in key for key in sent)
    assert {key for key in sent if ":decided-" in key} == {
        f"msg:{app_id}:decided-2:{channel}" for channel in ("sms", "email")
    }
    notices = await stack.database.notifications(app_id)
    decided_1 = {n.idempotency_key: n.status for n in notices if ":decided-1:" in n.idempotency_key}
    assert set(decided_1.values()) == {NotificationStatus.WITHDRAWN}
    seen = await stack.application(token, app_id)
    assert sorted(n["status"] for n in seen["notifications"]) == ["SENT"] * 6 + ["WITHDRAWN"] * 2
    [reassessed_event] = [e for e in seen["events"] if e["kind"] == "REASSESSED"]
    assert sorted(w["kind"] for w in reassessed_event["detail"]["withdrawn"]) == ["email", "sms"]
    # nothing of it is left for the worker, and an operator cannot put it back either
    assert not (await stack.settle())[0].busy
    left = {item_id: status for item_id, status in await _outbox(stack, app_id) if status != "DONE"}
    assert list(left.values()) == ["WITHDRAWN", "WITHDRAWN"]
    with pytest.raises(RequeueRefused, match="WITHDRAWN, not dead-lettered"):
        await stack.database.requeue_dead_letters(list(left))


async def test_a_card_order_held_back_is_cancelled_by_a_refusal_and_restored_by_a_grant(
    stack: Stack,
) -> None:
    await stack.fault("bank", "down")
    token, application = await stack.grant(42)
    app_id = application["id"]
    await stack.settle()
    assert (await stack.application(token, app_id))["cardOrder"]["status"] == "PENDING"

    assert await _decide_again(stack, 42, app_id, REFUSE) == "REFUSED"
    await _retries_due(stack, "bank")

    assert await stack.orders() == []  # the bank never saw the order of a grant that is gone
    seen = await stack.application(token, app_id)
    assert seen["status"] == "REFUSED"
    assert seen["cardOrder"]["status"] == "CANCELLED"
    assert not any(":card-ready:" in key for key in await _keys(stack))
    [event] = [e for e in seen["events"] if e["kind"] == "REASSESSED"]
    assert [w["kind"] for w in event["detail"]["withdrawn"]] == ["card_order"]

    # granted again: the same order goes to the bank, once, with the same key
    assert await _decide_again(stack, 42, app_id, GRANT) == "GRANTED"
    await stack.settle()
    [order] = await stack.orders()
    assert order["application_id"] == app_id
    seen = await stack.application(token, app_id)
    assert seen["cardOrder"]["status"] == "ORDERED"
    events = [e for e in seen["events"] if e["kind"] == "REASSESSED"]
    assert [w["kind"] for w in events[-1]["detail"]["restored"]] == ["card_order"]
    ready = [key for key in await _keys(stack) if ":card-ready:" in key]
    assert sorted(ready) == [f"msg:{app_id}:card-ready:{c}" for c in ("email", "sms")]
    await stack.settle()
    assert len(await stack.orders()) == 1


async def test_card_pickup_notices_held_back_wait_out_a_refusal(stack: Stack) -> None:
    await stack.fault("messaging", "down")
    token, application = await stack.grant(43)
    app_id = application["id"]
    await stack.settle()  # the card is ordered; its pickup notices wait for the gateway
    assert len(await stack.orders()) == 1

    assert await _decide_again(stack, 43, app_id, REFUSE) == "REFUSED"
    await _retries_due(stack, "messaging")
    sent = await _keys(stack)
    assert not any(":card-ready:" in key or ":decided-1:" in key for key in sent)
    seen = await stack.application(token, app_id)
    assert seen["cardOrder"]["status"] == "STOPPED"  # the bank took it: it pays nothing now
    told = {
        (n.idempotency_key.split(":")[2], n.status)
        for n in await stack.database.notifications(app_id)
        if n.kind is not NotificationKind.REGISTERED
    }
    assert told == {
        ("decided-1", NotificationStatus.WITHDRAWN),
        ("card-ready", NotificationStatus.WITHDRAWN),
        ("decided-2", NotificationStatus.SENT),  # the refusal, with every reason
    }

    assert await _decide_again(stack, 43, app_id, GRANT) == "GRANTED"
    await stack.settle()
    ready = [key for key in await _keys(stack) if ":card-ready:" in key]
    assert sorted(ready) == [f"msg:{app_id}:card-ready:{c}" for c in ("email", "sms")]
    assert len(await stack.orders()) == 1


async def test_a_card_order_the_bank_takes_during_a_refusal_is_kept_without_pickup_notices(
    stack: Stack,
) -> None:
    token, app_id, delivering = await _granted_while_the_bank_is_slow(stack, 44)

    assert await _decide_again(stack, 44, app_id, REFUSE) == "REFUSED"
    await delivering
    await stack.heal()
    await stack.settle()

    [order] = await stack.orders()  # the bank took it before it heard of the refusal
    assert (order["application_id"], order["payments"]) == (app_id, "STOPPED")
    seen = await stack.application(token, app_id)
    assert seen["cardOrder"]["status"] == "STOPPED"  # the order was made, its payments stopped
    assert not any(":card-ready:" in key for key in await _keys(stack))

    assert await _decide_again(stack, 44, app_id, GRANT) == "GRANTED"
    await stack.settle()
    ready = [key for key in await _keys(stack) if ":card-ready:" in key]
    assert sorted(ready) == [f"msg:{app_id}:card-ready:{c}" for c in ("email", "sms")]
    assert len(await stack.orders()) == 1


@pytest.mark.postgres
@pytest.mark.parametrize("target", ["postgres"], indirect=True)  # SQLite: one writer at a time
async def test_a_refusal_committed_while_the_card_order_is_recorded_leaves_no_pickup_notice(
    stack: Stack, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL runs the two transactions at once (SQLite one after the other): the worker
    records the bank's answer and renders the pickup notices from the application while a
    caseworker's reassessment refuses the family. The worker holds the application while it
    does, so the refusal waits, then finds the pickup notices and withdraws them."""
    token, application = await stack.grant(43)
    app_id = application["id"]
    [granted] = await stack.database.decisions(app_id)
    refused: list[Any] = []

    def refuse() -> None:  # the caseworker's reassessment, on a connection of its own
        async def run() -> None:
            async with open_database(target.url, schema=target.schema) as db:
                row = await db.get_application(app_id)
                assert row is not None
                decision = NewDecision(
                    Outcome.REFUSED, None, None, None, granted.record, "test", datetime.now(UTC)
                )
                refused.append(
                    await db.record_decision(app_id, decision, [], row.version, reassessment=True)
                )

        asyncio.run(run())

    from resolvers import worker as worker_module

    render = worker_module.card_ready_notices
    racer = threading.Thread(target=refuse)

    def rendering_while_refused(*args: Any, **kwargs: Any) -> Any:
        # inside the worker's transaction, the application read: the refusal starts now
        racer.start()
        time.sleep(1.0)  # long enough for the refusal to reach the application's row
        return render(*args, **kwargs)

    monkeypatch.setattr(worker_module, "card_ready_notices", rendering_while_refused)
    await stack.worker.run_once()
    monkeypatch.setattr(worker_module, "card_ready_notices", render)
    await asyncio.to_thread(racer.join, 30)
    assert [row.status.value for row in refused] == ["REFUSED"]

    await stack.settle()
    assert not any(":card-ready:" in key for key in await _keys(stack))
    seen = await stack.application(token, app_id)
    pickup = [n["status"] for n in seen["notifications"] if n["kind"] == "CARD_READY"]
    assert pickup == ["WITHDRAWN", "WITHDRAWN"]


async def test_a_grant_again_while_the_bank_is_answering_still_sends_the_pickup_notices(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Granted, then refused while the bank slowly takes the card order, then granted again;
    the bank's answer is recorded after the new grant read the card order (not ordered yet)
    and before it commits. The grant's own transaction looks at the card order again: the
    family is told where to collect the card."""
    token, app_id, delivering = await _granted_while_the_bank_is_slow(stack, 42)
    assert await _decide_again(stack, 42, app_id, REFUSE) == "REFUSED"

    database = stack.database
    record_decision = database.record_decision

    async def after_the_bank(*args: Any, **kwargs: Any) -> Any:
        await delivering  # the bank's answer is recorded now (the family is refused then)
        return await record_decision(*args, **kwargs)

    monkeypatch.setattr(database, "record_decision", after_the_bank)
    assert await _decide_again(stack, 42, app_id, GRANT) == "GRANTED"
    monkeypatch.setattr(database, "record_decision", record_decision)
    await stack.heal()
    await stack.settle()

    assert len(await stack.orders()) == 1
    seen = await stack.application(token, app_id)
    assert seen["cardOrder"]["status"] == "ORDERED"
    ready = [key for key in await _keys(stack) if ":card-ready:" in key]
    assert sorted(ready) == [f"msg:{app_id}:card-ready:{c}" for c in ("email", "sms")]


# --- what an ordered card pays follows the current decision -------------------------------------


async def test_a_refusal_after_the_card_was_ordered_stops_its_payments_and_a_grant_resumes_them(
    stack: Stack,
) -> None:
    token, application = await stack.grant(41)
    app_id = application["id"]
    await stack.settle()
    [order] = await stack.orders()
    assert (order["payments"], order["terms_sequence"]) == ("ACTIVE", 0)

    assert await _decide_again(stack, 41, app_id, REFUSE) == "REFUSED"
    await stack.settle()

    [order] = await stack.orders()  # the same card, which pays nothing now
    assert (order["payments"], order["terms_sequence"]) == ("STOPPED", 2)
    seen = await stack.application(token, app_id)
    assert seen["cardOrder"]["status"] == "STOPPED"
    [changed] = [e for e in seen["events"] if e["kind"] == "CARD_TERMS_CHANGED"]
    assert changed["detail"]["payments"] == "STOPPED"
    assert changed["detail"]["orderId"] == order["order_id"]

    assert await _decide_again(stack, 41, app_id, GRANT) == "GRANTED"
    await stack.settle()

    [order] = await stack.orders()
    assert (order["payments"], order["terms_sequence"]) == ("ACTIVE", 3)
    assert order["monthly_amount"] == application["decision"]["monthlyAmount"]
    seen = await stack.application(token, app_id)
    assert seen["cardOrder"]["status"] == "ORDERED"
    assert [
        e["detail"]["payments"] for e in seen["events"] if e["kind"] == "CARD_TERMS_CHANGED"
    ] == [
        "STOPPED",
        "ACTIVE",
    ]


async def test_a_reassessment_that_changes_the_amount_tells_the_bank_once(stack: Stack) -> None:
    await stack.fault("bank", "down")  # the order itself waits: the change waits behind it
    token, application = await stack.grant(43)
    app_id = application["id"]
    before = application["decision"]["monthlyAmount"]

    assert await _decide_again(stack, 43, app_id, "150.00") == "GRANTED"
    decision = (await stack.application(token, app_id))["decision"]
    after = decision["monthlyAmount"]
    assert float(after) == float(before) - 50  # 50.00 more income a month
    assert ("card.terms", "PENDING") in await _outbox(stack, app_id, topic=True)
    await _retries_due(stack, "bank")

    [order] = await stack.orders()  # ordered with the first terms, then changed, in that order
    assert (order["monthly_amount"], order["terms_sequence"], order["payments"]) == (
        after,
        2,
        "ACTIVE",
    )
    assert (order["period_start"], order["period_end"]) == (
        decision["periodStart"],
        decision["periodEnd"],
    )
    # the same facts again: the bank already pays that, nothing more is sent
    assert await _decide_again(stack, 43, app_id, "150.00") == "GRANTED"
    await stack.settle()
    assert [t for t, _ in await _outbox(stack, app_id, topic=True)].count("card.terms") == 1
    [order] = await stack.orders()
    assert order["terms_sequence"] == 2
