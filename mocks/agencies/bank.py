"""bank (REST) — the partner bank that issues the payment cards TSA is paid to.

The ministry orders one card per granted application; the bank opens an account (an ``AZ``
IBAN), picks the branch of the family's district and says from which day the card can be
collected (three working days after the order, Azerbaijani public holidays excluded). Orders are
writes behind an ``Idempotency-Key`` (``mocks/agencies/outbound.py``): the key is the *only*
thing the bank de-duplicates on, so a client that loses an answer must send the same key again.

A reassessment may change what a card pays: ``POST /card-orders/{order_id}/terms`` sets new
terms (amount and period; payments resume if they were stopped) and ``POST
/card-orders/{order_id}/stop`` stops the payments (the family was refused). Each carries the
``sequence`` of the decision it follows from; the bank applies only a sequence higher than the
last it applied, so changes that arrive out of order leave the latest in force.

Orders live in memory, in the server's :class:`~mocks.agencies.base.MockState` (not in the
world: replacing the world keeps them); ``GET /_admin/bank/orders`` lists them in development
mode, so that crash tests can count exactly how many cards were ordered.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount

from mocks.agencies.base import MockState
from mocks.agencies.outbound import (
    Answer,
    FieldError,
    IdempotencyKeys,
    WriteCall,
    admin_route,
    date_field,
    fingerprint,
    money_field,
    pattern_field,
    text_field,
    write_route,
)
from mocks.agencies.rest import FIN, Json, NotFound, json_response, money

KEY = "bank"
#: The bank's code in its IBANs (four letters; a made-up bank, so no real account is named).
BANK_CODE = "VMTB"
#: Cards can be collected from this many working days after the order.
PICKUP_WORKING_DAYS = 3
#: Azerbaijan keeps UTC+4 all year (no daylight saving since 2016).
BAKU = timezone(timedelta(hours=4), "Asia/Baku")
#: AZN, the currency code (ISO 4217 numeric) at the end of the bank's account numbers.
_CURRENCY = "944"
_APPLICATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_ORDER_ID = re.compile(r"CO-[0-9]{8}")
MAX_NAME = 100
#: The longest assignment period the bank accepts (the law has had 1 and 2 years).
MAX_PERIOD_DAYS = 2 * 366

#: The branch that hands out cards for each of Baku's districts; elsewhere, the city's branch.
BRANCHES: dict[str, str] = {
    "Binəqədi": "Binəqədi filialı, M. Ə. Rəsulzadə qəs., Binəqədi şossesi 45, Bakı",
    "Qaradağ": "Qaradağ filialı, Lökbatan qəs., Heydər Əliyev küç. 12, Bakı",
    "Xəzər": "Xəzər filialı, Mərdəkan qəs., S. Yesenin küç. 8, Bakı",
    "Səbail": "Səbail filialı, Neftçilər pr. 101, Bakı",
    "Sabunçu": "Sabunçu filialı, Bakıxanov qəs., Ə. Quliyev küç. 17, Bakı",
    "Suraxanı": "Suraxanı filialı, Hövsan qəs., Ş. Talıbov küç. 3, Bakı",
    "Xətai": "Xətai filialı, Xətai pr. 38, Bakı",
    "Yasamal": "Yasamal filialı, Şərifzadə küç. 201, Bakı",
    "Nərimanov": "Nərimanov filialı, Təbriz küç. 74, Bakı",
    "Nəsimi": "Nəsimi filialı, S. Vurğun küç. 56, Bakı",
    "Nizami": "Nizami filialı, Qara Qarayev pr. 22, Bakı",
    "Pirallahı": "Pirallahı filialı, Pirallahı qəs., Mərkəzi küç. 2, Bakı",
}


def branch_address(district: str) -> str:
    """The branch for ``district``: Baku's district branches, else the city's own branch."""
    return BRANCHES.get(district) or f"{district} filialı, Heydər Əliyev pr. 1, {district}"


def iban(account: str, bank_code: str = BANK_CODE) -> str:
    """An Azerbaijani IBAN (``AZ`` + 2 check digits + 4-letter bank code + 20 alphanumerics)
    with its ISO 13616 check digits: 98 − (the BBAN followed by ``AZ00``, letters as 10–35,
    modulo 97)."""
    bban = (bank_code + account).upper()
    if len(bban) != 24 or not bban.isalnum() or not bban.isascii():
        raise ValueError("an AZ BBAN is 24 ASCII letters and digits")
    digits = "".join(str(int(c, 36)) for c in bban + "AZ00")
    return f"AZ{98 - int(digits) % 97:02d}{bban}"


@lru_cache(maxsize=8)
def _holidays(year: int) -> frozenset[date]:
    import holidays  # the Azerbaijani calendar, observed days included (loaded on first use)

    return frozenset(holidays.country_holidays("AZ", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def working_days_after(day: date, count: int) -> date:
    """The ``count``-th working day after ``day`` (Saturdays, Sundays and holidays skipped)."""
    found = day
    for _ in range(count):
        found += timedelta(days=1)
        while not is_working_day(found):
            found += timedelta(days=1)
    return found


def baku_today() -> date:
    return datetime.now(BAKU).date()


@dataclass(frozen=True, slots=True)
class CardOrder:
    """One card order as the bank keeps it."""

    order_id: str
    idempotency_key: str
    client: str
    application_id: str
    fin: str
    first_name: str
    last_name: str
    district: str
    monthly_amount: Decimal
    period_start: date
    period_end: date
    status: str
    iban: str
    branch_address: str
    ordered_on: date
    pickup_from: date
    #: ACTIVE, or STOPPED (``/stop``); the sequence of the last change applied (0: none)
    payments: str = "ACTIVE"
    terms_sequence: int = 0

    def to_json(self) -> Json:
        """The order as ``POST /card-orders`` and ``GET /card-orders/{order_id}`` answer it."""
        return {
            "order_id": self.order_id,
            "application_id": self.application_id,
            "status": self.status,
            "iban": self.iban,
            "branch_address": self.branch_address,
            "pickup_from": self.pickup_from.isoformat(),
            "payments": self.payments,
            "terms_sequence": self.terms_sequence,
            "monthly_amount": money(self.monthly_amount),
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
        }

    def to_admin_json(self) -> Json:
        """Everything the bank holds about the order (test controls only)."""
        return {
            **self.to_json(),
            "idempotency_key": self.idempotency_key,
            "client": self.client,
            "fin": self.fin,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "district": self.district,
            "ordered_on": self.ordered_on.isoformat(),
        }


@dataclass(slots=True)
class CardOrderBook:
    """Every order the bank took, in order, and the idempotency keys that created them."""

    orders: dict[str, CardOrder] = field(default_factory=dict)
    keys: IdempotencyKeys[str] = field(default_factory=IdempotencyKeys)
    issued: int = 0

    def next_order_number(self) -> int:
        self.issued += 1
        return self.issued

    def clear(self) -> None:
        """Forget every order (numbering goes on, so an old order id is never reused)."""
        self.orders.clear()
        self.keys.clear()


def book(state: MockState) -> CardOrderBook:
    """The server's card-order book (created on first use)."""
    found = state.ledgers.setdefault(KEY, CardOrderBook())
    assert isinstance(found, CardOrderBook)
    return found


