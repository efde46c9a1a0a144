"""The outbox: card orders and notices are delivered once each, after the bank or the messaging
gateway comes back; what can never be delivered is dead-lettered without holding up the rest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.db import (
    Channel,
    MessageChannel,
    NewApplication,
    NewNotification,
    NotificationKind,
    OutboxMessage,
    OutboxTopic,
)
from adapters.resilience import AgencyThrottled
from mocks.world import World
from tests.applications.conftest import Stack, Target, fast_policy, open_stack

RETRY_AFTER = 30.0


@pytest.fixture
async def stack(world: World, target: Target, tmp_path: Path) -> AsyncIterator[Stack]:
    policy = fast_policy(outbox_backoff_base=RETRY_AFTER, outbox_max_attempts=4)
    async with open_stack(world, target, tmp_path, policy) as opened:
        yield opened


async def test_a_card_ordered_while_the_bank_is_down_is_ordered_once_it_returns(
    stack: Stack,
) -> None:
    await stack.fault("bank", "down")
    token, application = await stack.grant(17)
    await stack.settle()
    seen = await stack.application(token, application["id"])
    assert seen["cardOrder"]["status"] == "PENDING"
    assert "DELIVERY_FAILED" in [e["kind"] for e in seen["events"]]
    assert len(await stack.messages()) == 4  # registered and decided go out meanwhile

    await stack.agency_back("bank")
    await stack.settle()  # the retry is not due yet
    assert await stack.orders() == []
    stack.clock.later(RETRY_AFTER * 1.3)
    await stack.settle()
    [order] = await stack.orders()
    assert order["application_id"] == application["id"]
    seen = await stack.application(token, application["id"])
    assert seen["cardOrder"]["status"] == "ORDERED"
    assert len(await stack.messages()) == 6  # and the card-pickup notices


async def test_notices_held_while_the_messaging_gateway_is_down_go_out_once(
    stack: Stack,
) -> None:
    await stack.fault("messaging", "down")
    token, application = await stack.grant(18)
    await stack.settle()
    assert await stack.messages() == []
    seen = await stack.application(token, application["id"])
    assert {n["status"] for n in seen["notifications"]} >= {"FAILED"}

    await stack.agency_back("messaging")
    for _ in range(3):
        stack.clock.later(RETRY_AFTER * 2.6)
        await stack.settle()
    messages = await stack.messages()
    keys = [m["idempotency_key"] for m in messages]
    assert len(keys) == 6 and len(set(keys)) == 6
    seen = await stack.application(token, application["id"])
    assert {n["status"] for n in seen["notifications"]} == {"SENT"}


async def test_a_familys_notices_arrive_in_order_after_a_messaging_blip(stack: Stack) -> None:
    """The registration and decision notices fail while the card is ordered; the card-pickup
    notices, enqueued after them, wait for them instead of overtaking them, and so does each
    notice whose predecessor's retry fell due later (the back-off has jitter)."""
    await stack.fault("messaging", "down")
    await stack.grant(19)
    await stack.worker.run_once()  # the card ordered; the four notices fail (retried in ~30 s)
    await stack.agency_back("messaging")
    await stack.settle()  # the pickup notices are due at once, but wait
    assert await stack.messages() == []
    stack.clock.later(RETRY_AFTER * 1.3)
    await stack.settle()
    sent = [m["idempotency_key"].split(":")[2:] for m in await stack.messages()]
    for channel in ("sms", "email"):
        assert [tag for tag, on in sent if on == channel] == [
            "registered",
            "decided-1",
            "card-ready",
        ]


