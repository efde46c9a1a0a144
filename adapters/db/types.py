"""Column types that behave the same on SQLite and PostgreSQL.

- :class:`UtcDateTime`: ``timestamp with time zone`` on PostgreSQL; on SQLite (which has no
  time zones) a naive UTC timestamp in SQLAlchemy's fixed-width text format, so that text order
  is time order. Always aware UTC datetimes in Python; naive datetimes are refused.
- :class:`Money`: ``NUMERIC(12,2)`` on PostgreSQL; integer cents on SQLite, whose NUMERIC
  affinity would go through binary floating point. Always ``Decimal`` with two places in
  Python; more than two places, or more than 10 digits before the point, are refused.
- :data:`Json`: ``JSONB`` on PostgreSQL, ``JSON`` (text) on SQLite, serialized by
  :func:`dumps` (``Decimal`` and dates as strings, as everywhere in the project's JSON).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

CENT = Decimal("0.01")
MAX_MONEY = Decimal("9999999999.99")


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """An aware UTC datetime on every dialect."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: timestamps are stored with their time zone")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def money(value: Decimal) -> Decimal:
    """``value`` checked for storage as NUMERIC(12,2): exact to the cent, within range."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError("money must be a finite Decimal")
    if value != value.quantize(CENT):
        raise ValueError("money has more than two decimal places")
    if abs(value) > MAX_MONEY:
        raise ValueError("money out of range for NUMERIC(12,2)")
    return value.quantize(CENT)


class Money(sa.types.TypeDecorator[Decimal]):
    """Decimal money, two places, exact on every dialect."""

    impl = sa.Numeric(12, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.BigInteger())
        return dialect.type_descriptor(sa.Numeric(12, 2, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = money(value)
        if dialect.name == "sqlite":
            return int(value.scaleb(2))
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-2)
        return Decimal(value).quantize(CENT)


Json = sa.JSON().with_variant(JSONB(), "postgresql")


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | frozenset | set):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> str:
    """JSON text: ``Decimal`` as a string, dates ISO 8601, enums by value, tuples as lists."""
    return orjson.dumps(value, default=_default, option=orjson.OPT_PASSTHROUGH_DATACLASS).decode()


def loads(text: str | bytes) -> Any:
    return orjson.loads(text)


__all__ = ["CENT", "Json", "Money", "UtcDateTime", "dumps", "loads", "money"]
