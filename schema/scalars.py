"""Scalars of the contract: ``Decimal`` (money as a string, two decimals), ``Date``,
``DateTime`` (strawberry's own), ``FIN`` (the personal identification number)."""

from __future__ import annotations

import re
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

FIN = NewType("FIN", str)

FINScalar = strawberry.scalar(
    name="FIN",
    description="Personal identification number (FİN): ^[0-9A-HJ-NP-Z]{7}$",
    serialize=str,
    parse_value=parse_fin,
)

SCALAR_MAP: dict[object, ScalarDefinition] = {Decimal: DecimalScalar, FIN: FINScalar}
