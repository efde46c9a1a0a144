"""The bank: card orders through the adapter against the mock bank, in-process."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import httpx
import pytest

from adapters.bank import BankAdapter, CardOrderStatus, Payments, TermsChange, open_bank
from adapters.bank.iban import az_iban, is_valid_az_iban
from adapters.errors import (
    AgencyBadResponse,
    AgencyConflict,
    AgencyNotFound,
    AgencyRejected,
    AgencyTimeout,
    AgencyUnavailable,
)
from adapters.resilience import AgencyThrottled
from mocks.agencies import bank as bank_mock

from .support import CTX, MOCKS, ORDER, Mocks, make_config, xroad

BAKU = timezone(timedelta(hours=4))


async def test_orders_a_card_and_learns_the_account_branch_and_pickup_day(
    bank: BankAdapter, mocks: Mocks
) -> None:
    today = datetime.now(BAKU).date()
    order = await bank.order_card(ORDER, "card-order:APP-2026-000123", CTX)

    assert order.status is CardOrderStatus.ORDERED
    assert order.application_id == "APP-2026-000123"
    assert order.replayed is False
    assert is_valid_az_iban(order.iban)
    assert order.branch_address == "Yasamal filialı, Şərifzadə küç. 201, Bakı"
    assert today < order.pickup_from <= today + timedelta(days=14)
    assert bank_mock.is_working_day(order.pickup_from)

    (held,) = await mocks.orders()
    assert held["order_id"] == order.order_id
    assert held["idempotency_key"] == "card-order:APP-2026-000123"
    assert held["fin"] == "5ZX3K8P" and held["last_name"] == "Məmmədova"
    assert held["monthly_amount"] == "285.50"
    assert (held["period_start"], held["period_end"]) == ("2026-11-01", "2027-10-31")


async def test_the_same_key_and_order_again_gets_the_same_order_and_no_second_card(
    bank: BankAdapter, mocks: Mocks
) -> None:
    first = await bank.order_card(ORDER, "card-order:APP-2026-000123", CTX)
    again = await bank.order_card(ORDER, "card-order:APP-2026-000123", CTX)

    assert again.replayed is True
    assert replace(again, replayed=False) == first
    assert len(await mocks.orders()) == 1


async def test_many_orders_at_once_with_one_key_order_one_card(
    bank: BankAdapter, mocks: Mocks
) -> None:
    orders = await asyncio.gather(
        *(bank.order_card(ORDER, "card-order:APP-2026-000123", CTX) for _ in range(8))
    )
    assert len({o.order_id for o in orders}) == 1
    assert sum(not o.replayed for o in orders) == 1
    assert len(await mocks.orders()) == 1


async def test_different_keys_order_different_cards_with_different_accounts(
    bank: BankAdapter, mocks: Mocks
) -> None:
    orders = [await bank.order_card(ORDER, f"card-order:{n}", CTX) for n in range(5)]
    assert len({o.order_id for o in orders}) == 5
    assert len({o.iban for o in orders}) == 5
    assert all(is_valid_az_iban(o.iban) for o in orders)
    assert len(await mocks.orders()) == 5


async def test_the_same_key_with_a_different_order_is_a_conflict_and_orders_nothing(
    bank: BankAdapter, mocks: Mocks
) -> None:
    await bank.order_card(ORDER, "card-order:APP-2026-000123", CTX)
    other = replace(ORDER, monthly_amount=Decimal("300.00"))

    with pytest.raises(AgencyConflict) as raised:
        await bank.order_card(other, "card-order:APP-2026-000123", CTX)

    assert raised.value.code == "AGENCY_CONFLICT"
    assert raised.value.agency == "bank"
    assert await mocks.count("bank", "card-orders") == 2  # not retried
    assert len(await mocks.orders()) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"fin": "5ZX3K8"}, "fin"),
        ({"fin": "5ZX3K8O"}, "fin"),  # O is never in a FIN
        ({"application_id": "APP 1"}, "application_id"),
        ({"first_name": "  "}, "first_name"),
        ({"last_name": "Məmmədova\u200f"}, "last_name"),  # a right-to-left mark
        ({"district": "Yasamal\n"}, "district"),
        ({"period_end": date(2026, 10, 31)}, "period_end"),
        ({"period_end": date(2029, 11, 1)}, "period_end"),
    ],
)
async def test_an_order_the_bank_finds_invalid_is_rejected_naming_the_field(
    bank: BankAdapter, mocks: Mocks, change: dict[str, object], field: str
) -> None:
    with pytest.raises(AgencyRejected) as raised:
        await bank.order_card(replace(ORDER, **change), "card-order:bad", CTX)  # type: ignore[arg-type]

    assert raised.value.field == field
    assert raised.value.code == "AGENCY_BAD_RESPONSE"
    assert field in str(raised.value)
    assert "5ZX3K8" not in str(raised.value)
    assert await mocks.count("bank", "card-orders") == 1  # not retried
    assert await mocks.orders() == []


async def test_a_rejected_order_does_not_use_up_its_key(bank: BankAdapter, mocks: Mocks) -> None:
    with pytest.raises(AgencyRejected):
        await bank.order_card(replace(ORDER, fin="bad"), "card-order:APP-2026-000123", CTX)
    order = await bank.order_card(ORDER, "card-order:APP-2026-000123", CTX)
    assert order.replayed is False
    assert len(await mocks.orders()) == 1


@pytest.mark.parametrize("amount", ["285.505", "0.00", "-1.00"])
async def test_an_amount_that_is_not_whole_positive_cents_is_refused_before_any_call(
    bank: BankAdapter, mocks: Mocks, amount: str
) -> None:
    with pytest.raises(ValueError, match="monthly_amount"):
        await bank.order_card(replace(ORDER, monthly_amount=Decimal(amount)), "k-1", CTX)
    assert await mocks.count("bank", "card-orders") == 0


@pytest.mark.parametrize("key", ["", "with space", "x" * 256, "açar"])
async def test_an_invalid_idempotency_key_is_refused_before_any_call(
    bank: BankAdapter, mocks: Mocks, key: str
) -> None:
    with pytest.raises(ValueError, match="idempotency key"):
        await bank.order_card(ORDER, key, CTX)
    assert await mocks.count("bank", "card-orders") == 0


async def test_the_bank_refuses_an_order_without_an_idempotency_key(mocks: Mocks) -> None:
    body = {
        "application_id": "APP-1",
        "fin": "5ZX3K8P",
        "first_name": "Aynur",
        "last_name": "Məmmədova",
        "district": "Yasamal",
        "monthly_amount": "285.50",
        "period_start": "2026-11-01",
        "period_end": "2027-10-31",
    }
    answer = await mocks.http.post("/bank/card-orders", json=body, headers=xroad())
    assert answer.status_code == 400
    assert answer.json()["field"] == "Idempotency-Key"

    extra = await mocks.http.post(
        "/bank/card-orders",
        json={**body, "currency": "AZN"},
        headers=xroad(**{"Idempotency-Key": "k"}),
    )
    assert extra.status_code == 400
    assert extra.json()["field"] == "currency"

    no_xroad = await mocks.http.post(
        "/bank/card-orders", json=body, headers={"Idempotency-Key": "k"}
    )
    assert no_xroad.status_code == 400
    assert "X-Road" in no_xroad.json()["detail"]
    assert await mocks.orders() == []


async def test_the_same_order_written_differently_is_still_the_same_order(mocks: Mocks) -> None:
    body = (
        '{"application_id":"APP-1","fin":"5ZX3K8P","first_name":"Aynur",'
        '"last_name":"Məmmədova","district":"Yasamal","monthly_amount":"285.50",'
        '"period_start":"2026-11-01","period_end":"2027-10-31"}'
    )
    reordered = (
        '{ "period_end": "2027-10-31", "period_start": "2026-11-01", "fin": "5ZX3K8P", '
        '"application_id": "APP-1", "first_name": "Aynur", "last_name": "Məmmədova", '
        '"district": "Yasamal", "monthly_amount": "285.50" }'
    )
    headers = xroad(**{"Idempotency-Key": "k", "Content-Type": "application/json"})
    first = await mocks.http.post("/bank/card-orders", content=body.encode(), headers=headers)
    second = await mocks.http.post("/bank/card-orders", content=reordered.encode(), headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()


async def test_a_lost_answer_is_recovered_by_ordering_again_with_the_same_key(
    bank: BankAdapter, mocks: Mocks
) -> None:
    await mocks.fault("bank", "malformed")  # the bank orders the card, the answer is garbled
    with pytest.raises(AgencyBadResponse):
        await bank.order_card(ORDER, "card-order:APP-2026-000123", CTX)
    assert await mocks.count("bank", "card-orders") == 1  # a bad answer is not retried
    (placed,) = await mocks.orders()

    await mocks.heal()
    order = await bank.order_card(ORDER, "card-order:APP-2026-000123", CTX)
    assert order.replayed is True
    assert order.order_id == placed["order_id"]
    assert len(await mocks.orders()) == 1


async def test_a_bank_that_is_down_is_unavailable_after_bounded_retries_and_orders_nothing(
    bank: BankAdapter, mocks: Mocks
) -> None:
    await mocks.fault("bank", "down")
    with pytest.raises(AgencyUnavailable) as raised:
        await bank.order_card(ORDER, "card-order:APP-2026-000123", CTX)
    assert raised.value.agency == "bank"
    assert await mocks.count("bank", "card-orders") == 3
    assert await mocks.orders() == []


async def test_a_bank_answering_errors_is_unavailable_and_orders_nothing(
    bank: BankAdapter, mocks: Mocks
) -> None:
    await mocks.fault("bank", "error")
    with pytest.raises(AgencyUnavailable):
        await bank.order_card(ORDER, "card-order:APP-2026-000123", CTX)
    assert await mocks.orders() == []


async def test_a_hanging_bank_times_out_within_the_deadline(
    quick_bank: BankAdapter, mocks: Mocks
) -> None:
    await mocks.fault("bank", "hang")
    async with asyncio.timeout(5):  # the test's own bound: the adapter must give up first
        with pytest.raises(AgencyTimeout) as raised:
            await quick_bank.order_card(ORDER, "card-order:APP-2026-000123", CTX)
    assert raised.value.code == "AGENCY_TIMEOUT"
    assert await mocks.orders() == []


async def test_throttling_is_honoured_or_given_up_when_retry_after_outlasts_the_deadline(
    bank: BankAdapter, quick_bank: BankAdapter, mocks: Mocks
) -> None:
    await mocks.fault("bank", "throttle")
    # Retry-After: 1 outlasts a 0.3 s deadline: one attempt, then unavailable at once
    with pytest.raises(AgencyThrottled) as raised:
        await quick_bank.order_card(ORDER, "card-order:APP-2026-000123", CTX)
    assert raised.value.retry_after == 1.0
    assert await mocks.count("bank", "card-orders") == 1
    # within a 2 s deadline the adapter waits as told and tries again
    with pytest.raises(AgencyThrottled):
        await bank.order_card(ORDER, "card-order:APP-2026-000123", CTX)
    assert await mocks.count("bank", "card-orders") == 4
    assert await mocks.orders() == []


async def test_a_card_order_can_be_read_back_and_an_unknown_one_is_not_found(
    bank: BankAdapter,
) -> None:
    order = await bank.order_card(ORDER, "card-order:APP-2026-000123", CTX)
    assert await bank.card_order(order.order_id, CTX) == order
    with pytest.raises(AgencyNotFound):
        await bank.card_order("CO-99999999", CTX)
    with pytest.raises(AgencyNotFound):
        await bank.card_order("../_admin/bank/orders", CTX)


async def test_every_call_carries_the_x_road_ids_of_the_case(
    bank: BankAdapter, mocks: Mocks
) -> None:
    await bank.order_card(ORDER, "card-order:APP-2026-000123", CTX)
    last = await mocks.last_call("bank", "card-orders")
    assert last["issue"] == "APP-2026-000123"
    assert last["userId"] == "service:outbox-worker"
    assert last["client"] == "AZ/GOV/MLSPP/vemtas"


async def test_an_answer_with_a_broken_iban_checksum_is_a_bad_response() -> None:
    good = az_iban("VMTB", "38000000000000001944")
    broken = good[:-1] + ("5" if good[-1] != "5" else "6")

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            201,
            json={
                "order_id": "CO-00000001",
                "application_id": "APP-2026-000123",
                "status": "ORDERED",
                "iban": broken,
                "branch_address": "Yasamal filialı",
                "pickup_from": "2026-11-25",
                "payments": "ACTIVE",
                "terms_sequence": 0,
                "monthly_amount": "285.50",
                "period_start": "2026-11-01",
                "period_end": "2027-10-31",
            },
        )

    async with open_bank(make_config(), transport=httpx.MockTransport(answer)) as bank:
        with pytest.raises(AgencyBadResponse) as raised:
            await bank.order_card(ORDER, "k", CTX)
    assert broken not in str(raised.value)


async def test_a_reassessment_changes_what_the_card_pays_the_latest_change_winning(
    bank: BankAdapter, mocks: Mocks
) -> None:
    order = await bank.order_card(ORDER, "card-order:APP-2026-000123", CTX)
    assert (order.payments, order.terms_sequence, order.monthly_amount) == (
        Payments.ACTIVE,
        0,
        Decimal("285.50"),
    )
    lower = TermsChange(2, Decimal("240.00"), date(2026, 11, 1), date(2027, 10, 31))

    changed = await bank.change_terms(order.order_id, lower, "card-terms:APP:2", CTX)
    again = await bank.change_terms(order.order_id, lower, "card-terms:APP:2", CTX)
    stopped = await bank.change_terms(order.order_id, TermsChange(4, None), "card-terms:APP:4", CTX)
    late = await bank.change_terms(  # decision 3's change, delivered after decision 4's
        order.order_id,
        TermsChange(3, Decimal("200.00"), date(2026, 11, 1), date(2027, 10, 31)),
        "card-terms:APP:3",
        CTX,
    )

    assert (changed.monthly_amount, changed.terms_sequence, changed.replayed) == (
        Decimal("240.00"),
        2,
        False,
    )
    assert again.replayed and again.terms_sequence == 2
    assert (stopped.payments, stopped.terms_sequence) == (Payments.STOPPED, 4)
    assert (late.payments, late.terms_sequence, late.monthly_amount) == (
        Payments.STOPPED,
        4,
        Decimal("240.00"),
    )
    (held,) = await mocks.orders()
    assert (held["payments"], held["terms_sequence"]) == ("STOPPED", 4)
    with pytest.raises(AgencyConflict):  # one key, one change
        await bank.change_terms(order.order_id, TermsChange(4, None), "card-terms:APP:2", CTX)
    with pytest.raises(AgencyBadResponse, match="404"):  # an order the bank does not hold
        await bank.change_terms("CO-99999999", lower, "card-terms:APP:9", CTX)
    with pytest.raises(ValueError, match="monthly_amount"):
        await bank.change_terms(
            order.order_id,
            TermsChange(5, Decimal("0.001"), date(2026, 11, 1), date(2027, 10, 31)),
            "card-terms:APP:5",
            CTX,
        )


def test_iban_check_digits_follow_iso_13616() -> None:
    assert is_valid_az_iban("AZ21NABZ00000000137010001944")  # the published AZ example
    assert not is_valid_az_iban("AZ21NABZ00000000137010001945")
    assert not is_valid_az_iban("AZ12NABZ00000000137010001944")
    assert not is_valid_az_iban("AZ21NABZ0000000013701000194")  # 27 characters
    assert not is_valid_az_iban("DE89370400440532013000")
    assert az_iban("NABZ", "00000000137010001944") == "AZ21NABZ00000000137010001944"


def test_the_mock_bank_writes_the_same_ibans_as_the_standard() -> None:
    assert bank_mock.iban("00000000137010001944", "NABZ") == "AZ21NABZ00000000137010001944"


@pytest.mark.parametrize(
    ("ordered_on", "pickup_from"),
    [
        (date(2026, 11, 16), date(2026, 11, 19)),  # Monday → Thursday
        (date(2026, 11, 19), date(2026, 11, 24)),  # Thursday → over the weekend
        (date(2026, 11, 6), date(2026, 11, 13)),  # over the weekend and 9–10 November
        (date(2026, 12, 30), date(2027, 1, 7)),  # 31 Dec, 1 Jan, weekend, 4 Jan observed
    ],
)
def test_cards_can_be_collected_three_working_days_after_the_order(
    ordered_on: date, pickup_from: date
) -> None:
    assert bank_mock.working_days_after(ordered_on, 3) == pickup_from


async def test_the_order_list_is_a_loopback_only_test_control(mocks: Mocks) -> None:
    from mocks.app import create_mock_app
    from mocks.world import World

    app = create_mock_app(World(households=()), dev=True, base_url=MOCKS)
    outside = httpx.ASGITransport(app=app, client=("203.0.113.7", 1234))
    async with httpx.AsyncClient(transport=outside, base_url=MOCKS) as http:
        assert (await http.get("/_admin/bank/orders")).status_code == 403
        assert (await http.delete("/_admin/bank/orders")).status_code == 403

    prod = create_mock_app(World(households=()), dev=False, base_url=MOCKS)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=prod, client=("127.0.0.1", 1234)), base_url=MOCKS
    ) as http:
        assert (await http.get("/_admin/bank/orders")).status_code == 404


async def test_forgetting_the_orders_never_reuses_an_order_id(
    bank: BankAdapter, mocks: Mocks
) -> None:
    first = await bank.order_card(ORDER, "k-1", CTX)
    assert (await mocks.http.delete("/_admin/bank/orders")).status_code == 204
    assert await mocks.orders() == []
    second = await bank.order_card(ORDER, "k-1", CTX)
    assert second.replayed is False
    assert second.order_id != first.order_id
