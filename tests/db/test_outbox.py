"""The transactional outbox: claims never overlap, a dead worker's items come back, failures are
retried with backoff and finally dead-lettered, and nothing blocks the rest."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from adapters.db import (
    CardOrdered,
    CardOrderStatus,
    EventKind,
    MessageSent,
    NotificationKind,
    NotificationStatus,
    OutboxStatus,
    OutboxTopic,
    backoff,
)
from adapters.db.tables import application_events, outbox

LEASE = 30.0


async def _granted(db, make, key="k-1"):
    application = (await db.register_application(make.application(key, notices=0))).application
    messages = [make.card_order(key), make.notice(f"{key}:decided", NotificationKind.DECIDED)]
    await db.record_decision(application.id, make.grant(), messages, application.version)
    return application


async def test_a_claimed_item_carries_its_payload_and_its_effect_row(db, make):
    application = await _granted(db, make)

    items = await db.claim_outbox(make.clock.now, limit=10, lease_seconds=LEASE)

    by_topic = {item.topic: item for item in items}
    card = by_topic[OutboxTopic.CARD_ORDER.value]
    assert card.payload == {"idempotencyKey": "card:k-1", "amount": "240.00"}
    assert card.application_id == application.id
    assert card.card_order_id is not None and card.notification_id is None
    assert card.attempts == 1
    assert card.lease_until == make.clock.now + timedelta(seconds=LEASE)
    assert by_topic[OutboxTopic.MESSAGE_SEND.value].notification_id is not None
    assert await db.claim_outbox(make.clock.now, limit=10, lease_seconds=LEASE) == []


async def test_concurrent_claimers_never_get_the_same_item(db, make):
    for _ in range(10):
        await db.register_application(make.application(notices=3))

    claims = await asyncio.gather(
        *(db.claim_outbox(make.clock.now, limit=8, lease_seconds=LEASE) for _ in range(6))
    )

    claimed = [item.id for claim in claims for item in claim]
    assert len(claimed) == 30
    assert len(set(claimed)) == 30


async def test_an_item_whose_worker_died_is_delivered_again_after_its_lease(db, make):
    await db.register_application(make.application(notices=1))
    [first] = await db.claim_outbox(make.clock.now, limit=10, lease_seconds=LEASE)
    # the worker is killed here: it neither completes nor fails the item

    assert await db.claim_outbox(make.clock.now + timedelta(seconds=LEASE - 1), 10, LEASE) == []
    [again] = await db.claim_outbox(make.clock.now + timedelta(seconds=LEASE), 10, LEASE)

    assert again.id == first.id
    assert again.attempts == 2
    assert again.payload == first.payload  # same idempotency key toward the gateway


async def test_a_card_order_completes_with_the_banks_answer_and_enqueues_the_pickup_notice(
    db, make
):
    application = await _granted(db, make)
    items = await db.claim_outbox(make.clock.now, limit=10, lease_seconds=LEASE)
    card = next(item for item in items if item.topic == OutboxTopic.CARD_ORDER.value)
    answer = CardOrdered(
        order_id="ORD-1",
        iban="AZ21NABZ00000000137010001944",
        branch_address="Bakı, Nizami küç. 1",
        pickup_from=date(2026, 3, 9),
    )

    done = await db.complete_outbox(
        card.id, answer, follow_up=[make.notice("k-1:card", NotificationKind.CARD_READY)]
    )

    assert done
    order = await db.card_order(application.id)
    assert order is not None
    assert (order.status, order.order_id, order.iban) == (
        CardOrderStatus.ORDERED,
        "ORD-1",
        "AZ21NABZ00000000137010001944",
    )
    assert order.branch_address == "Bakı, Nizami küç. 1"
    assert order.pickup_from == date(2026, 3, 9)
    assert EventKind.CARD_ORDERED in [e.kind for e in await db.events(application.id)]
    [pickup] = await db.claim_outbox(make.clock.now, limit=10, lease_seconds=LEASE)
    assert pickup.topic == OutboxTopic.MESSAGE_SEND.value
    kinds = [n.kind for n in await db.notifications(application.id)]
    assert kinds == [NotificationKind.DECIDED, NotificationKind.CARD_READY]


async def test_a_redelivered_message_is_recorded_sent_once(db, make, rows):
    application = (await db.register_application(make.application(notices=1))).application
    [item] = await db.claim_outbox(make.clock.now, 10, LEASE)
    [same] = await db.claim_outbox(make.clock.now + timedelta(seconds=LEASE), 10, LEASE)
    sent = MessageSent(provider_message_id="msg-1", sent_at=make.clock.now)

    assert await db.complete_outbox(same.id, sent)
    assert not await db.complete_outbox(item.id, sent)

    [notice] = await db.notifications(application.id)
    assert (notice.status, notice.provider_message_id) == (NotificationStatus.SENT, "msg-1")
    assert notice.sent_at == make.clock.now
    notified = application_events.c.kind == EventKind.NOTIFIED.value
    assert await rows(db, application_events, notified) == 1
    assert await rows(db, outbox, outbox.c.status == OutboxStatus.DONE.value) == 1


async def test_failures_are_retried_after_backoff_then_dead_lettered_without_blocking_others(
    db, make
):
    bad = (await db.register_application(make.application(notices=1))).application
    [item] = await db.claim_outbox(make.clock.now, 10, LEASE)
    good = (await db.register_application(make.application(notices=1))).application
    t0 = make.clock.now

    status = await db.fail_outbox(item.id, "gateway answered 503", t0 + backoff(1), 2)

    assert status is OutboxStatus.PENDING
    [notice] = await db.notifications(bad.id)
    assert notice.status is NotificationStatus.FAILED
    # the other application's message goes out while the failed one waits
    [other] = await db.claim_outbox(t0, 10, LEASE)
    assert other.application_id == good.id
    assert await db.complete_outbox(other.id, MessageSent("msg-1", t0))
    assert await db.claim_outbox(t0 + backoff(1) - timedelta(seconds=1), 10, LEASE) == []

    [retry] = await db.claim_outbox(t0 + backoff(1), 10, LEASE)
    assert (retry.id, retry.attempts) == (item.id, 2)
    status = await db.fail_outbox(retry.id, "gateway answered 503", t0 + backoff(2), 2)

    assert status is OutboxStatus.DEAD
    [notice] = await db.notifications(bad.id)
    assert notice.status is NotificationStatus.DEAD
    events = await db.events(bad.id)
    assert [e.kind for e in events][-2:] == [EventKind.DELIVERY_FAILED, EventKind.DEAD_LETTERED]
    assert events[-1].detail == {
        "topic": "message.send",
        "attempts": 2,
        "error": "gateway answered 503",
    }
    assert await db.claim_outbox(t0 + timedelta(days=30), 10, LEASE) == []
    await db.register_application(make.application(notices=1))
    assert len(await db.claim_outbox(t0 + timedelta(days=30), 10, LEASE)) == 1


async def test_a_dead_lettered_card_order_is_marked_failed(db, make):
    application = await _granted(db, make)
    items = await db.claim_outbox(make.clock.now, 10, LEASE)
    card = next(item for item in items if item.topic == OutboxTopic.CARD_ORDER.value)

    status = await db.fail_outbox(card.id, "bank refused", make.clock.now, max_attempts=1)

    assert status is OutboxStatus.DEAD
    order = await db.card_order(application.id)
    assert order is not None and order.status is CardOrderStatus.FAILED


async def test_a_late_failure_does_not_undo_a_completed_delivery(db, make):
    await db.register_application(make.application(notices=1))
    [item] = await db.claim_outbox(make.clock.now, 10, LEASE)
    await db.complete_outbox(item.id, MessageSent("msg-1", make.clock.now))

    status = await db.fail_outbox(item.id, "timeout", make.clock.now, 5)

    assert status is OutboxStatus.DONE


async def test_an_error_message_is_cut_to_its_column(db, make, rows):
    await db.register_application(make.application(notices=1))
    [item] = await db.claim_outbox(make.clock.now, 10, LEASE)

    await db.fail_outbox(item.id, "x" * 5000, make.clock.now, 5)

    assert await rows(db, outbox, sa_length(outbox.c.last_error) == 500) == 1


def sa_length(column):
    import sqlalchemy as sa

    return sa.func.length(column)


def test_backoff_doubles_from_its_base_and_stops_at_its_cap():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert backoff(40) == timedelta(hours=1)
    with pytest.raises(ValueError):
        backoff(0)


async def test_a_completion_after_the_item_was_dead_lettered_still_counts(db, make):
    # the gateway answered after all: the message was sent, and the record says so
    application = (await db.register_application(make.application(notices=1))).application
    [item] = await db.claim_outbox(make.clock.now, 10, LEASE)
    await db.fail_outbox(item.id, "timeout", make.clock.now, max_attempts=1)

    assert await db.complete_outbox(item.id, MessageSent("msg-9", datetime(2026, 3, 2, tzinfo=UTC)))

    [notice] = await db.notifications(application.id)
    assert notice.status is NotificationStatus.SENT


async def test_an_effect_that_does_not_fit_the_item_changes_nothing(db, make):
    await db.register_application(make.application(notices=1))
    [item] = await db.claim_outbox(make.clock.now, 10, LEASE)
    wrong = CardOrdered("ORD-1", "AZ21NABZ00000000137010001944", "Bakı", date(2026, 3, 9))

    with pytest.raises(ValueError, match="does not order a card"):
        await db.complete_outbox(item.id, wrong)

    [again] = await db.claim_outbox(make.clock.now + timedelta(seconds=LEASE), 10, LEASE)
    assert again.id == item.id


async def test_a_message_enqueued_twice_is_kept_once(db, make, rows):
    application = (await db.register_application(make.application(notices=0))).application
    grant = await db.record_decision(
        application.id, make.grant(), [make.card_order("k")], application.version
    )

    # a reassessment that grants again enqueues the same card order: no second card
    await db.record_decision(
        application.id, make.grant(), [make.card_order("k")], grant.version, reassessment=True
    )

    assert await rows(db, outbox) == 1
    order = await db.card_order(application.id)
    assert order is not None and order.status is CardOrderStatus.PENDING
