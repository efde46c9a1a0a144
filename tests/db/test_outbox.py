"""The transactional outbox: claims never overlap, a dead worker's items come back, failures are
retried with backoff and finally dead-lettered, and nothing blocks the rest."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from adapters.db import (
    CardOrdered,
    CardOrderStatus,
    DeliveryKind,
    EventKind,
    MessageChannel,
    MessageSent,
    NewNotification,
    NotificationKind,
    NotificationStatus,
    OutboxMessage,
    OutboxStatus,
    OutboxTopic,
    RequeueRefused,
    backoff,
    migrate,
    open_database,
)
from adapters.db.delivery import Completion
from adapters.db.engine import create_engine
from adapters.db.tables import application_events, decisions, outbox

LEASE = 30.0
DOWN = "messaging: AGENCY_UNAVAILABLE"


@pytest.fixture(params=["engine", "worker-session"])
async def db(request, target, clock):
    """Every outbox test through the async engine and in a worker session, as the worker runs
    (``next_due`` read directly; on SQLite the transactions in a thread of their own)."""
    await migrate.upgrade(target.url, schema=target.schema)
    async with open_database(target.url, schema=target.schema, clock=clock) as database:
        if request.param == "engine":
            yield database
            return
        async with database.worker_session() as next_due:
            database.next_due = next_due  # the worker asks this instead
            yield database


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
    assert card.payload == {
        "applicationId": "k-1",
        "monthlyAmount": "240.00",
        "periodStart": "2026-03-01",
        "periodEnd": "2027-02-28",
    }
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
        "outboxId": item.id,
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


async def test_a_worker_whose_lease_ran_out_does_not_undo_the_next_workers_claim(db, make):
    """Worker A's bank call outlives its lease, worker B claims the item again; A's late
    failure leaves B's claim alone (no retry scheduled under B, no failed notice, no event),
    and B's delivery completes the item."""
    application = (await db.register_application(make.application(notices=1))).application
    [by_a] = await db.claim_outbox(make.clock.now, 10, LEASE)
    [by_b] = await db.claim_outbox(make.clock.advance(LEASE + 1), 10, LEASE)
    assert (by_a.id, by_a.attempts, by_b.attempts) == (by_b.id, 1, 2)
    events_before = await db.events(application.id)

    status = await db.fail_outbox(
        by_a.id, "timeout", make.clock.now + backoff(1), 5, attempt=by_a.attempts
    )

    assert status is OutboxStatus.IN_FLIGHT
    [notice] = await db.notifications(application.id)
    assert notice.status is NotificationStatus.PENDING
    assert await db.events(application.id) == events_before
    assert await db.claim_outbox(make.clock.now + backoff(1), 10, LEASE) == []  # B holds it
    assert await db.complete_outbox(by_b.id, MessageSent("msg-1", make.clock.now))
    # B's own failure, had it come, would have counted
    await db.register_application(make.application(notices=1))
    [other] = await db.claim_outbox(make.clock.now, 10, LEASE)
    status = await db.fail_outbox(other.id, "timeout", make.clock.now, 5, attempt=other.attempts)
    assert status is OutboxStatus.PENDING


async def test_an_error_message_is_cut_to_its_column(db, make, rows):
    await db.register_application(make.application(notices=1))
    [item] = await db.claim_outbox(make.clock.now, 10, LEASE)

    await db.fail_outbox(item.id, "x" * 5000, make.clock.now, 5)

    assert await rows(db, outbox, sa_length(outbox.c.last_error) == 500) == 1


def sa_length(column):
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


async def _terms_items(db, application_id):
    async with db.engine.connect() as connection:
        found = await connection.execute(
            sa.select(outbox.c.dedupe_key, outbox.c.payload, outbox.c.status)
            .where(
                outbox.c.application_id == application_id,
                outbox.c.topic == OutboxTopic.CARD_TERMS.value,
            )
            .order_by(outbox.c.created_at, outbox.c.id)
        )
        return [(row.dedupe_key, row.payload, row.status) for row in found]


