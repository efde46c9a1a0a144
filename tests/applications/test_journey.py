"""The journey end to end through GraphQL against the mock agencies: a family applies, the
application is registered and decided at once, the card is ordered from the bank and the family
is told by SMS and e-mail — and a refused family is told every reason."""

from __future__ import annotations

import asyncio
from typing import Any

from assessment import decision_due_date
from tests.applications.conftest import TODAY, Stack, granted_family, granted_family_by_spouse


async def test_a_granted_family_is_registered_decided_paid_a_card_and_told(stack: Stack) -> None:
    token = stack.citizen("G01A1XZ")
    payload = await stack.submit(token, idempotencyKey="journey-g01", **granted_family(1))
    assert payload["userErrors"] == []
    application = payload["application"]
    assert application["number"] == "TSA-2026-000001"
    assert application["status"] == "GRANTED"
    assert application["registeredOn"] == "2026-11-15"
    due = decision_due_date(TODAY)  # 15 working days on Azerbaijan's calendar
    assert application["decisionDueOn"] == due.isoformat()
    decision = application["decision"]
    assert decision["monthlyAmount"] == "260.00"
    assert (decision["periodStart"], decision["periodEnd"]) == ("2026-11-01", "2027-10-31")
    assert {r["code"] for r in decision["reasons"]} == {"MEMBER_DISABLED"}

    await stack.settle()

    [order] = await stack.orders()
    assert order["application_id"] == application["id"]
    assert order["idempotency_key"] == f"card:{application['id']}"
    assert (order["fin"], order["monthly_amount"]) == ("G01A1XZ", "260.00")
    assert (order["period_start"], order["period_end"]) == ("2026-11-01", "2027-10-31")
    messages = await stack.messages()
    sms = [m for m in messages if m["channel"] == "sms"]
    emails = [m for m in messages if m["channel"] == "email"]
    assert [m["to"] for m in sms] == ["+994501200001"] * 3
    assert [m["to"] for m in emails] == ["family1@example.az"] * 3
    registered, decided, card_ready = (m["text"] for m in sms)
    assert "TSA-2026-000001" in registered and due.strftime("%d.%m.%Y") in registered
    assert "260.00 AZN" in decided and "01.11.2026 - 31.10.2027" in decided
    assert order["pickup_from"] is not None
    day, month, year = order["pickup_from"][8:], order["pickup_from"][5:7], order["pickup_from"][:4]
    assert f"{day}.{month}.{year}" in card_ready

    seen = await stack.application(token, application["id"])
    assert seen["cardOrder"]["status"] == "ORDERED"
    assert seen["cardOrder"]["orderId"] == order["order_id"]
    assert seen["cardOrder"]["iban"] == order["iban"]
    notified = [(n["kind"], n["channel"], n["status"]) for n in seen["notifications"]]
    assert [kind for kind, _, _ in notified] == ["REGISTERED"] * 2 + ["DECIDED"] * 2 + [
        "CARD_READY"
    ] * 2
    assert sorted(notified) == sorted(
        (kind, channel, "SENT")
        for kind in ("REGISTERED", "DECIDED", "CARD_READY")
        for channel in ("SMS", "EMAIL")
    )
    kinds = [e["kind"] for e in seen["events"]]
    assert kinds[:3] == ["REGISTERED", "ASSESSMENT_STARTED", "DECIDED"]
    assert kinds.count("NOTIFIED") == 6 and kinds.count("CARD_ORDERED") == 1
    assert seen["household"] == {"id": "HH-G01", "district": "Nəsimi"}


async def test_a_refused_family_is_told_every_reason_and_gets_no_card(stack: Stack) -> None:
    token = stack.citizen("R01A1XZ")
    payload = await stack.submit(
        token,
        idempotencyKey="journey-r01",
        representativeFin="R01A1XZ",
        representativeIdCard="AA6010001",
        members=["R01A1XZ", "R01A2XZ"],
        phone="+994551234567",
    )
    application = payload["application"]
    assert application["status"] == "REFUSED"
    assert application["decision"]["monthlyAmount"] is None
    refusals = {r["code"] for r in application["decision"]["reasons"] if r["kind"] == "REFUSAL"}
    assert refusals == {"INCOME_AT_OR_ABOVE_THRESHOLD", "VEHICLE_OWNED_OR_USED"}

    await stack.settle()

    assert await stack.orders() == []
    texts = [m["text"] for m in await stack.messages()]
    assert len(texts) == 2  # registered, decided: SMS only (no e-mail given)
    assert "nəqliyyat vasitəsi" in texts[1] and "gəliri" in texts[1]
    seen = await stack.application(token, application["id"])
    assert seen["cardOrder"] is None


