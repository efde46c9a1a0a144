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


@dataclass(frozen=True, slots=True)
class TermsChange:
    """What an ordered card pays from now on, after a reassessment: new terms (amount in AZN
    with at most two decimals, inclusive period), or, with ``monthly_amount`` None, no more
    payments. ``sequence`` is the decision's: the bank applies only a higher one than the last
    it applied, so changes delivered out of order leave the latest in force."""

    sequence: int
    monthly_amount: Decimal | None
    period_start: date | None = None
    period_end: date | None = None

    @property
    def stops(self) -> bool:
        return self.monthly_amount is None


class Payments(StrEnum):
    """Whether the bank pays into the card's account."""

    ACTIVE = "ACTIVE"
    STOPPED = "STOPPED"


class CardOrderStatus(StrEnum):
    """Where a card order stands at the bank (the bank documents ``ORDERED`` only so far)."""

    ORDERED = "ORDERED"


@dataclass(frozen=True, slots=True)
class CardOrder:
    """The bank's answer to a card order.

    ``iban`` is the account TSA is paid into (checked: ``AZ``, check digits valid);
    ``pickup_from`` is the first day the card can be collected at ``branch_address``.
    ``replayed`` is true when the bank already had this order under the same idempotency key
    (nothing new was ordered: a retry, or a repeat after a crash). ``payments`` and
    ``terms_sequence`` say whether it pays and after which change (0: as ordered), and
    ``monthly_amount`` and the period what it pays.
    """

    order_id: str
    application_id: str
    status: CardOrderStatus
    iban: str
    branch_address: str
    pickup_from: date
    payments: Payments
    terms_sequence: int
    monthly_amount: Decimal
    period_start: date
    period_end: date
    replayed: bool = False