ORDERED = CardOrdered("CO-00000001", "AZ21NABZ00000000137010001944", "Bakı", date(2026, 3, 9))


async def test_a_reassessment_tells_the_bank_what_an_ordered_card_pays_now(db, make):
    application = (await db.register_application(make.application(notices=0))).application
    card = [make.card_order("k")]
    decided = await db.record_decision(application.id, make.grant(), card, application.version)
    [order] = await db.claim_outbox(make.clock.now, 10, LEASE)
    await db.complete_outbox(order.id, ORDERED)
    decided = await db.record_decision(  # the same terms: nothing to tell the bank
        application.id, make.grant(), card, decided.version, reassessment=True
    )
    assert await _terms_items(db, application.id) == []

    decided = await db.record_decision(
        application.id, make.grant(Decimal("200.00")), card, decided.version, reassessment=True
    )
    decided = await db.record_decision(
        application.id, make.refusal(), [], decided.version, reassessment=True
    )
    await db.record_decision(  # refused again: the payments are stopped already
        application.id, make.refusal(), [], decided.version, reassessment=True
    )

    key = f"card-terms:{application.id}"
    assert sorted(await _terms_items(db, application.id)) == [
        (
            f"{key}:3",
            {
                "applicationId": application.id,
                "sequence": 3,
                "monthlyAmount": "200.00",
                "periodStart": "2026-03-01",
                "periodEnd": "2027-02-28",
            },
            "PENDING",
        ),
        (f"{key}:4", {"applicationId": application.id, "sequence": 4}, "PENDING"),
    ]
    changes = await db.claim_outbox(make.clock.now, 10, LEASE)
    assert sorted(item.dedupe_key for item in changes) == [f"{key}:3", f"{key}:4"]


async def test_a_change_of_terms_waits_for_the_card_order_itself(db, make):
    """The bank's order number is what a change changes."""
    application = (await db.register_application(make.application(notices=0))).application
    card = [make.card_order("k")]
    decided = await db.record_decision(application.id, make.grant(), card, application.version)
    await db.record_decision(
        application.id, make.grant(Decimal("200.00")), card, decided.version, reassessment=True
    )

    [order] = await db.claim_outbox(make.clock.now, 10, LEASE)
    assert order.topic == OutboxTopic.CARD_ORDER.value
    assert await db.claim_outbox(make.clock.now, 10, LEASE) == []
    await db.complete_outbox(order.id, ORDERED)
    [change] = await db.claim_outbox(make.clock.now, 10, LEASE)
    assert change.topic == OutboxTopic.CARD_TERMS.value


async def test_next_due_names_the_first_item_and_application_due(db, make):
    nothing = await db.next_due()
    assert (nothing.outbox, nothing.applications) == (None, None)

    waiting = make.clock.now + timedelta(minutes=5)
    await db.register_application(make.application(notices=2, next_attempt_at=waiting))
    due = await db.next_due()
    assert due.outbox == make.clock.now  # the registration notices, due at once
    assert due.applications == waiting  # taken over if its assessment does not finish
    assert due.outbox_due(make.clock.now) and not due.applications_due(make.clock.now)

    claimed = await db.claim_outbox(make.clock.now, limit=10, lease_seconds=LEASE)
    assert len(claimed) == 2
    # nothing pending: the first lease that runs out is the next thing to do
    assert (await db.next_due()).outbox == make.clock.now + timedelta(seconds=LEASE)
    for item in claimed:
        await db.complete_outbox(item.id, MessageSent(f"msg-{item.id}", make.clock.now))
    assert (await db.next_due()).outbox is None


