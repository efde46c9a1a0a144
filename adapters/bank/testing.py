"""A bank for tests of the use cases: records every order, keeps the idempotency contract,
and fails when told to (the anymail test backend's idea). No network."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from adapters.bank.adapter import AGENCY
from adapters.bank.iban import az_iban
from adapters.bank.mapping import order_body, terms_body
from adapters.bank.records import (
    CardOrder,
    CardOrderRequest,
    CardOrderStatus,
    Payments,
    TermsChange,
)
from adapters.base import CallContext
from adapters.errors import AgencyConflict, AgencyNotFound
from adapters.outbound import FailureSwitch, check_idempotency_key


@dataclass(frozen=True, slots=True)
class RecordedOrder:
    """One card the recording bank ordered, with the key and context it came with."""

    request: CardOrderRequest
    idempotency_key: str
    ctx: CallContext
    order: CardOrder


@dataclass
class RecordingBank:
    """Implements :class:`~adapters.bank.adapter.Bank`; ``orders`` holds each distinct order
    (a repeat with the same key and order is answered ``replayed`` and not recorded again)."""

    branch_address: str = "Yasamal filialı, Şərifzadə küç. 201, Bakı"
    pickup_from: date = date(2026, 1, 15)
    orders: list[RecordedOrder] = field(default_factory=list)
    failures: FailureSwitch = field(default_factory=FailureSwitch)
    _by_key: dict[str, RecordedOrder] = field(default_factory=dict)
    _changes: dict[str, tuple[str, TermsChange]] = field(default_factory=dict)

    async def order_card(
        self, order: CardOrderRequest, idempotency_key: str, ctx: CallContext
    ) -> CardOrder:
        order_body(order)  # the same checks as the real adapter
        key = check_idempotency_key(idempotency_key)
        self.failures.check()
        known = self._by_key.get(key)
        if known is not None:
            if known.request != order:
                raise AgencyConflict(AGENCY)
            return replace(known.order, replayed=True)
        number = len(self.orders) + 1
        made = CardOrder(
            order_id=f"CO-{number:08d}",
            application_id=order.application_id,
            status=CardOrderStatus.ORDERED,
            iban=az_iban("TEST", f"{number:020d}"),
            branch_address=self.branch_address,
            pickup_from=self.pickup_from,
            payments=Payments.ACTIVE,
            terms_sequence=0,
            monthly_amount=order.monthly_amount,
            period_start=order.period_start,
            period_end=order.period_end,
        )
        recorded = RecordedOrder(order, key, ctx, made)
        self.orders.append(recorded)
        self._by_key[key] = recorded
        return made

    async def change_terms(
        self, order_id: str, change: TermsChange, idempotency_key: str, ctx: CallContext
    ) -> CardOrder:
        terms_body(change)  # the same checks as the real adapter
        key = check_idempotency_key(idempotency_key)
        self.failures.check()
        index = next((i for i, r in enumerate(self.orders) if r.order.order_id == order_id), None)
        if index is None:
            raise AgencyNotFound(AGENCY, "no card order with that id")
        known = self._changes.get(key)
        if known is not None:
            if known != (order_id, change):
                raise AgencyConflict(AGENCY)
            return replace(self.orders[index].order, replayed=True)
        self._changes[key] = (order_id, change)
        recorded = self.orders[index]
        order = recorded.order
        if change.sequence > order.terms_sequence:
            if change.monthly_amount is None:
                order = replace(order, payments=Payments.STOPPED, terms_sequence=change.sequence)
            else:
                assert change.period_start is not None and change.period_end is not None
                order = replace(
                    order,
                    payments=Payments.ACTIVE,
                    terms_sequence=change.sequence,
                    monthly_amount=change.monthly_amount,
                    period_start=change.period_start,
                    period_end=change.period_end,
                )
            updated = replace(recorded, order=order)
            self.orders[index] = self._by_key[recorded.idempotency_key] = updated
        return order

    async def card_order(self, order_id: str, ctx: CallContext) -> CardOrder:
        self.failures.check()
        for recorded in self.orders:
            if recorded.order.order_id == order_id:
                return recorded.order
        raise AgencyNotFound(AGENCY, "no card order with that id")