ORDER_FIELDS = (
    "application_id",
    "fin",
    "first_name",
    "last_name",
    "district",
    "monthly_amount",
    "period_start",
    "period_end",
)


def _terms(payload: Json) -> tuple[Decimal, date, date]:
    """The monthly amount and the period (inclusive, at most two years) of an order or change."""
    amount = money_field(payload, "monthly_amount")
    start = date_field(payload, "period_start")
    end = date_field(payload, "period_end")
    if end < start:
        raise FieldError("period_end", "period_end is before period_start")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise FieldError("period_end", "the period is longer than two years")
    return amount, start, end


def order_card(call: WriteCall, orders: CardOrderBook, today: Callable[[], date]) -> Answer:
    """``POST /card-orders``: a new order (201), or the order this key already made (200)."""
    key = call.key()
    payload = call.fields(*ORDER_FIELDS)
    application_id = pattern_field(
        payload, "application_id", _APPLICATION_ID, "a valid application id"
    )
    fin = pattern_field(payload, "fin", FIN, "a valid FIN")
    first_name = text_field(payload, "first_name", max_length=MAX_NAME)
    last_name = text_field(payload, "last_name", max_length=MAX_NAME)
    district = text_field(payload, "district", max_length=MAX_NAME)
    amount, start, end = _terms(payload)

    request = fingerprint("card-orders", payload)
    existing = orders.keys.find(call.client, key, request)
    if existing is not None:
        return Answer(orders.orders[existing].to_json(), 200, replayed=True)
    number = orders.next_order_number()
    ordered_on = today()
    order = CardOrder(
        order_id=f"CO-{number:08d}",
        idempotency_key=key,
        client=call.client,
        application_id=application_id,
        fin=fin,
        first_name=first_name,
        last_name=last_name,
        district=district,
        monthly_amount=amount,
        period_start=start,
        period_end=end,
        status="ORDERED",
        iban=iban(f"38{number:015d}{_CURRENCY}"),
        branch_address=branch_address(district),
        ordered_on=ordered_on,
        pickup_from=working_days_after(ordered_on, PICKUP_WORKING_DAYS),
    )
    orders.orders[order.order_id] = order
    orders.keys.bind(call.client, key, request, order.order_id)
    return Answer(order.to_json(), 201)


