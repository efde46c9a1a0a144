"""Pure: card order requests → the bank's JSON, and the bank's answers → records.

Shape errors raise :class:`~adapters.shape.ShapeError` (the adapter turns them into
``AgencyBadResponse``); an answer whose IBAN fails its check digits is one of them: the gateway
never records an account it cannot pay into.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from adapters import shape
from adapters.bank.iban import is_valid_az_iban
from adapters.bank.records import (
    CardOrder,
    CardOrderRequest,
    CardOrderStatus,
    Payments,
    TermsChange,
)

_CENT = Decimal("0.01")


def order_body(order: CardOrderRequest) -> dict[str, str]:
    """The body of ``POST /card-orders``; money as a string with two decimals.

    ``ValueError`` for an amount that is not positive or has fractions of a cent (a caller's
    bug: amounts are rounded by the means test, never here)."""
    amount = order.monthly_amount
    if amount <= 0 or amount != amount.quantize(_CENT):
        raise ValueError("monthly_amount must be positive, in whole cents")
    return {
        "application_id": order.application_id,
        "fin": order.fin,
        "first_name": order.first_name,
        "last_name": order.last_name,
        "district": order.district,
        "monthly_amount": f"{amount.quantize(_CENT):f}",
        "period_start": order.period_start.isoformat(),
        "period_end": order.period_end.isoformat(),
    }


def terms_body(change: TermsChange) -> dict[str, Any]:
    """The body of ``POST /card-orders/{id}/terms`` or, for a change that stops the
    payments, of ``POST /card-orders/{id}/stop``. ``ValueError`` as for :func:`order_body`."""
    if not 1 <= change.sequence <= 10_000:
        raise ValueError("sequence must be from 1 to 10000")
    amount = change.monthly_amount
    if amount is None:
        return {"sequence": change.sequence}
    if amount <= 0 or amount != amount.quantize(_CENT):
        raise ValueError("monthly_amount must be positive, in whole cents")
    if change.period_start is None or change.period_end is None:
        raise ValueError("new terms need their period")
    return {
        "sequence": change.sequence,
        "monthly_amount": f"{amount.quantize(_CENT):f}",
        "period_start": change.period_start.isoformat(),
        "period_end": change.period_end.isoformat(),
    }


def card_order(payload: Any, *, replayed: bool = False) -> CardOrder:
    """``{"order_id", "application_id", "status", "iban", "branch_address", "pickup_from",
    "payments", "terms_sequence", "monthly_amount", "period_start", "period_end"}``."""
    m = shape.obj(payload, "$")
    iban = shape.string(m, "iban", "$")
    if not is_valid_az_iban(iban):
        raise shape.ShapeError("$.iban", "an AZ IBAN with valid check digits")
    return CardOrder(
        order_id=shape.string(m, "order_id", "$"),
        application_id=shape.string(m, "application_id", "$"),
        status=shape.choice(m, "status", "$", CardOrderStatus),
        iban=iban,
        branch_address=shape.string(m, "branch_address", "$"),
        pickup_from=shape.day(m, "pickup_from", "$"),
        payments=shape.choice(m, "payments", "$", Payments),
        terms_sequence=shape.integer(m, "terms_sequence", "$", low=0, high=10_000),
        monthly_amount=shape.money(m, "monthly_amount", "$"),
        period_start=shape.day(m, "period_start", "$"),
        period_end=shape.day(m, "period_end", "$"),
        replayed=replayed,
    )