async def test_a_batch_of_deliveries_is_recorded_together(db, make, rows):
    application = await _granted(db, make)
    items = {i.topic: i for i in await db.claim_outbox(make.clock.now, 10, LEASE)}
    card, notice = items[OutboxTopic.CARD_ORDER.value], items[OutboxTopic.MESSAGE_SEND.value]
    ordered = CardOrdered("CO-7", "AZ21NABZ00000000137010001944", "Yasamal", date(2026, 3, 9))
    rendered = []

    def pickup_notice(row):
        rendered.append(row.number)
        return [make.notice(f"{row.id}:card-ready", NotificationKind.CARD_READY)]

    done = await db.complete_outbox_items(
        [
            Completion(notice, MessageSent("msg-1", make.clock.now)),
            Completion(card, ordered, pickup_notice),
        ]
    )

    assert done == [True, True]
    assert rendered == [application.number]  # rendered from the application's row
    assert (await db.card_order(application.id)).status is CardOrderStatus.ORDERED
    assert [n.status for n in await db.notifications(application.id)] == [
        NotificationStatus.SENT,
        NotificationStatus.PENDING,  # the pickup notice, enqueued with the card's completion
    ]
    kinds = [e.kind for e in await db.events(application.id)]
    assert kinds[-2:] == [EventKind.NOTIFIED, EventKind.CARD_ORDERED]
    [pickup] = await db.claim_outbox(make.clock.now, 10, LEASE)
    assert pickup.dedupe_key == f"sms:{application.id}:card-ready"

    # delivered again after a lost lease: already recorded, nothing changes
    events = await rows(db, application_events)
    again = await db.complete_outbox_items(
        [Completion(notice, MessageSent("msg-2", make.clock.now)), Completion(pickup)]
    )
    assert again == [False, True]
    assert await rows(db, application_events) == events
    assert await rows(db, outbox) == 3


async def test_a_batch_with_an_effect_that_does_not_fit_writes_nothing(db, make, rows):
    await _granted(db, make)
    items = {i.topic: i for i in await db.claim_outbox(make.clock.now, 10, LEASE)}
    card, notice = items[OutboxTopic.CARD_ORDER.value], items[OutboxTopic.MESSAGE_SEND.value]

    ordered = CardOrdered("CO-1", "AZ21NABZ00000000137010001944", "Yasamal", date(2026, 3, 9))
    with pytest.raises(ValueError, match="does not send a notification"):
        await db.complete_outbox_items(
            [
                Completion(notice, MessageSent("msg-1", make.clock.now)),
                Completion(card, MessageSent("msg-2", make.clock.now)),
            ]
        )
    with pytest.raises(ValueError, match="does not order a card"):
        await db.complete_outbox_items([Completion(notice, ordered)])
    with pytest.raises(ValueError, match="completed once"):
        await db.complete_outbox_items([Completion(card, ordered), Completion(card, ordered)])

    assert await rows(db, outbox, outbox.c.status == OutboxStatus.DONE.value) == 0


# --- dead letters: when each died, and what may be requeued ---------------------------------


def _decision_notice(application_id, channel, sequence=1):
    """A decision notice keyed as the gateway keys it: msg:<id>:decided-<n>:<channel>."""
    key = f"msg:{application_id}:decided-{sequence}:{channel.value.lower()}"
    to = "+994501234567" if channel is MessageChannel.SMS else "family@example.az"
    return OutboxMessage(
        topic=OutboxTopic.MESSAGE_SEND,
        payload={"channel": channel.value, "to": to, "text": "Qərar"},
        dedupe_key=key,
        notification=NewNotification(
            channel, NotificationKind.DECIDED, to, "az", "Qərar", idempotency_key=key
        ),
    )


async def _claimed_by_key(db, make):
    return {item.dedupe_key: item for item in await db.claim_outbox(make.clock.now, 10, LEASE)}


