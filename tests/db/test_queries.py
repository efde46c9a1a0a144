"""Reading applications back: pages with cursors, filters, a citizen's and a household's
applications, and the worker's queues (retries due, decisions coming due)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.db import (
    ApplicationFilter,
    ApplicationStatus,
    EventKind,
    InvalidCursor,
    MissingItem,
)


async def _register_many(db, make, n, **kwargs):
    registered = []
    for i in range(n):
        # pairs share a submission instant: the id must break the tie
        submitted_at = make.clock.now + timedelta(seconds=i // 2)
        new = make.application(submitted_at=submitted_at, **kwargs)
        registered.append((await db.register_application(new)).application)
    return registered


async def test_pages_walk_every_application_once_in_submission_order(db, make):
    registered = await _register_many(db, make, 25)
    expected = [a.id for a in sorted(registered, key=lambda a: (a.submitted_at, a.id))]

    seen, after, pages = [], None, []
    while True:
        page = await db.list_applications(first=10, after=after)
        seen += [a.id for a in page.items]
        pages.append((len(page.items), page.has_next_page))
        if not page.has_next_page:
            break
        after = page.end_cursor

    assert seen == expected
    assert pages == [(10, True), (10, True), (5, False)]


async def test_a_page_after_the_last_application_is_empty(db, make):
    [only] = await _register_many(db, make, 1)
    page = await db.list_applications(first=5)

    after = await db.list_applications(first=5, after=page.end_cursor)

    assert [a.id for a in page.items] == [only.id]
    assert after.items == () and after.end_cursor is None and not after.has_next_page


async def test_filters_narrow_by_district_status_time_overdue_and_submitter(db, make):
    t0 = make.clock.now
    registered = []
    for hour, district in enumerate(["Baku", "Baku", "Baku", "Ganja", "Ganja"]):
        new = make.application(district=district, submitted_at=t0 + timedelta(hours=hour))
        registered.append((await db.register_application(new)).application)
    b0, b1, b2, g0, g1 = registered
    await db.record_decision(b0.id, make.refusal(), [], b0.version)

    async def ids(**criteria):
        page = await db.list_applications(ApplicationFilter(**criteria), first=100)
        return [a.id for a in page.items]

    assert await ids() == [a.id for a in registered]
    assert await ids(districts=("Ganja",)) == [g0.id, g1.id]
    assert await ids(districts=("Ganja", "Baku")) == [a.id for a in registered]
    assert await ids(districts=()) == []
    assert await ids(statuses=(ApplicationStatus.REFUSED,)) == [b0.id]
    assert await ids(statuses=(ApplicationStatus.REGISTERED,), districts=("Baku",)) == [
        b1.id,
        b2.id,
    ]
    assert await ids(submitted_from=t0 + timedelta(hours=2)) == [b2.id, g0.id, g1.id]
    assert await ids(submitted_before=t0 + timedelta(hours=2)) == [b0.id, b1.id]
    assert await ids(submitted_by=g1.submitted_by) == [g1.id]
    assert await ids(overdue=True) == []
    assert len(await ids(overdue=False)) == 5


@pytest.mark.parametrize("cursor", ["garbage", "", "W10", "WyIyMDI2IiwgMV0"])
async def test_a_cursor_we_did_not_issue_is_refused(db, cursor):
    with pytest.raises(InvalidCursor):
        await db.list_applications(first=5, after=cursor)


@pytest.mark.parametrize("first", [0, -1, 101])
async def test_an_absurd_page_size_is_refused(db, first):
    with pytest.raises(ValueError, match="first"):
        await db.list_applications(first=first)


async def test_a_citizens_and_a_households_applications_come_newest_first(db, make):
    old = await db.register_application(make.application(fins=("AAAAAA1",), household_id="H1"))
    make.clock.advance(3600)
    new = await db.register_application(
        make.application(fins=("BBBBBB2", "AAAAAA1"), household_id="H1")
    )

    assert [a.id for a in await db.applications_for_fin("AAAAAA1")] == [
        new.application.id,
        old.application.id,
    ]
    assert [a.id for a in await db.applications_for_household("H1")] == [
        new.application.id,
        old.application.id,
    ]
    assert await db.applications_for_household("H2") == []


async def test_an_application_awaiting_data_is_due_again_at_its_time_and_leased_to_one_worker(
    db, make
):
    application = (await db.register_application(make.application())).application
    then = make.clock.now + timedelta(minutes=5)
    await db.mark_awaiting_data(application.id, [MissingItem("tax", "EMPLOYMENT_INCOME")], then)

    assert await db.due_for_retry(then - timedelta(seconds=1), limit=10) == []
    [due] = await db.due_for_retry(then, limit=10, lease_seconds=60)
    assert due.id == application.id
    assert due.status is ApplicationStatus.AWAITING_DATA
    assert await db.due_for_retry(then, limit=10) == []  # leased
    [again] = await db.due_for_retry(then + timedelta(seconds=60), limit=10)
    assert again.id == application.id


async def test_an_application_left_behind_by_a_crash_is_picked_up_by_the_worker(db, make):
    takeover = make.clock.now + timedelta(minutes=2)
    application = (
        await db.register_application(make.application(next_attempt_at=takeover))
    ).application
    assessing = await db.begin_assessment(
        application.id, retry_at=takeover, household_id="HH-7", district="Sumqayit"
    )
    # the process dies while assessing

    [due] = await db.due_for_retry(takeover, limit=10)

    assert due.id == application.id
    assert due.status is ApplicationStatus.ASSESSING
    assert (due.household_id, due.district, due.attempts) == ("HH-7", "Sumqayit", 1)
    assert assessing.version == application.version + 1


async def test_decided_applications_are_never_due_for_retry(db, make):
    takeover = make.clock.now + timedelta(minutes=2)
    application = (
        await db.register_application(make.application(next_attempt_at=takeover))
    ).application
    await db.record_decision(application.id, make.refusal(), [], application.version)

    assert await db.due_for_retry(takeover + timedelta(days=1), limit=10) == []


async def test_applications_coming_due_are_flagged_once(db, make):
    soon = (await db.register_application(make.application())).application  # due in 20 days
    decided = (await db.register_application(make.application())).application
    await db.record_decision(decided.id, make.refusal(), [], decided.version)
    today = soon.registered_on + timedelta(days=17)

    flagged = await db.flag_overdue(today, within_days=3)

    assert [a.id for a in flagged] == [soon.id]
    assert flagged[0].flagged_overdue
    assert await db.flag_overdue(today, within_days=3) == []
    events = await db.events(soon.id)
    assert events[-1].kind is EventKind.FLAGGED_OVERDUE
    assert events[-1].detail == {"decisionDueOn": soon.decision_due_on.isoformat()}
    page = await db.list_applications(ApplicationFilter(overdue=True))
    assert [a.id for a in page.items] == [soon.id]


async def test_nothing_is_flagged_well_before_its_due_date(db, make):
    application = (await db.register_application(make.application())).application

    assert await db.flag_overdue(application.registered_on, within_days=3) == []
