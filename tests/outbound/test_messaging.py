"""The messaging gateway: SMS and e-mail through the adapter against the mock, in-process."""

from __future__ import annotations

import asyncio

import pytest

from adapters.errors import (
    AgencyBadResponse,
    AgencyConflict,
    AgencyNotFound,
    AgencyRejected,
    AgencyTimeout,
    AgencyUnavailable,
)
from adapters.messaging import Channel, DeliveryStatus, MessagingAdapter
from adapters.resilience import AgencyThrottled

from .support import CTX, PHONE, Mocks, xroad

TEXT = "Sosial yardım müraciətiniz qeydə alındı."


async def test_an_sms_is_accepted_delivered_once_and_shown_in_the_outbox(
    messaging: MessagingAdapter, mocks: Mocks
) -> None:
    sent = await messaging.send_sms(PHONE, TEXT, "notice:APP-1:registered:sms", CTX)

    assert sent.channel is Channel.SMS
    assert sent.status is DeliveryStatus.ACCEPTED
    assert sent.replayed is False
    assert (await messaging.message(sent.message_id, CTX)).status is DeliveryStatus.DELIVERED
    (delivered,) = await mocks.outbox()
    assert delivered["message_id"] == sent.message_id
    assert (delivered["to"], delivered["text"]) == (PHONE, TEXT)
    assert delivered["idempotency_key"] == "notice:APP-1:registered:sms"


async def test_the_same_key_again_gives_the_same_message_and_delivers_nothing_more(
    messaging: MessagingAdapter, mocks: Mocks
) -> None:
    first = await messaging.send_sms(PHONE, TEXT, "notice:APP-1:registered:sms", CTX)
    again = await messaging.send_sms(PHONE, TEXT, "notice:APP-1:registered:sms", CTX)

    assert again.message_id == first.message_id
    assert again.replayed is True
    assert len(await mocks.outbox()) == 1


async def test_many_sends_at_once_with_one_key_deliver_one_message(
    messaging: MessagingAdapter, mocks: Mocks
) -> None:
    sent = await asyncio.gather(
        *(messaging.send_sms(PHONE, TEXT, "notice:APP-1:registered:sms", CTX) for _ in range(8))
    )
    assert len({s.message_id for s in sent}) == 1
    assert len(await mocks.outbox()) == 1


async def test_the_same_key_with_another_text_or_channel_is_a_conflict_and_sends_nothing(
    messaging: MessagingAdapter, mocks: Mocks
) -> None:
    await messaging.send_sms(PHONE, TEXT, "notice:APP-1:registered", CTX)

    with pytest.raises(AgencyConflict) as raised:
        await messaging.send_sms(PHONE, TEXT + "!", "notice:APP-1:registered", CTX)
    assert (raised.value.code, raised.value.agency) == ("AGENCY_CONFLICT", "messaging")
    with pytest.raises(AgencyConflict):
        await messaging.send_email(
            "aynur@example.az", "Qeydiyyat", TEXT, "notice:APP-1:registered", CTX
        )
    assert await mocks.count("messaging", "sms") == 2  # a conflict is not retried
    assert len(await mocks.outbox()) == 1


async def test_an_email_is_delivered_with_its_subject(
    messaging: MessagingAdapter, mocks: Mocks
) -> None:
    sent = await messaging.send_email(
        "aynur.mammadova@example.az", "Müraciətiniz qeydə alındı", TEXT + "\nNömrə: 1", "e-1", CTX
    )
    assert sent.channel is Channel.EMAIL
    (delivered,) = await mocks.outbox()
    assert delivered["channel"] == "email"
    assert delivered["to"] == "aynur.mammadova@example.az"
    assert delivered["subject"] == "Müraciətiniz qeydə alındı"
    assert delivered["text"] == TEXT + "\nNömrə: 1"


