"""The test backends the use cases' tests use instead of the network: they record what was
ordered and sent, keep the idempotency contract, and fail when told to."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from adapters.bank.adapter import Bank
from adapters.bank.iban import is_valid_az_iban
from adapters.bank.testing import RecordingBank
from adapters.errors import AgencyConflict, AgencyNotFound, AgencyTimeout, AgencyUnavailable
from adapters.messaging import Messenger
from adapters.messaging.testing import RecordingMessenger

from .support import CTX, ORDER, PHONE


async def test_the_recording_bank_orders_once_per_key_and_conflicts_on_another_order() -> None:
    bank = RecordingBank()
    port: Bank = bank  # the recording bank is a Bank
    first = await port.order_card(ORDER, "card-order:1", CTX)
    again = await port.order_card(ORDER, "card-order:1", CTX)

    assert is_valid_az_iban(first.iban)
    assert again == replace(first, replayed=True)
    assert [o.request for o in bank.orders] == [ORDER]
    assert bank.orders[0].ctx == CTX
    with pytest.raises(AgencyConflict):
        await port.order_card(replace(ORDER, monthly_amount=Decimal("1.00")), "card-order:1", CTX)
    assert await port.card_order(first.order_id, CTX) == first
    with pytest.raises(AgencyNotFound):
        await port.card_order("CO-00000009", CTX)


async def test_the_recording_bank_fails_when_told_and_orders_nothing_then() -> None:
    bank = RecordingBank()
    bank.failures.fail_next(AgencyUnavailable("bank"), times=2)
    for _ in range(2):
        with pytest.raises(AgencyUnavailable):
            await bank.order_card(ORDER, "card-order:1", CTX)
    assert bank.orders == []
    await bank.order_card(ORDER, "card-order:1", CTX)
    assert len(bank.orders) == 1

    bank.failures.fail_always(AgencyTimeout("bank"))
    with pytest.raises(AgencyTimeout):
        await bank.order_card(ORDER, "card-order:2", CTX)
    bank.failures.heal()
    await bank.order_card(ORDER, "card-order:2", CTX)
    assert len(bank.orders) == 2


async def test_the_recording_messenger_delivers_once_per_key() -> None:
    messenger = RecordingMessenger()
    port: Messenger = messenger
    first = await port.send_sms(PHONE, "Salam", "notice:1:sms", CTX)
    again = await port.send_sms(PHONE, "Salam", "notice:1:sms", CTX)
    await port.send_email("aynur@example.az", "Mövzu", "Salam", "notice:1:email", CTX)

    assert again == replace(first, replayed=True)
    assert [(m.channel, m.to, m.text) for m in messenger.to(PHONE)] == [("sms", PHONE, "Salam")]
    assert len(messenger.sent) == 2
    with pytest.raises(AgencyConflict):
        await port.send_sms(PHONE, "Başqa mətn", "notice:1:sms", CTX)
    assert (await port.message(first.message_id, CTX)).message_id == first.message_id


async def test_the_recording_messenger_fails_when_told_and_sends_nothing_then() -> None:
    messenger = RecordingMessenger()
    messenger.failures.fail_next(AgencyUnavailable("messaging"))
    with pytest.raises(AgencyUnavailable):
        await messenger.send_sms(PHONE, "Salam", "notice:1:sms", CTX)
    assert messenger.sent == []
    await messenger.send_sms(PHONE, "Salam", "notice:1:sms", CTX)
    assert len(messenger.sent) == 1


async def test_the_recording_backends_check_keys_and_amounts_as_the_real_ones_do() -> None:
    with pytest.raises(ValueError):
        await RecordingMessenger().send_sms(PHONE, "Salam", "", CTX)
    with pytest.raises(ValueError):
        await RecordingBank().order_card(replace(ORDER, monthly_amount=Decimal("1.001")), "k", CTX)
