"""Scalars of the contract: ``Decimal`` (money as a string, two decimals), ``Date`` and
``DateTime`` (ISO 8601, as strawberry's own, but a value that does not parse is a
``BAD_USER_INPUT``), ``FIN`` (the personal identification number)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import ClassVar, NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

FIN_PATTERN = re.compile(r"^[0-9A-HJ-NP-Z]{7}$")
CENT = Decimal("0.01")


class ScalarInputError(ValueError):
    """A scalar value that does not parse; shown as BAD_USER_INPUT naming the argument."""

    extensions: ClassVar[dict[str, str]] = {"code": "BAD_USER_INPUT"}


def serialize_decimal(value: Decimal) -> str:
    """Money keeps two decimals ("240.00"); finer values (shares) keep their own digits."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -2:
        return str(value.quantize(CENT, rounding=ROUND_HALF_UP))
    return str(value.normalize())


def parse_decimal(value: object) -> Decimal:
    if not isinstance(value, str):
        raise ScalarInputError('Decimal values are strings, e.g. "240.00"')
    try:
        parsed = Decimal(value)
    except InvalidOperation:
        raise ScalarInputError("not a decimal number") from None
    if not parsed.is_finite():
        raise ScalarInputError("not a finite decimal number")
    return parsed


def parse_fin(value: object) -> str:
    if not isinstance(value, str) or not FIN_PATTERN.fullmatch(value):
        raise ScalarInputError(
            "a FIN is 7 characters: digits and capital Latin letters except I and O"
        )
    return value


DecimalScalar = strawberry.scalar(
    name="Decimal",
    description='Money as a string with two decimals, e.g. "240.00"; never a float.',
    serialize=serialize_decimal,
    parse_value=parse_decimal,
)


def parse_date(value: object) -> date:
    if not isinstance(value, str):
        raise ScalarInputError('a Date is an ISO 8601 string, e.g. "2026-11-15"')
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ScalarInputError('not a date: an ISO 8601 date is e.g. "2026-11-15"') from None


def parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise ScalarInputError('a DateTime is an ISO 8601 string, e.g. "2026-11-15T09:30:00+04:00"')
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ScalarInputError("not an ISO 8601 date and time") from None
    if parsed.tzinfo is None:
        raise ScalarInputError("a DateTime carries its offset, e.g. +04:00 or Z")
    return parsed


DateScalar = strawberry.scalar(
    name="Date",
    description="ISO 8601 date, e.g. 2026-11-15",
    serialize=date.isoformat,
    parse_value=parse_date,
)

DateTimeScalar = strawberry.scalar(
    name="DateTime",
    description="ISO 8601 date and time with its offset, e.g. 2026-11-15T09:30:00+04:00",
    serialize=datetime.isoformat,
    parse_value=parse_datetime,
)

FIN = NewType("FIN", str)

FINScalar = strawberry.scalar(
    name="FIN",
    description="Personal identification number (FİN): ^[0-9A-HJ-NP-Z]{7}$",
    serialize=str,
    parse_value=parse_fin,
)

SCALAR_MAP: dict[object, ScalarDefinition] = {
    Decimal: DecimalScalar,
    FIN: FINScalar,
    date: DateScalar,
    datetime: DateTimeScalar,
}