async def test_a_held_message_stays_accepted_until_the_gateway_delivers_it(
    messaging: MessagingAdapter, mocks: Mocks
) -> None:
    await mocks.hold_delivery(True)
    sent = await messaging.send_sms(PHONE, TEXT, "k-1", CTX)
    assert (await messaging.message(sent.message_id, CTX)).status is DeliveryStatus.ACCEPTED
    assert await mocks.outbox() == []

    await mocks.hold_delivery(False)
    assert (await messaging.message(sent.message_id, CTX)).status is DeliveryStatus.DELIVERED
    assert len(await mocks.outbox()) == 1


async def test_an_unknown_message_is_not_found(messaging: MessagingAdapter) -> None:
    with pytest.raises(AgencyNotFound):
        await messaging.message("MSG-99999999", CTX)


@pytest.mark.parametrize("code", ["10", "50", "51", "55", "60", "70", "77", "99"])
async def test_every_mobile_operator_code_is_accepted(
    messaging: MessagingAdapter, mocks: Mocks, code: str
) -> None:
    await messaging.send_sms(f"+994{code}1234567", TEXT, f"k-{code}", CTX)
    assert len(await mocks.outbox()) == 1


@pytest.mark.parametrize(
    "to",
    [
        "+994401234567",  # 40 is no mobile operator
        "+99450123456",  # one digit short
        "+9945012345678",  # one digit more
        "0501234567",  # the national form
        "+994 50 123 45 67",
        "+994501234567\n",
    ],
)
async def test_a_number_the_gateway_cannot_text_is_rejected_naming_to(
    messaging: MessagingAdapter, mocks: Mocks, to: str
) -> None:
    with pytest.raises(AgencyRejected) as raised:
        await messaging.send_sms(to, TEXT, "k-1", CTX)
    assert raised.value.field == "to"
    assert "1234" not in str(raised.value)
    assert await mocks.count("messaging", "sms") == 1  # not retried
    assert await mocks.outbox() == []


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("a" * 459, True),  # GSM-7: 3 × 153 septets
        ("a" * 460, False),
        ("a" * 457 + "€", True),  # € is an escape: two septets
        ("a" * 458 + "€", False),
        ("a" * 152 + "€" + "a" * 305, False),  # 459 septets, but € is never split: 4 segments
        ("ə" * 201, True),  # any Azerbaijani letter makes it UCS-2: 3 × 67 units
        ("ə" * 202, False),
        ("a" * 200 + "ş", True),
        ("a" * 201 + "ş", False),
    ],
)
async def test_an_sms_of_more_than_three_segments_is_rejected_naming_text(
    messaging: MessagingAdapter, mocks: Mocks, text: str, accepted: bool
) -> None:
    if accepted:
        await messaging.send_sms(PHONE, text, "k-1", CTX)
        assert len(await mocks.outbox()) == 1
    else:
        with pytest.raises(AgencyRejected) as raised:
            await messaging.send_sms(PHONE, text, "k-1", CTX)
        assert raised.value.field == "text"
        assert await mocks.outbox() == []


@pytest.mark.parametrize(
    ("to", "subject", "text", "field"),
    [
        ("aynur.example.az", "Mövzu", TEXT, "to"),
        ("aynur@localhost", "Mövzu", TEXT, "to"),
        ("aynur @example.az", "Mövzu", TEXT, "to"),
        ("aynur@example.az", "Mövzu\r\nBcc: x@example.az", TEXT, "subject"),
        ("aynur@example.az", "", TEXT, "subject"),
        ("aynur@example.az", "Mövzu", "  ", "text"),
        ("aynur@example.az", "Mövzu", "a" * 20_001, "text"),
    ],
)
async def test_an_email_the_gateway_cannot_send_is_rejected_naming_the_field(
    messaging: MessagingAdapter, mocks: Mocks, to: str, subject: str, text: str, field: str
) -> None:
    with pytest.raises(AgencyRejected) as raised:
        await messaging.send_email(to, subject, text, "k-1", CTX)
    assert raised.value.field == field
    assert await mocks.outbox() == []


