"""Recording decisions: atomic with their outbox, made once, reassessed without losing history,
and money kept exact."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from adapters.db import (
    ApplicationStatus,
    CardOrderStatus,
    DuplicateKey,
    EventKind,
    GrantConflict,
    MissingItem,
    NotificationKind,
    Outcome,
    StaleApplication,
)
from adapters.db.tables import card_orders, decisions, notifications, outbox


async def _registered(db, make, **kwargs):
    return (await db.register_application(make.application(**kwargs))).application


async def test_a_grant_records_the_decision_with_its_card_order_and_notice(db, make, rows):
    application = await _registered(db, make, key="k-1")
    messages = [make.card_order("k-1"), make.notice("k-1:decided", NotificationKind.DECIDED)]

    decided = await db.record_decision(application.id, make.grant(), messages, application.version)

    assert decided.status is ApplicationStatus.GRANTED
    assert decided.version == application.version + 1
    [decision] = await db.decisions(application.id)
    assert decision.outcome is Outcome.GRANTED
    assert decision.monthly_amount == Decimal("240.00")
    assert decision.record == {"outcome": "GRANTED", "monthlyAmount": "240.00"}
    order = await db.card_order(application.id)
    assert order is not None
    assert order.status is CardOrderStatus.PENDING
    assert order.decision_id == decision.id
    kinds = [n.kind for n in await db.notifications(application.id)]
    assert kinds == [NotificationKind.REGISTERED, NotificationKind.DECIDED]
    assert [e.kind for e in await db.events(application.id)] == [
        EventKind.REGISTERED,
        EventKind.DECIDED,
    ]
    assert await rows(db, outbox) == 3


async def test_a_failure_half_way_through_a_decision_leaves_nothing_behind(db, make, rows):
    application = await _registered(db, make, key="k-1")
    # the notice's key is already taken by the registration notice: the last insert fails
    clash = make.notice("k-1:registered:0")
    clash = replace(clash, dedupe_key="another-dedupe-key")

    with pytest.raises(DuplicateKey):
        await db.record_decision(
            application.id, make.grant(), [make.card_order("k-1"), clash], application.version
        )

    assert await db.get_application(application.id) == application
    assert await db.decisions(application.id) == []
    assert await db.card_order(application.id) is None
    assert [e.kind for e in await db.events(application.id)] == [EventKind.REGISTERED]
    assert await rows(db, notifications) == 1
    assert await rows(db, outbox) == 1


async def test_a_payload_that_cannot_be_stored_rolls_the_decision_back(db, make, rows):
    application = await _registered(db, make, key="k-1")
    broken = replace(make.card_order("k-1"), payload={"amount": object()})

    with pytest.raises(TypeError):
        await db.record_decision(application.id, make.grant(), [broken], application.version)

    assert (await db.get_application(application.id)).status is ApplicationStatus.REGISTERED
    assert await rows(db, decisions) == 0
    assert await rows(db, card_orders) == 0


async def test_two_racing_deciders_make_one_decision(db, make, rows):
    application = await _registered(db, make, key="k-1")

    async def decide(n: int):
        messages = [
            make.card_order("k-1"),
            make.notice(f"k-1:decided:{n}", NotificationKind.DECIDED),
        ]
        return await db.record_decision(application.id, make.grant(), messages, application.version)

    results = await asyncio.gather(*(decide(n) for n in range(5)), return_exceptions=True)

    decided = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(decided) == 1
    assert all(isinstance(error, StaleApplication) for error in refused)
    assert await rows(db, decisions) == 1
    assert await rows(db, card_orders) == 1
    assert await rows(db, notifications) == 2  # the registration and one decision notice


async def test_a_decided_application_is_not_decided_again_without_a_reassessment(db, make):
    application = await _registered(db, make)
    decided = await db.record_decision(application.id, make.refusal(), [], application.version)

    with pytest.raises(StaleApplication, match="already decided"):
        await db.record_decision(application.id, make.grant(), [], decided.version)
    with pytest.raises(StaleApplication):
        await db.mark_awaiting_data(application.id, [], make.clock.now)
    assert [d.outcome for d in await db.decisions(application.id)] == [Outcome.REFUSED]


async def test_a_decision_made_from_an_old_reading_is_refused(db, make):
    application = await _registered(db, make)
    await db.begin_assessment(application.id, retry_at=make.clock.now, household_id="HH-9")

    with pytest.raises(StaleApplication) as raised:
        await db.record_decision(application.id, make.grant(), [], application.version)
    assert raised.value.actual_version == application.version + 1


async def test_a_reassessment_supersedes_the_decision_and_keeps_it(db, make):
    application = await _registered(db, make)
    first = await db.record_decision(application.id, make.refusal(), [], application.version)
    make.clock.advance(86400)

    second = await db.record_decision(
        application.id, make.grant(Decimal("180.50")), [], first.version, reassessment=True
    )

    assert second.status is ApplicationStatus.GRANTED
    history = await db.decisions(application.id)
    assert [(d.sequence, d.outcome, d.superseded) for d in history] == [
        (1, Outcome.REFUSED, True),
        (2, Outcome.GRANTED, False),
    ]
    current = await db.current_decisions([application.id])
    assert current[application.id].monthly_amount == Decimal("180.50")
    kinds = [e.kind for e in await db.events(application.id)]
    assert kinds == [
        EventKind.REGISTERED,
        EventKind.DECIDED,
        EventKind.REASSESSED,
        EventKind.DECIDED,
    ]


@pytest.mark.parametrize(
    "amount",
    ["0.01", "0.10", "240.00", "1234.56", "99999999.99", "9999999999.99"],
)
async def test_money_comes_back_exactly_as_it_went_in(db, make, amount):
    application = await _registered(db, make)

    await db.record_decision(application.id, make.grant(Decimal(amount)), [], application.version)

    [decision] = await db.decisions(application.id)
    assert isinstance(decision.monthly_amount, Decimal)
    assert str(decision.monthly_amount) == amount


@pytest.mark.parametrize("amount", ["240.005", "10000000000.00", "NaN"])
async def test_money_that_does_not_fit_numeric_12_2_is_refused(db, make, amount, rows):
    application = await _registered(db, make)

    with pytest.raises(ValueError, match="money"):
        await db.record_decision(
            application.id, make.grant(Decimal(amount)), [], application.version
        )
    assert await rows(db, decisions) == 0


async def test_an_application_awaiting_data_keeps_what_is_missing_until_decided(db, make):
    application = await _registered(db, make)
    missing = [MissingItem("tax", "EMPLOYMENT_INCOME", "0000001"), MissingItem("property", "LAND")]

    waiting = await db.mark_awaiting_data(
        application.id, missing, make.clock.now + timedelta(minutes=5)
    )

    assert waiting.status is ApplicationStatus.AWAITING_DATA
    assert waiting.missing_data == tuple(missing)
    decided = await db.record_decision(application.id, make.refusal(), [], waiting.version)
    assert decided.missing_data == ()
    assert decided.next_attempt_at is None


async def test_an_active_grant_covers_its_months_for_the_household_and_its_members(db, make):
    application = await _registered(db, make, household_id="HH-A", fins=("AAAAAA1", "BBBBBB2"))
    await db.record_decision(
        application.id,
        make.grant(period_start=date(2026, 3, 1), period_end=date(2027, 2, 28)),
        [],
        application.version,
    )

    async def covered(month, household_id=None, fins=(), excluding=None):
        return await db.active_grant_covering(
            household_id=household_id,
            member_fins=fins,
            month=month,
            excluding_application_id=excluding,
        )

    assert await covered(date(2026, 5, 17), household_id="HH-A")
    assert await covered(date(2027, 2, 1), fins=("ZZZZZZ9", "BBBBBB2"))
    assert not await covered(date(2027, 3, 1), household_id="HH-A")
    assert not await covered(date(2026, 2, 28), household_id="HH-A")
    assert not await covered(date(2026, 5, 1), household_id="HH-B", fins=("ZZZZZZ9",))
    assert not await covered(date(2026, 5, 1), household_id="HH-A", excluding=application.id)


async def test_a_grant_replaced_by_a_refusal_covers_nothing(db, make):
    application = await _registered(db, make, household_id="HH-A")
    granted = await db.record_decision(application.id, make.grant(), [], application.version)
    await db.record_decision(application.id, make.refusal(), [], granted.version, reassessment=True)

    assert not await db.active_grant_covering(
        household_id="HH-A", member_fins=(), month=date(2026, 6, 1)
    )


async def test_a_second_grant_for_the_same_family_is_refused_and_writes_nothing(db, make, rows):
    first = await _registered(db, make, key="head", household_id="HH-A", fins=("AAAAAA1", "B2"))
    await db.record_decision(first.id, make.grant(), [make.card_order("head")], first.version)
    # the spouse's application: the same household; another household sharing a member
    spouse = await _registered(db, make, key="spouse", household_id="HH-A", fins=("B2", "C3"))
    moved = await _registered(db, make, key="moved", household_id="HH-Z", fins=("ZZZZZZ9", "B2"))

    for application in (spouse, moved):
        with pytest.raises(GrantConflict):
            await db.record_decision(
                application.id, make.grant(), [make.card_order(application.id)], application.version
            )
        assert await db.get_application(application.id) == application
        assert await db.decisions(application.id) == []

    assert await rows(db, card_orders) == 1
    # a refusal is no payment: it is recorded
    refused = await db.record_decision(spouse.id, make.refusal(), [], spouse.version)
    assert refused.status is ApplicationStatus.REFUSED


async def test_a_grant_outside_the_other_grants_period_or_after_its_refusal_is_recorded(db, make):
    first = await _registered(db, make, household_id="HH-A")
    granted = await db.record_decision(
        first.id,
        make.grant(period_start=date(2025, 3, 1), period_end=date(2026, 2, 28)),
        [],
        first.version,
    )
    later = await _registered(db, make, household_id="HH-A")  # registered in March 2026
    decided = await db.record_decision(later.id, make.grant(), [], later.version)
    assert decided.status is ApplicationStatus.GRANTED

    # the first application reassessed: that family is now paid by the later grant
    with pytest.raises(GrantConflict):
        await db.record_decision(first.id, make.grant(), [], granted.version, reassessment=True)
    await db.record_decision(later.id, make.refusal(), [], decided.version, reassessment=True)
    regranted = await db.record_decision(
        first.id, make.grant(), [], granted.version, reassessment=True
    )
    assert regranted.status is ApplicationStatus.GRANTED


async def test_two_grants_for_one_family_racing_make_one(db, make, rows):
    """The first grant's transaction is held open (its last statement waits) while the second
    records: the second waits for it and then sees it, instead of reading past it."""
    head = await _registered(db, make, key="head", household_id="HH-A", fins=("A1", "B2"))
    spouse = await _registered(db, make, key="spouse", household_id="HH-A", fins=("B2", "A1"))
    inside, release = asyncio.Event(), asyncio.Event()

    async def held(connection):
        inside.set()
        await release.wait()

    first = asyncio.create_task(
        db.record_decision(
            head.id, make.grant(), [make.card_order("head")], head.version, audit_rows=held
        )
    )
    await asyncio.wait_for(inside.wait(), 10)
    second = asyncio.create_task(
        db.record_decision(spouse.id, make.grant(), [make.card_order("spouse")], spouse.version)
    )
    await asyncio.sleep(0.3)  # the second is waiting for the first by now
    assert not second.done()
    release.set()

    assert (await first).status is ApplicationStatus.GRANTED
    with pytest.raises(GrantConflict):
        await second
    assert await rows(db, card_orders) == 1
    assert await db.decisions(spouse.id) == []
