"""Strict readers for agency payloads (pure): every ``mapping.py`` reads JSON through these.

Each reader checks the type of one field and converts it (dates from ``YYYY-MM-DD``, months from
``YYYY-MM`` to their first day, money from decimal *strings* to ``Decimal``, never from floats).
A wrong shape raises :class:`ShapeError` naming the field's path, never its value (which may
be personal data); the adapter turns it into ``AgencyBadResponse``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

E = TypeVar("E", bound=StrEnum)

_MONEY = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,6})?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")


class ShapeError(ValueError):
    """The payload does not have the documented shape; ``path`` names where."""

    def __init__(self, path: str, expected: str) -> None:
        super().__init__(f"{path}: expected {expected}")
        self.path = path


def obj(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ShapeError(path, "an object")
    return value


def items(parent: Mapping[str, Any], name: str, path: str) -> Sequence[Any]:
    value = parent.get(name)
    if not isinstance(value, list):
        raise ShapeError(f"{path}.{name}", "a list")
    return value


def optional_items(parent: Mapping[str, Any], name: str, path: str) -> Sequence[Any]:
    if parent.get(name) is None:
        return ()
    return items(parent, name, path)


def string(parent: Mapping[str, Any], name: str, path: str) -> str:
    value = parent.get(name)
    if not isinstance(value, str) or not value:
        raise ShapeError(f"{path}.{name}", "a non-empty string")
    return value


def optional_string(parent: Mapping[str, Any], name: str, path: str) -> str | None:
    if parent.get(name) is None:
        return None
    return string(parent, name, path)


def boolean(parent: Mapping[str, Any], name: str, path: str) -> bool:
    value = parent.get(name)
    if not isinstance(value, bool):
        raise ShapeError(f"{path}.{name}", "a boolean")
    return value


def integer(parent: Mapping[str, Any], name: str, path: str, *, low: int, high: int) -> int:
    value = parent.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ShapeError(f"{path}.{name}", f"an integer from {low} to {high}")
    return value


def optional_integer(
    parent: Mapping[str, Any], name: str, path: str, *, low: int, high: int
) -> int | None:
    if parent.get(name) is None:
        return None
    return integer(parent, name, path, low=low, high=high)


def parse_date(value: Any, path: str, name: str | None = None) -> date:
    """``value`` as a date; a ``ShapeError`` names ``path`` (``path.name`` with ``name``)."""
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ShapeError(path if name is None else f"{path}.{name}", "a date YYYY-MM-DD")


def day(parent: Mapping[str, Any], name: str, path: str) -> date:
    return parse_date(parent.get(name), path, name)


def optional_day(parent: Mapping[str, Any], name: str, path: str) -> date | None:
    if parent.get(name) is None:
        return None
    return day(parent, name, path)


_MONTHS: dict[str, date] = {}  # month text → its first day: few values, read in every answer


def parse_month(value: Any, path: str, name: str | None = None) -> date:
    """``value`` (``YYYY-MM``) as the month's first day; errors as :func:`parse_date`'s."""
    if type(value) is str:
        found = _MONTHS.get(value)
        if found is not None:
            return found
    if isinstance(value, str) and _MONTH.fullmatch(value):
        year, month = int(value[:4]), int(value[5:])
        if 1 <= month <= 12 and year >= 1:
            first = date(year, month, 1)
            if type(value) is str and len(_MONTHS) < 4096:
                _MONTHS[value] = first
            return first
    raise ShapeError(path if name is None else f"{path}.{name}", "a month YYYY-MM")


def month(parent: Mapping[str, Any], name: str, path: str) -> date:
    return parse_month(parent.get(name), path, name)


def parse_money(value: Any, path: str, name: str | None = None) -> Decimal:
    """``value`` (a decimal string) as ``Decimal``; errors as :func:`parse_date`'s."""
    if isinstance(value, str) and _MONEY.fullmatch(value):
        try:
            return Decimal(value)
        except InvalidOperation:
            pass
    raise ShapeError(path if name is None else f"{path}.{name}", "a decimal string")


def money(parent: Mapping[str, Any], name: str, path: str) -> Decimal:
    return parse_money(parent.get(name), path, name)


def choice(parent: Mapping[str, Any], name: str, path: str, enum: type[E]) -> E:
    return enum_value(parent, name, path, enum)


def month_text(value: date) -> str:
    """A month as the agencies write it in requests (``YYYY-MM``)."""
    return f"{value.year:04d}-{value.month:02d}"


# --- typed values already deserialized by zeep (SOAP answers, XSD-valid) -------------------


def node(value: Any, name: str, path: str) -> Any:
    """``value[name]`` of a zeep object (or a mapping); ``None`` when absent."""
    if value is None:
        return None
    try:
        return value[name]
    except (KeyError, IndexError, TypeError, AttributeError):
        return None


def nodes(value: Any, name: str, path: str) -> Sequence[Any]:
    """The repeated child ``name`` as a list (``[]`` when none)."""
    found = node(value, name, path)
    if found is None:
        return []
    if not isinstance(found, list):
        raise ShapeError(f"{path}.{name}", "a list")
    return found


def typed(item: Any, name: str, path: str, kind: type[Any]) -> Any:
    value = node(item, name, path)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ShapeError(f"{path}.{name}", kind.__name__)
    if kind is date and type(value) is not date:
        raise ShapeError(f"{path}.{name}", "a date")
    if kind is str and not value:
        raise ShapeError(f"{path}.{name}", "a non-empty string")
    return value


def optional_typed(item: Any, name: str, path: str, kind: type[Any]) -> Any:
    if node(item, name, path) is None:
        return None
    return typed(item, name, path, kind)


def year_month(item: Any, name: str, path: str) -> date:
    """An ``xs:gYearMonth`` as zeep gives it (``(year, month, tz)``) → first day of month."""
    value = node(item, name, path)
    if isinstance(value, tuple) and len(value) >= 2:
        year, month_number = value[0], value[1]
        if isinstance(year, int) and isinstance(month_number, int) and 1 <= month_number <= 12:
            return date(year, month_number, 1)
    raise ShapeError(f"{path}.{name}", "a month")


_MEMBERS: dict[type[StrEnum], dict[str, StrEnum]] = {}  # enum → its members by value


def enum_value(item: Any, name: str, path: str, enum: type[E]) -> E:
    value = node(item, name, path)
    if type(value) is str:  # the members by value: what enum(value) finds, without its call
        members = _MEMBERS.get(enum)
        if members is None:
            members = _MEMBERS[enum] = {member.value: member for member in enum}
        found = members.get(value)
        if found is not None:
            return found  # type: ignore[return-value]
    try:
        return enum(value)
    except ValueError:
        raise ShapeError(f"{path}.{name}", f"one of {', '.join(e.value for e in enum)}") from None
