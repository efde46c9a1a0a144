"""An exact, safe serializer for cached agency answers (orjson with type tags).

aiocache's JSON serializer turns tuples into lists and cannot store ``Decimal`` or ``date``;
pickle would restore them but would let whoever can write to Redis run code in the gateway.
This codec restores exactly what was stored, and only the types of :mod:`adapters.records`:

    record      {"$r": "PersonRecord", "f": {field: value, …}}
    enum        {"$e": "Sex", "v": "F"}
    Decimal     {"$d": "450.00"}          (the exact string, so "450.00" stays "450.00")
    date        {"$t": "2026-01-31"}
    tuple       {"$u": [values…]}
    dict        {"$m": [[key, value], …]}
    str, int, float, bool, None as themselves

Anything else, or an unknown tag or type name, is refused with :class:`CodecError`.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import date
from decimal import Decimal
from typing import Any

import orjson
from aiocache.serializers import BaseSerializer

from adapters import records


class CodecError(ValueError):
    """A value cannot be encoded, or stored bytes are not a value this codec wrote."""


def _registry() -> tuple[dict[str, type[Any]], dict[str, type[enum.Enum]]]:
    classes: dict[str, type[Any]] = {}
    enums: dict[str, type[enum.Enum]] = {}
    for name in dir(records):
        value = getattr(records, name)
        if not isinstance(value, type) or value.__module__ != records.__name__:
            continue
        if issubclass(value, enum.Enum):
            enums[name] = value
        elif dataclasses.is_dataclass(value):
            classes[name] = value
    return classes, enums


_CLASSES, _ENUMS = _registry()


def encode(value: Any) -> Any:
    """A JSON-ready tree for ``value`` (records, enums, money, dates, tuples, dicts)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, enum.Enum):
        # before str: StrEnum members are strings too
        name = type(value).__name__
        if _ENUMS.get(name) is not type(value):
            raise CodecError(f"cannot encode enum {name}")
        return {"$e": name, "v": value.value}
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return {"$d": str(value)}
    if isinstance(value, date):
        if type(value) is not date:
            raise CodecError("cannot encode datetime")
        return {"$t": value.isoformat()}
    if isinstance(value, tuple):
        return {"$u": [encode(item) for item in value]}
    if isinstance(value, dict):
        return {"$m": [[encode(k), encode(v)] for k, v in value.items()]}
    name = type(value).__name__
    if _CLASSES.get(name) is type(value):
        return {
            "$r": name,
            "f": {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)},
        }
    raise CodecError(f"cannot encode {name}")


def decode(tree: Any) -> Any:
    """The value :func:`encode` was given."""
    if tree is None or isinstance(tree, bool | int | float | str):
        return tree
    if not isinstance(tree, dict):
        raise CodecError("unexpected value in cached data")
    try:
        if "$d" in tree:
            return Decimal(tree["$d"])
        if "$t" in tree:
            return date.fromisoformat(tree["$t"])
        if "$u" in tree:
            return tuple(decode(item) for item in tree["$u"])
        if "$m" in tree:
            return {decode(k): decode(v) for k, v in tree["$m"]}
        if "$e" in tree:
            return _ENUMS[tree["$e"]](tree["v"])
        if "$r" in tree:
            cls = _CLASSES[tree["$r"]]
            return cls(**{name: decode(item) for name, item in tree["f"].items()})
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise CodecError("malformed cached data") from exc
    raise CodecError("unknown tag in cached data")


def dumps(value: Any) -> bytes:
    return orjson.dumps(encode(value))


def loads(data: bytes | str) -> Any:
    try:
        tree = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise CodecError("cached data is not JSON") from exc
    return decode(tree)


class RecordSerializer(BaseSerializer):  # type: ignore[misc]
    """aiocache serializer over :func:`dumps`/:func:`loads`; ``None`` stays a cache miss."""

    DEFAULT_ENCODING = None  # bytes in, bytes out (redis-py with decode_responses=False)

    def dumps(self, value: Any) -> bytes:
        return dumps(value)

    def loads(self, value: bytes | str | None) -> Any:
        if value is None:
            return None
        return loads(value)