async def test_an_sms_and_an_email_that_died_alike_each_show_when_they_died(db, make):
    application = (await db.register_application(make.application(notices=0))).application
    notices = [_decision_notice(application.id, c) for c in MessageChannel]
    await db.record_decision(application.id, make.grant(), notices, application.version)
    claimed = await _claimed_by_key(db, make)
    sms, email = (claimed[n.dedupe_key] for n in notices)
    assert sms.notification_id and email.notification_id

    sms_died = make.clock.now
    await db.fail_outbox(sms.id, DOWN, sms_died, max_attempts=1)
    email_died = make.clock.advance(600)  # the same error, the same attempts, ten minutes on
    await db.fail_outbox(email.id, DOWN, email_died, max_attempts=1)

    letters = await db.dead_letters()
    assert [(d.id, d.kind, d.dead_at) for d in letters] == [  # the most recently dead first
        (email.id, DeliveryKind.EMAIL, email_died),
        (sms.id, DeliveryKind.SMS, sms_died),
    ]
    dead_lettered = [e for e in await db.events(application.id) if e.kind.value == "DEAD_LETTERED"]
    assert [e.detail["outboxId"] for e in dead_lettered] == [sms.id, email.id]

    # requeued, and dead again later: the new time, the twin's unchanged
    await db.requeue_dead_letters([sms.id])
    sms_died_again = make.clock.advance(600)
    [again] = await db.claim_outbox(sms_died_again, 10, LEASE)
    await db.fail_outbox(again.id, DOWN, sms_died_again, max_attempts=1)
    assert [(d.id, d.dead_at) for d in await db.dead_letters()] == [
        (sms.id, sms_died_again),
        (email.id, email_died),
    ]


async def test_an_item_its_worker_died_delivering_is_dead_lettered_by_name(db, make):
    application = (await db.register_application(make.application(notices=1))).application
    [item] = await db.claim_outbox(make.clock.now, 10, LEASE)
    # the worker is killed at every attempt; the next claim after the lease gives up on it
    died = make.clock.advance(LEASE)

    assert await db.claim_outbox(died, 10, LEASE, max_attempts=1) == []

    [event] = [e for e in await db.events(application.id) if e.kind is EventKind.DEAD_LETTERED]
    assert event.detail == {
        "outboxId": item.id,
        "topic": "message.send",
        "attempts": 1,
        "error": "the worker stopped while delivering it, at every attempt",
    }
    [letter] = await db.dead_letters()
    assert (letter.id, letter.dead_at) == (item.id, died)


async def test_an_item_dead_lettered_before_events_named_it_still_shows_when_it_died(db, make):
    application = (await db.register_application(make.application(notices=1))).application
    [item] = await db.claim_outbox(make.clock.now, 10, LEASE)
    died = make.clock.advance(60)
    await db.fail_outbox(item.id, DOWN, died, max_attempts=1)
    make.clock.advance(60)
    # as an earlier version wrote it: no outboxId
    async with db.engine.begin() as connection:
        await connection.execute(
            sa.update(application_events)
            .where(application_events.c.kind == EventKind.DEAD_LETTERED.value)
            .values(detail={"topic": "message.send", "attempts": 1, "error": DOWN})
        )

    [letter] = await db.dead_letters()

    assert (letter.id, letter.dead_at) == (item.id, died)
    [event] = [e for e in await db.events(application.id) if e.kind is EventKind.DEAD_LETTERED]
    assert "outboxId" not in event.detail  # the fallback, not the name, found it


async def test_a_card_ready_notice_of_a_card_order_since_replaced_is_not_requeued(db, make):
    application = await _granted(db, make)
    claimed = await _claimed_by_key(db, make)
    answer = CardOrdered("ORD-1", "AZ21NABZ00000000137010001944", "Bakı", date(2026, 3, 9))
    pickup_notice = make.notice("k-1:card", NotificationKind.CARD_READY)
    await db.complete_outbox(claimed["card:k-1"].id, answer, follow_up=[pickup_notice])
    [pickup] = await db.claim_outbox(make.clock.now, 10, LEASE)
    await db.fail_outbox(pickup.id, DOWN, make.clock.now, max_attempts=1)
    make.clock.advance(60)
    row = await db.get_application(application.id)
    # a reassessment that grants again, with a card order of its own
    await db.record_decision(
        application.id, make.grant(), [make.card_order("k-2")], row.version, reassessment=True
    )

    with pytest.raises(RequeueRefused) as refused:
        await db.requeue_dead_letters([pickup.id])
    done = await db.requeue_dead_letters()

    assert (
        "a card-ready notice of a card order the application has since replaced"
        in (refused.value.refused[pickup.id])
    )
    assert done.requeued == ()
    assert [(letter.id, "replaced" in why) for letter, why in done.kept] == [(pickup.id, True)]
    [notice] = [n for n in await db.notifications(application.id) if n.kind.value == "CARD_READY"]
    assert notice.status is NotificationStatus.DEAD