async def test_the_gateway_refuses_a_message_without_an_idempotency_key(mocks: Mocks) -> None:
    answer = await mocks.http.post(
        "/messaging/sms", json={"to": PHONE, "text": TEXT}, headers=xroad()
    )
    assert answer.status_code == 400
    assert answer.json()["field"] == "Idempotency-Key"
    assert await mocks.outbox() == []


async def test_a_lost_answer_is_recovered_by_sending_again_with_the_same_key(
    messaging: MessagingAdapter, mocks: Mocks
) -> None:
    await mocks.fault("messaging", "malformed")  # delivered, but the answer is garbled
    with pytest.raises(AgencyBadResponse):
        await messaging.send_sms(PHONE, TEXT, "notice:APP-1:decided:sms", CTX)
    await mocks.heal()
    sent = await messaging.send_sms(PHONE, TEXT, "notice:APP-1:decided:sms", CTX)

    assert sent.replayed is True
    (delivered,) = await mocks.outbox()
    assert delivered["message_id"] == sent.message_id


async def test_a_gateway_that_is_down_is_unavailable_after_bounded_retries_and_sends_nothing(
    messaging: MessagingAdapter, mocks: Mocks
) -> None:
    await mocks.fault("messaging", "down")
    with pytest.raises(AgencyUnavailable) as raised:
        await messaging.send_email("aynur@example.az", "Mövzu", TEXT, "k-1", CTX)
    assert raised.value.agency == "messaging"
    assert await mocks.count("messaging", "email") == 3
    assert await mocks.outbox() == []


async def test_a_hanging_gateway_times_out_within_the_deadline(
    quick_messaging: MessagingAdapter, mocks: Mocks
) -> None:
    await mocks.fault("messaging", "hang")
    async with asyncio.timeout(5):
        with pytest.raises(AgencyTimeout):
            await quick_messaging.send_sms(PHONE, TEXT, "k-1", CTX)
    assert await mocks.outbox() == []


async def test_a_throttled_send_is_tried_again_as_retry_after_says(
    messaging: MessagingAdapter, quick_messaging: MessagingAdapter, mocks: Mocks
) -> None:
    await mocks.fault("messaging", "throttle")
    with pytest.raises(AgencyThrottled) as raised:
        await quick_messaging.send_sms(PHONE, TEXT, "k-1", CTX)
    assert raised.value.retry_after == 1.0
    assert await mocks.count("messaging", "sms") == 1
    with pytest.raises(AgencyThrottled):
        await messaging.send_sms(PHONE, TEXT, "k-1", CTX)
    assert await mocks.count("messaging", "sms") == 4
    assert await mocks.outbox() == []


async def test_every_send_carries_the_x_road_ids_of_the_case(
    messaging: MessagingAdapter, mocks: Mocks
) -> None:
    await messaging.send_sms(PHONE, TEXT, "k-1", CTX)
    last = await mocks.last_call("messaging", "sms")
    assert (last["issue"], last["userId"]) == ("APP-2026-000123", "service:outbox-worker")


async def test_the_outbox_controls_are_loopback_only_and_can_be_emptied(
    messaging: MessagingAdapter, mocks: Mocks
) -> None:
    import httpx

    from mocks.app import create_mock_app
    from mocks.world import World

    await messaging.send_sms(PHONE, TEXT, "k-1", CTX)
    assert (await mocks.http.delete("/_admin/messaging/outbox")).status_code == 204
    assert await mocks.outbox() == []
    bad = await mocks.http.put("/_admin/messaging/delivery", json={"hold": "yes"})
    assert bad.status_code == 400

    app = create_mock_app(World(households=()), dev=True)
    outside = httpx.ASGITransport(app=app, client=("203.0.113.7", 1234))
    async with httpx.AsyncClient(transport=outside, base_url="http://mocks.test") as http:
        assert (await http.get("/_admin/messaging/outbox")).status_code == 403
        assert (
            await http.put("/_admin/messaging/delivery", json={"hold": True})
        ).status_code == 403