def _sequence(payload: Json) -> int:
    value = payload["sequence"]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000:
        raise FieldError("sequence", "sequence must be a whole number from 1 to 10000")
    return value


def _order(call: WriteCall, orders: CardOrderBook) -> CardOrder:
    order_id = call.path_params["order_id"]
    order = orders.orders.get(order_id) if _ORDER_ID.fullmatch(order_id) else None
    if order is None:
        raise NotFound
    return order


def change_terms(call: WriteCall, orders: CardOrderBook) -> Answer:
    """``POST /card-orders/{order_id}/terms``: pay ``monthly_amount`` over the period from
    now on (resuming stopped payments), unless a later change was applied already."""
    key = call.key()
    order = _order(call, orders)
    payload = call.fields("sequence", "monthly_amount", "period_start", "period_end")
    sequence = _sequence(payload)
    amount, start, end = _terms(payload)
    return _apply(
        call,
        orders,
        order,
        key,
        ("terms", payload),
        sequence,
        lambda found: replace(
            found,
            monthly_amount=amount,
            period_start=start,
            period_end=end,
            payments="ACTIVE",
            terms_sequence=sequence,
        ),
    )


def stop_payments(call: WriteCall, orders: CardOrderBook) -> Answer:
    """``POST /card-orders/{order_id}/stop``: no more payments on the card, unless a later
    change was applied already."""
    key = call.key()
    order = _order(call, orders)
    payload = call.fields("sequence")
    sequence = _sequence(payload)
    return _apply(
        call,
        orders,
        order,
        key,
        ("stop", payload),
        sequence,
        lambda found: replace(found, payments="STOPPED", terms_sequence=sequence),
    )


def _apply(
    call: WriteCall,
    orders: CardOrderBook,
    order: CardOrder,
    key: str,
    what: tuple[str, Json],
    sequence: int,
    change: Callable[[CardOrder], CardOrder],
) -> Answer:
    action, payload = what
    request = fingerprint(f"card-orders/{order.order_id}/{action}", payload)
    if orders.keys.find(call.client, key, request) is not None:
        return Answer(orders.orders[order.order_id].to_json(), 200, replayed=True)
    if sequence > order.terms_sequence:  # an older change arriving late changes nothing
        order = change(order)
        orders.orders[order.order_id] = order
    orders.keys.bind(call.client, key, request, order.order_id)
    return Answer(order.to_json(), 201)  # the change taken (200: this key's change again)


def get_order(call: WriteCall, orders: CardOrderBook) -> Answer:
    """``GET /card-orders/{order_id}``."""
    order_id = call.path_params["order_id"]
    order = orders.orders.get(order_id) if _ORDER_ID.fullmatch(order_id) else None
    if order is None:
        raise NotFound
    return Answer(order.to_json())


def routes(state: MockState, *, today: Callable[[], date] = baku_today) -> list[BaseRoute]:
    """The bank's routes; ``today`` is the bank's calendar (Baku time by default)."""
    orders = book(state)
    return [
        Mount(
            f"/{KEY}",
            routes=[
                write_route(
                    state, KEY, "/card-orders", lambda call: order_card(call, orders, today)
                ),
                write_route(
                    state,
                    KEY,
                    "/card-orders/{order_id}",
                    lambda call: get_order(call, orders),
                    method="GET",
                ),
                write_route(
                    state,
                    KEY,
                    "/card-orders/{order_id}/terms",
                    lambda call: change_terms(call, orders),
                ),
                write_route(
                    state,
                    KEY,
                    "/card-orders/{order_id}/stop",
                    lambda call: stop_payments(call, orders),
                ),
            ],
        )
    ]


def admin_routes(state: MockState) -> list[BaseRoute]:
    """``GET /_admin/bank/orders`` (every order, oldest first) and ``DELETE`` (forget them);
    mount in development mode only, before the shared ``/_admin`` mount."""
    orders = book(state)

    async def endpoint(request: Request) -> Response:
        if request.method == "DELETE":
            orders.clear()
            return Response(status_code=204)
        listed = [order.to_admin_json() for order in orders.orders.values()]
        return json_response({"count": len(listed), "orders": listed})

    return [admin_route("/_admin/bank/orders", endpoint, ["GET", "DELETE"])]