async def test_a_bank_that_asks_to_wait_an_hour_is_not_asked_again_before(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """429 with ``Retry-After: 3600``: the card order's next attempt is an hour on, not the
    back-off's 30 seconds; then the card is ordered."""
    bank = stack.adapters.bank
    order_card = bank.order_card
    asked: list[datetime] = []

    async def throttled(*args: Any, **kwargs: Any) -> Any:
        asked.append(stack.clock.now())
        if len(asked) == 1:
            raise AgencyThrottled("bank", 3600.0)
        return await order_card(*args, **kwargs)

    monkeypatch.setattr(bank, "order_card", throttled)
    token, application = await stack.grant(20)
    await stack.settle()
    for _ in range(5):  # the back-off alone would have asked again within these 10 minutes
        stack.clock.later(RETRY_AFTER * 4)
        await stack.settle()
    assert len(asked) == 1 and await stack.orders() == []
    stack.clock.later(3600)
    await stack.settle()
    assert len(asked) == 2 and asked[1] - asked[0] >= timedelta(seconds=3600)
    seen = await stack.application(token, application["id"])
    assert seen["cardOrder"]["status"] == "ORDERED"


async def test_a_lost_bank_answer_is_recovered_with_the_same_key_not_a_second_card(
    stack: Stack,
) -> None:
    await stack.fault("bank", "malformed")  # the bank orders the card, the answer is garbled
    token, application = await stack.grant(19)
    await stack.settle()
    assert len(await stack.orders()) == 1
    assert (await stack.application(token, application["id"]))["cardOrder"]["status"] == "PENDING"

    await stack.agency_back("bank")
    stack.clock.later(RETRY_AFTER * 1.3)
    await stack.settle()
    [order] = await stack.orders()
    seen = await stack.application(token, application["id"])
    assert seen["cardOrder"]["status"] == "ORDERED"
    assert seen["cardOrder"]["orderId"] == order["order_id"]


def _notice(key: str, to: str, text: str = "Salam") -> OutboxMessage:
    return OutboxMessage(
        topic=OutboxTopic.MESSAGE_SEND,
        payload={"channel": "SMS", "to": to, "text": text},
        dedupe_key=key,
        notification=NewNotification(
            MessageChannel.SMS, NotificationKind.REGISTERED, to, "az", text, key
        ),
    )


async def _register_directly(stack: Stack, key: str, notices: tuple[OutboxMessage, ...]) -> str:
    now = datetime.now(UTC)
    result = await stack.database.register_application(
        NewApplication(
            idempotency_key=key,
            request_digest="0" * 64,
            channel=Channel.ONLINE,
            submitted_by="test",
            submitted_role="citizen",
            representative_fin="G20A1XZ",
            member_fins=("G20A1XZ", "G20A2XZ"),
            phone="+994501234567",
            email=None,
            submitted_at=now,
            registered_on=now.date(),
            decision_due_on=now.date() + timedelta(days=21),
            next_attempt_at=now + timedelta(days=1),
            household_id="HH-G20",
            district="Nəsimi",
            notices=notices,
        )
    )
    return result.application.id


async def _notification_statuses(stack: Stack, application_id: str) -> list[str]:
    return [n.status.value for n in await stack.database.notifications(application_id)]


async def test_a_message_the_gateway_refuses_is_dead_lettered_at_once(stack: Stack) -> None:
    poison = await _register_directly(
        stack, "poison-refused", (_notice("msg:poison:1", "+15551234567"),)
    )
    await stack.grant(21)
    await stack.settle()
    assert await _notification_statuses(stack, poison) == ["DEAD"]
    [dead] = [e for e in await stack.database.events(poison) if e.kind.value == "DEAD_LETTERED"]
    assert dead.detail["attempts"] == 1
    assert dead.detail["error"] == "messaging: AGENCY_BAD_RESPONSE (to)"
    sent = {m["idempotency_key"] for m in await stack.messages()}
    assert "msg:poison:1" not in sent
    assert len(sent) == 6  # the other family's notices all went out


async def test_an_unreadable_item_is_dead_lettered_without_holding_up_the_rest(
    stack: Stack,
) -> None:
    broken = replace(_notice("msg:poison:2", "+994501234567"), payload={"channel": "SMS"})
    poison = await _register_directly(stack, "poison-unreadable", (broken,))
    await stack.grant(22)
    await stack.settle()
    assert await _notification_statuses(stack, poison) == ["DEAD"]
    assert len(await stack.messages()) == 6


async def test_an_item_that_kills_every_worker_is_dead_lettered_after_the_last_attempt(
    stack: Stack,
) -> None:
    poison = await _register_directly(
        stack, "poison-killer", (_notice("msg:poison:3", "+994501234567"),)
    )
    policy = stack.policy
    # four workers claim it and die before delivering it (their leases run out)
    for _ in range(policy.outbox_max_attempts):
        [claimed] = await stack.database.claim_outbox(
            stack.clock.now(), 10, policy.outbox_lease, max_attempts=policy.outbox_max_attempts
        )
        assert claimed.dedupe_key == "msg:poison:3"
        stack.clock.later(policy.outbox_lease + 1)
    await stack.grant(23)
    await stack.settle()
    assert await _notification_statuses(stack, poison) == ["DEAD"]
    kinds = [e.kind.value for e in await stack.database.events(poison)]
    assert kinds.count("DEAD_LETTERED") == 1
    sent = {m["idempotency_key"] for m in await stack.messages()}
    assert "msg:poison:3" not in sent
    assert len(sent) == 6


async def test_an_item_whose_delivery_cannot_be_recorded_does_not_hold_up_its_round(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the round's deliveries are recorded together; rendering the card-pickup notice fails
    # in this round (a fault of ours: with the batch, and again alone), so the card order's
    # record fails and the rest are recorded
    from resolvers import worker as worker_module

    render = worker_module.card_ready_notices
    faults = [RuntimeError("rendering failed")] * 2

    def flaky(*args: Any, **kwargs: Any) -> list[OutboxMessage]:
        if faults:
            raise faults.pop()
        return render(*args, **kwargs)

    monkeypatch.setattr(worker_module, "card_ready_notices", flaky)
    token, application = await stack.grant(34)

    rounds = await stack.settle()  # the decision notices go out a round after the first ones
    assert (sum(r.delivered for r in rounds), sum(r.failed for r in rounds)) == (4, 1)
    seen = await stack.application(token, application["id"])
    assert [n["status"] for n in seen["notifications"]] == ["SENT"] * 4
    assert seen["cardOrder"]["status"] == "PENDING"
    [failed] = [e for e in seen["events"] if e["kind"] == "DELIVERY_FAILED"]
    assert failed["detail"]["error"] == "worker: RuntimeError"

    stack.clock.later(RETRY_AFTER * 1.3)
    await stack.settle()
    [order] = await stack.orders()  # asked again with the same key: the same card
    seen = await stack.application(token, application["id"])
    assert seen["cardOrder"]["status"] == "ORDERED"
    assert seen["cardOrder"]["orderId"] == order["order_id"]
    keys = [m["idempotency_key"] for m in await stack.messages()]
    assert len(keys) == 6 and len(set(keys)) == 6
