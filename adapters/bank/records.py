"""The bank's records: what the ministry orders, and what the bank answers (frozen)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class CardOrderRequest:
    """A payment card for the person a granted application pays: who, where, how much, when.

    ``monthly_amount`` is in AZN with at most two decimals; the period is inclusive.
    """

    application_id: str
    fin: str
    first_name: str
    last_name: str
    district: str
    monthly_amount: Decimal
    period_start: date
    period_end: date


class CardOrderStatus(StrEnum):
    """Where a card order stands at the bank (the bank documents ``ORDERED`` only so far)."""

    ORDERED = "ORDERED"


@dataclass(frozen=True, slots=True)
class CardOrder:
    """The bank's answer to a card order.

    ``iban`` is the account TSA is paid into (checked: ``AZ``, check digits valid);
    ``pickup_from`` is the first day the card can be collected at ``branch_address``.
    ``replayed`` is true when the bank already had this order under the same idempotency key
    (nothing new was ordered: a retry, or a repeat after a crash).
    """

    order_id: str
    application_id: str
    status: CardOrderStatus
    iban: str
    branch_address: str
    pickup_from: date
    replayed: bool = False
