"""Registering applications: numbering, idempotency, and many identical submissions at once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from adapters.db import (
    ApplicationStatus,
    EventKind,
    IdempotencyConflict,
    NotificationStatus,
)
from adapters.db.tables import application_events, applications, notifications, outbox


async def test_registering_gives_a_numbered_application_with_its_event_and_notice(db, make, rows):
    result = await db.register_application(make.application("k-1"))

    application = result.application
    assert result.created
    assert application.number == "TSA-2026-000001"
    assert application.status is ApplicationStatus.REGISTERED
    assert application.version == 1
    assert application.submitted_at.tzinfo is not None
    assert await db.get_application(application.id) == application
    assert await db.get_by_number("TSA-2026-000001") == application
    assert [event.kind for event in await db.events(application.id)] == [EventKind.REGISTERED]
    [notice] = await db.notifications(application.id)
    assert notice.status is NotificationStatus.PENDING
    assert await rows(db, outbox) == 1


async def test_numbers_count_up_within_a_year_and_start_again_the_next(db, make):
    numbers = [
        (await db.register_application(make.application())).application.number for _ in range(3)
    ]
    next_year = make.application(submitted_at=datetime(2027, 1, 4, 8, 0, tzinfo=UTC))
    numbers.append((await db.register_application(next_year)).application.number)

    assert numbers == ["TSA-2026-000001", "TSA-2026-000002", "TSA-2026-000003", "TSA-2027-000001"]


async def test_the_same_key_and_input_gives_the_same_application_back(db, make, rows):
    new = make.application("k-1")
    first = await db.register_application(new)
    again = await db.register_application(new)

    assert not again.created
    assert again.application == first.application
    assert await rows(db, applications) == 1
    assert await rows(db, notifications) == 1
    assert await rows(db, application_events) == 1


async def test_the_same_key_with_other_input_is_a_conflict(db, make, rows):
    first = await db.register_application(make.application("k-1"))
    other = replace(make.application("k-1", digest_of="another family"))

    with pytest.raises(IdempotencyConflict) as raised:
        await db.register_application(other)
    assert raised.value.application_id == first.application.id
    assert await rows(db, applications) == 1


async def test_fifty_simultaneous_submissions_with_one_key_create_exactly_one(db, make, rows):
    new = make.application("k-once", notices=2)

    results = await asyncio.gather(*(db.register_application(new) for _ in range(50)))

    assert len({result.application.id for result in results}) == 1
    assert sum(result.created for result in results) == 1
    assert await rows(db, applications) == 1
    assert await rows(db, notifications) == 2
    assert await rows(db, outbox) == 2
    assert await rows(db, application_events) == 1
    assert results[0].application.number == "TSA-2026-000001"


async def test_simultaneous_registrations_get_distinct_numbers_without_gaps(db, make):
    news = [make.application() for _ in range(20)]

    results = await asyncio.gather(*(db.register_application(new) for new in news))

    numbers = sorted(result.application.number for result in results)
    assert numbers == [f"TSA-2026-{n:06d}" for n in range(1, 21)]


async def test_every_declared_member_finds_the_application(db, make):
    new = make.application(fins=("AAAAAA1", "BBBBBB2", "CCCCCC3"))
    application = (await db.register_application(new)).application

    for fin in ("AAAAAA1", "BBBBBB2", "CCCCCC3"):
        assert [a.id for a in await db.applications_for_fin(fin)] == [application.id]
    assert await db.applications_for_fin("ZZZZZZ9") == []
    assert application.member_fins == ("AAAAAA1", "BBBBBB2", "CCCCCC3")


async def test_a_naive_submission_time_is_refused_and_nothing_is_written(db, make, rows):
    naive = replace(make.application(), submitted_at=datetime(2026, 3, 2, 9, 0))

    with pytest.raises(ValueError, match="naive datetime"):
        await db.register_application(naive)
    assert await rows(db, applications) == 0