async def test_a_decision_notice_that_names_no_decision_is_requeued_only_before_a_reassessment(
    db, make
):
    application = await _granted(db, make)  # its decision notice is keyed "sms:k-1:decided"
    notice = (await _claimed_by_key(db, make))["sms:k-1:decided"]
    await db.fail_outbox(notice.id, DOWN, make.clock.now, max_attempts=1)
    # one decision: the notice can only be of it
    assert [d.id for d in (await db.requeue_dead_letters([notice.id])).requeued] == [notice.id]
    [again] = await db.claim_outbox(make.clock.now, 10, LEASE)
    await db.fail_outbox(again.id, DOWN, make.clock.now, max_attempts=1)
    row = await db.get_application(application.id)
    await db.record_decision(application.id, make.refusal(), [], row.version, reassessment=True)

    with pytest.raises(RequeueRefused) as refused:
        await db.requeue_dead_letters([notice.id])

    assert "does not say which decision it tells" in refused.value.refused[notice.id]
    assert [letter.id for letter in await db.dead_letters()] == [notice.id]


async def _until(condition, what):
    """Poll ``condition`` (bounded: about ten seconds) until it holds."""
    for _ in range(1000):
        if await condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never {what}")


@pytest.mark.postgres
@pytest.mark.parametrize("target", ["postgres"], indirect=True)
async def test_a_requeue_during_a_reassessment_waits_for_it_and_keeps_the_old_notice_dead(
    db, make, target
):
    application = (await db.register_application(make.application(notices=0))).application
    notice = _decision_notice(application.id, MessageChannel.SMS)
    granted = await db.record_decision(application.id, make.grant(), [notice], application.version)
    [item] = await db.claim_outbox(make.clock.now, 10, LEASE)
    await db.fail_outbox(item.id, DOWN, make.clock.now, max_attempts=1)
    side = create_engine(target.url, schema=target.schema)
    try:
        async with side.connect() as holder, side.connect() as watcher:
            # hold the first decision, so that the reassessment stops after it has taken the
            # application row and before it supersedes that decision
            holding = await holder.scalar(sa.text("SELECT pg_backend_pid()"))
            await holder.execute(
                sa.select(decisions.c.id)
                .where(decisions.c.application_id == application.id)
                .with_for_update()
            )

            async def blocked_pid(pid):
                """The backend waiting for ``pid``'s locks, if any."""
                waiting = await watcher.scalar(
                    sa.text(
                        "SELECT min(pid) FROM pg_stat_activity "
                        "WHERE :pid = ANY(pg_blocking_pids(pid))"
                    ),
                    {"pid": pid},
                )
                await watcher.commit()  # pg_stat_activity is read once per transaction
                return waiting

            async def blocked_by(pid):
                return await blocked_pid(pid) is not None

            reassessing = asyncio.create_task(
                db.record_decision(
                    application.id, make.refusal(), [], granted.version, reassessment=True
                )
            )
            await _until(lambda: blocked_by(holding), "the reassessment waited")
            reassessment = await blocked_pid(holding)
            requeueing = asyncio.create_task(db.requeue_dead_letters())

            async def waiting_or_done():
                return requeueing.done() or await blocked_by(reassessment)

            await _until(waiting_or_done, "the requeue waited or finished")
            await holder.rollback()  # the reassessment goes on, and commits
            await reassessing
            done = await requeueing
    finally:
        await side.dispose()

    assert done.requeued == ()
    [(kept, why)] = done.kept
    assert kept.id == item.id and "superseded by decision 2" in why