async def test_the_notices_are_in_english_when_the_family_asks(stack: Stack) -> None:
    token = stack.citizen("G02A1XZ")
    family = granted_family(2)
    del family["phone"]
    payload = await stack.submit(token, idempotencyKey="journey-g02", language="EN", **family)
    assert payload["application"]["status"] == "GRANTED"
    await stack.settle()
    emails = await stack.messages()
    assert [m["subject"].split(":")[0] for m in emails] == [
        "Your application has been registered",
        "Targeted state social assistance granted",
        "Your payment card is ready",
    ]
    assert "Monthly amount: 260.00 AZN" in emails[1]["text"]


async def test_a_family_already_paid_by_the_fund_is_refused(stack: Stack) -> None:
    payload = await stack.submit(
        stack.citizen("R02A1XZ"),
        idempotencyKey="journey-r02",
        representativeFin="R02A1XZ",
        representativeIdCard="AA6020001",
        members=["R02A1XZ", "R02A2XZ"],
        phone="+994551234568",
    )
    reasons = _codes(payload["application"])
    assert "ACTIVE_ASSIGNMENT_EXISTS" in reasons


async def test_a_second_application_during_our_own_grant_is_refused(stack: Stack) -> None:
    first = await stack.submit(
        stack.citizen("G03A1XZ"), idempotencyKey="first-g03", **granted_family(3)
    )
    assert first["application"]["status"] == "GRANTED"
    # the dry run says what an application would get now: our own grant counts there too
    body = await stack.query(
        "query($fin: FIN!) { household(fin: $fin) { eligibility { complete decision { outcome "
        "reasons { code } } } } }",
        stack.citizen("G03A2XZ"),
        {"fin": "G03A2XZ"},
    )
    dry = body["data"]["household"]["eligibility"]["decision"]
    assert dry["outcome"] == "REFUSED"
    assert "ACTIVE_ASSIGNMENT_EXISTS" in {r["code"] for r in dry["reasons"]}
    # the spouse applies again for the same family: our own grant covers the month
    second = await stack.submit(
        stack.citizen("G03A2XZ"),
        idempotencyKey="second-g03",
        **granted_family_by_spouse(3),
    )
    assert second["application"]["status"] == "REFUSED"
    assert _codes(second["application"]) == {"ACTIVE_ASSIGNMENT_EXISTS", "MEMBER_DISABLED"}
    await stack.settle()
    assert len(await stack.orders()) == 1


async def test_a_declaration_that_differs_from_the_registry_is_refused(stack: Stack) -> None:
    family = granted_family(4)
    family["members"] = ["G04A1XZ"]  # the spouse left out
    payload = await stack.submit(stack.citizen("G04A1XZ"), idempotencyKey="mismatch", **family)
    assert "DECLARATION_MISMATCH" in _codes(payload["application"])


def _codes(application: dict[str, Any]) -> set[str]:
    return {r["code"] for r in application["decision"]["reasons"]}


async def test_an_application_asks_each_agency_operation_once(stack: Stack) -> None:
    """Identification asks the representative's counting facts with the rest of the family in
    the same calls; the assessment that follows finds them in the cache instead of asking the
    agencies a second time. The one exception: the population registry is asked for the
    representative alone first (the ID card is checked before anyone else's data is read)."""
    await stack.mocks.delete("/_admin/calls")
    token = stack.citizen("G02A1XZ")
    payload = await stack.submit(token, idempotencyKey="journey-once", **granted_family(2))
    assert payload["application"]["status"] == "GRANTED"

    calls = await stack.calls()
    asked_twice = {
        f"{agency}.{operation}": count
        for agency, operations in calls.items()
        for operation, count in operations.items()
        if agency not in ("bank", "messaging") and count != 1
    }
    assert asked_twice == {"population.persons:batch": 2}
    for agency, operation in (
        ("migration", "GetResidenceStatus"),
        ("social_insurance", "state-care:batch"),
        ("conscription", "GetActiveService"),
        ("justice", "GetSentences"),
    ):
        assert calls[agency][operation] == 1, (agency, operation)


async def test_two_members_applying_at_once_make_one_grant_and_one_card(stack: Stack) -> None:
    """The head online and the spouse at a help desk, at the same moment, with keys of their
    own: one grant and one card, never two payments for one family."""
    head = stack.submit(stack.citizen("G03A1XZ"), idempotencyKey="head-g03", **granted_family(3))
    spouse = stack.submit(
        stack.citizen("G03A2XZ"),
        idempotencyKey="spouse-g03",
        **granted_family_by_spouse(3),
    )
    answers = await asyncio.gather(head, spouse)
    statuses = sorted(a["application"]["status"] for a in answers)
    assert statuses == ["GRANTED", "REFUSED"]
    [refused] = [a["application"] for a in answers if a["application"]["status"] == "REFUSED"]
    assert "ACTIVE_ASSIGNMENT_EXISTS" in _codes(refused)
    await stack.settle()
    assert len(await stack.orders()) == 1
