"""Reading and writing world files (YAML or JSON) with strict validation.

The format is the one of ``shared/docs/agencies.md`` ("World file"); YAML and JSON carry the same
structure. Loading is strict: unknown keys, duplicate keys, missing required fields, malformed
identifiers (FIN, ID card, phone, e-mail, VÖEN), impossible dates, floats where money is expected,
reversed ranges and identifiers used twice are all refused with a :class:`WorldError` whose
message names the household (index and id), the member (index and FIN) and the field path::

    households[3] (HH-YAS-000004) members[1] (5ZX3K8P) birth_date: not a date: '1988-13-02'

YAML is read with a narrowed YAML 1.2-like resolver, so that the values people write by hand mean
what they look like: ``NO`` (Norway) stays a string, only ``true``/``false`` are booleans (boolean
fields also accept ``yes``/``no``/``on``/``off`` written as strings), ``2025-01`` is a month
string and ``1988-04-02`` a date, and an unquoted ``+994501234567`` or ``0123456`` keeps its digits.
Aliases (``&a``/``*a``) are refused. Money is written as a string (``"450.00"``) or an integer;
floats are refused because ``0.1`` is not exact.

Writing (:func:`world_to_yaml`, :func:`world_to_json`) is the exact inverse of reading:
``parse_world(world_to_yaml(w)) == w`` and writing the parsed world again gives the same bytes.
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO, Literal, TypeVar

import orjson
import yaml

from mocks.world import (
    Agriculture,
    BorderCrossing,
    Contract,
    Disability,
    Entrepreneur,
    Household,
    IncomeSource,
    IncomeStream,
    Jobseeker,
    Livestock,
    Member,
    MonthlyStream,
    Period,
    PropertyPurpose,
    RealEstate,
    Relation,
    Sex,
    Study,
    TsaAssignment,
    Utilities,
    Vehicle,
    VehicleKind,
    VehicleRole,
    World,
)

try:  # libyaml is several times faster; the pure-Python class behaves the same
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

__all__ = [
    "FIN_PATTERN",
    "ID_CARD_PATTERN",
    "PHONE_PATTERN",
    "WorldError",
    "load_world",
    "parse_world",
    "world_to_json",
    "world_to_yaml",
    "write_world",
]

Format = Literal["yaml", "json"]

FIN_PATTERN = re.compile(r"[0-9A-HJ-NP-Z]{7}")
"""Personal identification number (FİN): 7 characters, digits and capitals without I and O."""
ID_CARD_PATTERN = re.compile(r"AA[0-9]{7}")
"""Identity card number: ``AA`` and 7 digits."""
PHONE_PATTERN = re.compile(r"\+994(?:10|50|51|55|60|70|77|99)[0-9]{7}")
"""Azerbaijani mobile number: ``+994``, an operator code, and 7 digits."""
EMAIL_PATTERN = re.compile(r"[^@\s]{1,64}@[^@\s.]+(?:\.[^@\s.]+)+")
VOEN_PATTERN = re.compile(r"[0-9]{10}")
"""Taxpayer identification number (VÖEN): 10 digits."""
PLATE_PATTERN = re.compile(r"[0-9]{2}-[A-Z]{2}-[0-9]{3}")
"""Vehicle registration plate, e.g. ``10-AB-123``."""
COUNTRY_PATTERN = re.compile(r"[A-Z]{2}")
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH_TEXT = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
_MONEY_TEXT = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,4})?")
# control, format and bidirectional characters have no place in names or addresses
_HIDDEN_CHARS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]"
)
_TRUE_WORDS = frozenset({"true", "yes", "on", "y"})
_FALSE_WORDS = frozenset({"false", "no", "off", "n"})


class WorldError(ValueError):
    """A world file that does not follow the format.

    The message names where the problem is (household index and id, member index and FIN, field
    path) and what is wrong, e.g.
    ``households[3] (HH-YAS-000004) members[1] (5ZX3K8P) birth_date: not a date: '1988-13-02'``.
    """


# --------------------------------------------------------------------------------------------
# YAML: a loader that refuses duplicate keys and aliases, with YAML 1.2-like implicit types


class _Mapping(dict[Any, Any]):
    """A mapping as read from a file, remembering keys that appeared twice (and their line)."""

    __slots__ = ("duplicates",)

    def __init__(self) -> None:
        super().__init__()
        self.duplicates: list[tuple[Any, int | None]] = []


class _IntText(int):
    """A YAML integer that remembers how it was written (``+994501234567``, ``1234567``), so
    that a string field written without quotes keeps its exact characters."""

    text: str

    def __new__(cls, value: int, text: str) -> _IntText:
        obj = super().__new__(cls, value)
        obj.text = text
        return obj


class _StrictLoader(_BaseLoader):
    """Safe YAML loading with the narrowed resolver described in the module docstring."""

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - PyYAML class registry

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects or node in self.recursive_objects:
            raise yaml.constructor.ConstructorError(
                None, None, "aliases are not allowed in a world file", node.start_mark
            )
        return super().construct_object(node, deep)


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> _Mapping:
    data = _Mapping()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | bool | date) or key is None:
            raise yaml.constructor.ConstructorError(
                None, None, f"unsupported key {key!r}", key_node.start_mark
            )
        if isinstance(key, _IntText):
            key = key.text
        if key in data:
            data.duplicates.append((key, key_node.start_mark.line + 1))
        data[key] = loader.construct_object(value_node, deep=True)
    return data


def _construct_int(loader: _StrictLoader, node: yaml.ScalarNode) -> _IntText:
    text = str(loader.construct_scalar(node))
    return _IntText(int(text), text)


def _construct_date(loader: _StrictLoader, node: yaml.ScalarNode) -> date | str:
    text = str(loader.construct_scalar(node))
    try:
        return date.fromisoformat(text)
    except ValueError:
        return text  # validation reports it with the field's path


_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
# floats need a dot (as in YAML 1.1), so that a FIN such as 1E23456 stays a string
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?"
        r"|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:timestamp", re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), list("0123456789")
)
_StrictLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_date)


def _read_yaml(text: str | bytes) -> Any:
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise WorldError(f"{where}{problem}") from None
    except yaml.YAMLError as exc:
        raise WorldError(f"invalid YAML: {exc}") from None


def _pairs_to_mapping(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) == len(pairs):
        return data
    marked = _Mapping()  # a key appeared twice: remember which, validation names its place
    for key, value in pairs:
        if key in marked:
            marked.duplicates.append((key, None))
        marked[key] = value
    return marked


def _refuse_constant(name: str) -> Any:
    raise WorldError(f"{name} is not a number a world file may hold")


def _read_json(text: str | bytes) -> Any:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise WorldError(f"not UTF-8: {exc.reason} at byte {exc.start}") from None
    try:
        return json.loads(
            text, object_pairs_hook=_pairs_to_mapping, parse_constant=_refuse_constant
        )
    except json.JSONDecodeError as exc:
        raise WorldError(f"line {exc.lineno} column {exc.colno}: {exc.msg}") from None


# --------------------------------------------------------------------------------------------
# validation helpers: each takes the value, where it is (household and member) and the field path


def _err(where: str, path: str, problem: str) -> WorldError:
    location = f"{where} {path}" if where and path else (where or path or "world")
    return WorldError(f"{location}: {problem}")


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _show(value: Any) -> str:
    if isinstance(value, _IntText):
        return value.text
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _mapping(
    value: Any, where: str, path: str, allowed: frozenset[str], required: Iterable[str] = ()
) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _err(where, path, f"expected a mapping, got {_show(value)}")
    duplicates = getattr(value, "duplicates", None)
    if duplicates:
        key, line = duplicates[0]
        at = f" (line {line})" if line else ""
        raise _err(where, _join(path, key), f"duplicate key{at}")
    if not value.keys() <= allowed:
        unknown = next(key for key in value if key not in allowed)
        raise _err(where, _join(path, unknown), "unknown key")
    for key in required:
        if key not in value:
            raise _err(where, _join(path, key), "required field missing")
    return value


def _list(value: Any, where: str, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _err(where, path, f"expected a list, got {_show(value)}")
    return value


def _text(
    value: Any,
    where: str,
    path: str,
    *,
    pattern: re.Pattern[str] | None = None,
    what: str = "",
    max_length: int = 200,
) -> str:
    if isinstance(value, _IntText) and pattern is not None:
        value = value.text  # an identifier written without quotes, e.g. +994501234567
    if not isinstance(value, str):
        raise _err(where, path, f"expected a string, got {_show(value)}")
    if pattern is not None:
        if not pattern.fullmatch(value):
            raise _err(where, path, f"not {what}: {value!r}")
        return value
    if not value.strip():
        raise _err(where, path, "must not be empty")
    if len(value) > max_length:
        raise _err(where, path, f"longer than {max_length} characters")
    if _HIDDEN_CHARS.search(value):
        raise _err(where, path, f"contains a control or direction character: {value!r}")
    return value


def _opt_text(value: Any, where: str, path: str, **kwargs: Any) -> str | None:
    return None if value is None else _text(value, where, path, **kwargs)


def _date(value: Any, where: str, path: str) -> date:
    if type(value) is date:
        return value
    if isinstance(value, datetime):
        raise _err(where, path, f"not a date (it has a time): '{value.isoformat()}'")
    if isinstance(value, str) and _DATE_TEXT.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _err(where, path, f"not a date: {_show(value)}")


def _opt_date(value: Any, where: str, path: str) -> date | None:
    return None if value is None else _date(value, where, path)


def _month(value: Any, where: str, path: str) -> date:
    if isinstance(value, str):
        found = _MONTH_TEXT.fullmatch(value)
        if found:
            return date(int(found[1]), int(found[2]), 1)
    raise _err(where, path, f"not a month (YYYY-MM): {_show(value)}")


def _decimal(value: Any, where: str, path: str, what: str) -> Decimal:
    if isinstance(value, bool):
        raise _err(where, path, f"not {what}: {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise _err(where, path, f"must not be negative: {_show(value)}")
        if value >= 10**12:
            raise _err(where, path, f"too large: {_show(value)}")
        return Decimal(int(value))
    if isinstance(value, float):
        raise _err(
            where,
            path,
            f"{value!r} is a float, which is not exact; write it as a string, e.g. '450.00'",
        )
    if isinstance(value, str):
        if _MONEY_TEXT.fullmatch(value):
            return Decimal(value)
        if value.startswith("-") and _MONEY_TEXT.fullmatch(value[1:]):
            raise _err(where, path, f"must not be negative: {value!r}")
    raise _err(where, path, f"not {what}: {_show(value)}")


def _money(value: Any, where: str, path: str) -> Decimal:
    return _decimal(value, where, path, "an amount of money")


def _int(value: Any, where: str, path: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _err(where, path, f"not an integer: {_show(value)}")
    if not low <= value <= high:
        raise _err(where, path, f"must be between {low} and {high}: {_show(value)}")
    return int(value)


def _bool(value: Any, where: str, path: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    raise _err(where, path, f"not true or false: {_show(value)}")


_E = TypeVar("_E", bound=StrEnum)


_ENUM_VALUES: dict[type[StrEnum], dict[str, StrEnum]] = {}


def _enum(value: Any, kind: type[_E], where: str, path: str) -> _E:
    values = _ENUM_VALUES.get(kind)
    if values is None:
        values = _ENUM_VALUES[kind] = {member.value: member for member in kind}
    found = values.get(value) if isinstance(value, str) else None
    if found is not None:
        return found  # type: ignore[return-value]  # the member of ``kind`` itself
    choices = ", ".join(member.value for member in kind)
    raise _err(where, path, f"not one of {choices}: {_show(value)}")


def _ordered(start: date, end: date | None, where: str, path: str, end_key: str) -> None:
    if end is not None and end < start:
        raise _err(where, _join(path, end_key), f"{end.isoformat()} is before {start.isoformat()}")


def _month_text(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


# --------------------------------------------------------------------------------------------
# the world format, field by field

_PERIOD_KEYS = frozenset({"from", "until"})
_DISABILITY_KEYS = frozenset({"percent", "group", "child", "until"})
_STUDY_KEYS = frozenset({"full_time", "institution", "from", "until"})
_CONTRACT_KEYS = frozenset({"employer_voen", "from", "until", "monthly_wage"})
_ENTREPRENEUR_KEYS = frozenset({"voen", "from", "until"})
_JOBSEEKER_KEYS = frozenset({"registered_on"})
_INCOME_KEYS = frozenset({"source", "monthly", "from", "until"})
_STREAM_KEYS = frozenset({"monthly", "from", "until"})
_PROPERTY_KEYS = frozenset({"id", "purpose", "address", "share", "acquired_on", "value"})
_VEHICLE_KEYS = frozenset({"plate", "kind", "role", "acquired_on", "value", "state_rehabilitation"})
_CROSSING_KEYS = frozenset({"exit", "entry", "country"})
_AGRICULTURE_KEYS = frozenset({"land_hectares", "livestock"})
_LIVESTOCK_KEYS = frozenset({"cattle", "small_ruminant", "pig", "bee_colony", "poultry"})
_TSA_KEYS = frozenset({"from", "until", "monthly"})
_MEMBER_REQUIRED = ("fin", "id_card", "first_name", "last_name", "birth_date", "sex", "relation")
_MEMBER_KEYS = frozenset(
    {
        *_MEMBER_REQUIRED,
        "patronymic",
        "citizenship",
        "phone",
        "email",
        "wanted",
        "died_on",
        "missing",
        "lives_abroad",
        "in_state_care",
        "imprisoned",
        "conscript",
        "disability",
        "student",
        "contracts",
        "entrepreneur",
        "jobseeker",
        "job_offers_refused",
        "income",
        "properties",
        "vehicles",
        "border_crossings",
        "telecom",
        "agriculture",
        "tsa_assignments",
        "false_information_found_on",
    }
)
_HOUSEHOLD_KEYS = frozenset({"id", "district", "address", "members", "utilities"})
_HOUSEHOLD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_UTILITY_KEYS = frozenset({"electricity", "gas", "water"})
_MAX_PERCENT = 100


def _period(value: Any, where: str, path: str) -> Period | None:
    if value is None:
        return None
    data = _mapping(value, where, path, _PERIOD_KEYS, ("from",))
    start = _date(data["from"], where, _join(path, "from"))
    end = _opt_date(data.get("until"), where, _join(path, "until"))
    _ordered(start, end, where, path, "until")
    return Period(start, end)


def _stream(data: Mapping[str, Any], where: str, path: str) -> tuple[Decimal, date, date]:
    monthly = _money(data["monthly"], where, _join(path, "monthly"))
    first = _month(data["from"], where, _join(path, "from"))
    last = _month(data["until"], where, _join(path, "until"))
    if last < first:
        raise _err(
            where,
            _join(path, "until"),
            f"{_month_text(last)} is before {_month_text(first)}",
        )
    return monthly, first, last


def _streams(value: Any, where: str, path: str) -> tuple[MonthlyStream, ...]:
    out = []
    for i, item in enumerate(_list(value, where, path)):
        item_path = f"{path}[{i}]"
        data = _mapping(item, where, item_path, _STREAM_KEYS, ("monthly", "from", "until"))
        out.append(MonthlyStream(*_stream(data, where, item_path)))
    return tuple(out)


def _income(value: Any, where: str, path: str) -> tuple[IncomeStream, ...]:
    out = []
    for i, item in enumerate(_list(value, where, path)):
        item_path = f"{path}[{i}]"
        data = _mapping(
            item, where, item_path, _INCOME_KEYS, ("source", "monthly", "from", "until")
        )
        source = _enum(data["source"], IncomeSource, where, _join(item_path, "source"))
        monthly, first, last = _stream(data, where, item_path)
        out.append(IncomeStream(monthly, first, last, source))
    return tuple(out)


def _disability(value: Any, where: str, path: str) -> Disability | None:
    if value is None:
        return None
    data = _mapping(value, where, path, _DISABILITY_KEYS, ("percent",))
    group = data.get("group")
    return Disability(
        percent=_int(data["percent"], where, _join(path, "percent"), 0, _MAX_PERCENT),
        group=None if group is None else _int(group, where, _join(path, "group"), 1, 3),
        child=_bool(data.get("child", False), where, _join(path, "child")),
        until=_opt_date(data.get("until"), where, _join(path, "until")),
    )


def _study(value: Any, where: str, path: str) -> Study | None:
    if value is None:
        return None
    data = _mapping(value, where, path, _STUDY_KEYS, ("full_time", "institution", "from"))
    start = _date(data["from"], where, _join(path, "from"))
    end = _opt_date(data.get("until"), where, _join(path, "until"))
    _ordered(start, end, where, path, "until")
    return Study(
        full_time=_bool(data["full_time"], where, _join(path, "full_time")),
        institution=_text(data["institution"], where, _join(path, "institution")),
        from_=start,
        until=end,
    )


def _contracts(value: Any, where: str, path: str) -> tuple[Contract, ...]:
    out = []
    for i, item in enumerate(_list(value, where, path)):
        p = f"{path}[{i}]"
        data = _mapping(item, where, p, _CONTRACT_KEYS, ("employer_voen", "from", "monthly_wage"))
        start = _date(data["from"], where, _join(p, "from"))
        end = _opt_date(data.get("until"), where, _join(p, "until"))
        _ordered(start, end, where, p, "until")
        out.append(
            Contract(
                employer_voen=_text(
                    data["employer_voen"],
                    where,
                    _join(p, "employer_voen"),
                    pattern=VOEN_PATTERN,
                    what="a VÖEN (10 digits)",
                ),
                from_=start,
                until=end,
                monthly_wage=_money(data["monthly_wage"], where, _join(p, "monthly_wage")),
            )
        )
    return tuple(out)


def _entrepreneur(value: Any, where: str, path: str) -> Entrepreneur | None:
    if value is None:
        return None
    data = _mapping(value, where, path, _ENTREPRENEUR_KEYS, ("voen", "from"))
    start = _date(data["from"], where, _join(path, "from"))
    end = _opt_date(data.get("until"), where, _join(path, "until"))
    _ordered(start, end, where, path, "until")
    voen = _text(
        data["voen"], where, _join(path, "voen"), pattern=VOEN_PATTERN, what="a VÖEN (10 digits)"
    )
    return Entrepreneur(voen, start, end)


def _jobseeker(value: Any, where: str, path: str) -> Jobseeker | None:
    if value is None:
        return None
    data = _mapping(value, where, path, _JOBSEEKER_KEYS, ("registered_on",))
    return Jobseeker(_date(data["registered_on"], where, _join(path, "registered_on")))


def _properties(value: Any, where: str, path: str) -> tuple[RealEstate, ...]:
    out = []
    for i, item in enumerate(_list(value, where, path)):
        p = f"{path}[{i}]"
        data = _mapping(item, where, p, _PROPERTY_KEYS, _PROPERTY_KEYS)
        share = _decimal(data["share"], where, _join(p, "share"), "a share")
        if not Decimal(0) < share <= Decimal(1):
            raise _err(where, _join(p, "share"), f"must be more than 0 and at most 1: {share}")
        out.append(
            RealEstate(
                id=_text(data["id"], where, _join(p, "id"), max_length=64),
                purpose=_enum(data["purpose"], PropertyPurpose, where, _join(p, "purpose")),
                address=_text(data["address"], where, _join(p, "address")),
                share=share,
                acquired_on=_date(data["acquired_on"], where, _join(p, "acquired_on")),
                value=_money(data["value"], where, _join(p, "value")),
            )
        )
    return tuple(out)


def _vehicles(value: Any, where: str, path: str) -> tuple[Vehicle, ...]:
    out = []
    for i, item in enumerate(_list(value, where, path)):
        p = f"{path}[{i}]"
        data = _mapping(
            item, where, p, _VEHICLE_KEYS, ("plate", "kind", "role", "acquired_on", "value")
        )
        out.append(
            Vehicle(
                plate=_text(
                    data["plate"],
                    where,
                    _join(p, "plate"),
                    pattern=PLATE_PATTERN,
                    what="a plate like 10-AB-123",
                ),
                kind=_enum(data["kind"], VehicleKind, where, _join(p, "kind")),
                role=_enum(data["role"], VehicleRole, where, _join(p, "role")),
                acquired_on=_date(data["acquired_on"], where, _join(p, "acquired_on")),
                value=_money(data["value"], where, _join(p, "value")),
                state_rehabilitation=_bool(
                    data.get("state_rehabilitation", False),
                    where,
                    _join(p, "state_rehabilitation"),
                ),
            )
        )
    return tuple(out)


def _crossings(value: Any, where: str, path: str) -> tuple[BorderCrossing, ...]:
    out = []
    for i, item in enumerate(_list(value, where, path)):
        p = f"{path}[{i}]"
        data = _mapping(item, where, p, _CROSSING_KEYS, ("exit", "country"))
        left = _date(data["exit"], where, _join(p, "exit"))
        back = _opt_date(data.get("entry"), where, _join(p, "entry"))
        _ordered(left, back, where, p, "entry")
        country = _text(
            data["country"],
            where,
            _join(p, "country"),
            pattern=COUNTRY_PATTERN,
            what="an ISO 3166 alpha-2 country code",
        )
        out.append(BorderCrossing(left, back, country))
    return tuple(out)


def _agriculture(value: Any, where: str, path: str) -> Agriculture | None:
    if value is None:
        return None
    data = _mapping(value, where, path, _AGRICULTURE_KEYS, ("land_hectares",))
    land = _decimal(data["land_hectares"], where, _join(path, "land_hectares"), "hectares")
    herd = data.get("livestock")
    if herd is None:
        return Agriculture(land)
    lp = _join(path, "livestock")
    counts = _mapping(herd, where, lp, _LIVESTOCK_KEYS)
    return Agriculture(
        land,
        Livestock(**{key: _int(counts[key], where, _join(lp, key), 0, 10**6) for key in counts}),
    )


def _tsa(value: Any, where: str, path: str) -> tuple[TsaAssignment, ...]:
    out = []
    for i, item in enumerate(_list(value, where, path)):
        p = f"{path}[{i}]"
        data = _mapping(item, where, p, _TSA_KEYS, _TSA_KEYS)
        start = _date(data["from"], where, _join(p, "from"))
        end = _date(data["until"], where, _join(p, "until"))
        _ordered(start, end, where, p, "until")
        out.append(TsaAssignment(start, end, _money(data["monthly"], where, _join(p, "monthly"))))
    return tuple(out)


def _dates(value: Any, where: str, path: str) -> tuple[date, ...]:
    return tuple(
        _date(item, where, f"{path}[{i}]") for i, item in enumerate(_list(value, where, path))
    )


def _country(value: Any, where: str, path: str) -> str | None:
    return _opt_text(
        value, where, path, pattern=COUNTRY_PATTERN, what="an ISO 3166 alpha-2 country code"
    )


def _phone(value: Any, where: str, path: str) -> str | None:
    what = "a +994 mobile number (+994, operator 10/50/51/55/60/70/77/99, 7 digits)"
    return _opt_text(value, where, path, pattern=PHONE_PATTERN, what=what)


def _email(value: Any, where: str, path: str) -> str | None:
    return _opt_text(value, where, path, pattern=EMAIL_PATTERN, what="an e-mail address")


def _patronymic(value: Any, where: str, path: str) -> str | None:
    return _opt_text(value, where, path, max_length=100)


# optional member fields: file key (= Member attribute) -> reader; absent ones keep defaults
_MEMBER_OPTIONAL: dict[str, Callable[[Any, str, str], Any]] = {
    "patronymic": _patronymic,
    "citizenship": _country,
    "phone": _phone,
    "email": _email,
    "wanted": _bool,
    "died_on": _opt_date,
    "missing": _bool,
    "lives_abroad": _bool,
    "in_state_care": _bool,
    "imprisoned": _period,
    "conscript": _period,
    "disability": _disability,
    "student": _study,
    "contracts": _contracts,
    "entrepreneur": _entrepreneur,
    "jobseeker": _jobseeker,
    "job_offers_refused": _dates,
    "income": _income,
    "properties": _properties,
    "vehicles": _vehicles,
    "border_crossings": _crossings,
    "telecom": _streams,
    "agriculture": _agriculture,
    "tsa_assignments": _tsa,
    "false_information_found_on": _opt_date,
}


def _member(data: Mapping[str, Any], where: str, fin: str) -> Member:
    fields: dict[str, Any] = {
        "fin": fin,
        "id_card": _text(
            data["id_card"],
            where,
            "id_card",
            pattern=ID_CARD_PATTERN,
            what="an ID card number (AA and 7 digits)",
        ),
        "first_name": _text(data["first_name"], where, "first_name", max_length=100),
        "last_name": _text(data["last_name"], where, "last_name", max_length=100),
        "birth_date": _date(data["birth_date"], where, "birth_date"),
        "sex": _enum(data["sex"], Sex, where, "sex"),
        "relation": _enum(data["relation"], Relation, where, "relation"),
    }
    for key, value in data.items():
        read = _MEMBER_OPTIONAL.get(key)
        if read is not None:
            fields[key] = read(value, where, key)
    died = fields.get("died_on")
    birth = fields["birth_date"]
    if died is not None and died < birth:
        raise _err(where, "died_on", f"{died.isoformat()} is before birth_date {birth.isoformat()}")
    return Member(**fields)


def _utilities(value: Any, where: str) -> Utilities:
    if value is None:
        return Utilities()
    data = _mapping(value, where, "utilities", _UTILITY_KEYS)
    return Utilities(
        electricity=_streams(data.get("electricity"), where, "utilities.electricity"),
        gas=_streams(data.get("gas"), where, "utilities.gas"),
        water=_streams(data.get("water"), where, "utilities.water"),
    )


class _Seen:
    """Identifiers already used in the world, with where they were first used."""

    __slots__ = ("addresses", "fins", "household_ids", "id_cards")

    def __init__(self) -> None:
        self.household_ids: dict[str, str] = {}
        self.addresses: dict[str, str] = {}
        self.fins: dict[str, str] = {}
        self.id_cards: dict[str, str] = {}


def _household(index: int, value: Any, seen: _Seen) -> Household:
    where = f"households[{index}]"
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        where = f"{where} ({value['id']})"
    data = _mapping(value, where, "", _HOUSEHOLD_KEYS, ("id", "district", "address", "members"))
    household_id = _text(
        data["id"],
        where,
        "id",
        pattern=_HOUSEHOLD_ID,
        what="a household id (letters, digits, '-', '_', '.'; at most 64)",
    )
    if household_id in seen.household_ids:
        raise _err(where, "id", f"already used by {seen.household_ids[household_id]}")
    seen.household_ids[household_id] = where
    district = _text(data["district"], where, "district", max_length=100)
    address = _text(data["address"], where, "address")
    if address in seen.addresses:
        raise _err(
            where,
            "address",
            f"already the address of {seen.addresses[address]} (a household is the people "
            "behind one set of meters)",
        )
    seen.addresses[address] = where
    raw_members = _list(data["members"], where, "members")
    if not raw_members:
        raise _err(where, "members", "a household has at least one member")
    members = []
    heads = 0
    for j, raw in enumerate(raw_members):
        member_where = f"{where} members[{j}]"
        fin_value = raw.get("fin") if isinstance(raw, dict) else None
        fin_text = fin_value.text if isinstance(fin_value, _IntText) else fin_value
        if isinstance(fin_text, str) and FIN_PATTERN.fullmatch(fin_text):
            member_where = f"{member_where} ({fin_text})"
        fields = _mapping(raw, member_where, "", _MEMBER_KEYS, _MEMBER_REQUIRED)
        fin = _text(
            fields["fin"],
            member_where,
            "fin",
            pattern=FIN_PATTERN,
            what="a FIN (7 characters: digits and capitals without I and O)",
        )
        if fin in seen.fins:
            raise _err(member_where, "fin", f"already a member of {seen.fins[fin]}")
        seen.fins[fin] = where
        member = _member(fields, member_where, fin)
        if member.id_card in seen.id_cards:
            raise _err(member_where, "id_card", f"already used by {seen.id_cards[member.id_card]}")
        seen.id_cards[member.id_card] = member_where
        if member.relation is Relation.HEAD:
            heads += 1
            if heads > 1:
                raise _err(member_where, "relation", "a household has at most one head")
        members.append(member)
    return Household(
        id=household_id,
        district=district,
        address=address,
        members=tuple(members),
        utilities=_utilities(data.get("utilities"), where),
    )


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building millions of acyclic objects (a large
    world), which otherwise rescans them again and again; restored afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _world(data: Any) -> World:
    top = _mapping(data, "", "", frozenset({"households"}), ("households",))
    seen = _Seen()
    households = tuple(
        _household(i, item, seen)
        for i, item in enumerate(_list(top["households"], "", "households"))
    )
    return World(households)


# --------------------------------------------------------------------------------------------
# public API


def parse_world(text: str | bytes, *, fmt: Format | None = None) -> World:
    """Parse and validate a world file's content (YAML or JSON; ``fmt=None`` sniffs: content
    starting with ``{`` is JSON). Raises :class:`WorldError` naming the place of the first
    problem."""
    if fmt is None:
        head = (
            text[:64].lstrip()
            if isinstance(text, str)
            else text[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
        )
        starts_json = head.startswith("{") if isinstance(head, str) else head.startswith(b"{")
        fmt = "json" if starts_json else "yaml"
    if fmt not in ("json", "yaml"):
        raise ValueError(f"unknown world file format {fmt!r}")
    with paused_gc():
        data = _read_json(text) if fmt == "json" else _read_yaml(text)
        return _world(data)


def load_world(path: str | Path) -> World:
    """Read and validate a world file; ``.json`` files are JSON, anything else is sniffed."""
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise WorldError(f"{path}: cannot read: {exc.strerror}") from None
    fmt: Format | None = "json" if path.suffix.lower() == ".json" else None
    if fmt is None and path.suffix.lower() in {".yaml", ".yml"}:
        fmt = "yaml"
    try:
        return parse_world(content, fmt=fmt)
    except WorldError as exc:
        raise WorldError(f"{path}: {exc}") from None


# writing: plain data (dates as ``date``, money and months as strings), then YAML or JSON


def _period_data(period: Period) -> dict[str, Any]:
    return {"from": period.from_, "until": period.until}


def _stream_data(stream: MonthlyStream) -> dict[str, Any]:
    return {
        "monthly": str(stream.monthly),
        "from": _month_text(stream.from_month),
        "until": _month_text(stream.until_month),
    }


def _member_data(m: Member) -> dict[str, Any]:
    d: dict[str, Any] = {
        "fin": m.fin,
        "id_card": m.id_card,
        "first_name": m.first_name,
        "last_name": m.last_name,
    }
    if m.patronymic is not None:
        d["patronymic"] = m.patronymic
    d["birth_date"] = m.birth_date
    d["sex"] = m.sex.value
    d["citizenship"] = m.citizenship
    d["relation"] = m.relation.value
    if m.phone is not None:
        d["phone"] = m.phone
    if m.email is not None:
        d["email"] = m.email
    if m.wanted:
        d["wanted"] = True
    if m.died_on is not None:
        d["died_on"] = m.died_on
    if m.missing:
        d["missing"] = True
    if m.lives_abroad:
        d["lives_abroad"] = True
    if m.in_state_care:
        d["in_state_care"] = True
    if m.imprisoned is not None:
        d["imprisoned"] = _period_data(m.imprisoned)
    if m.conscript is not None:
        d["conscript"] = _period_data(m.conscript)
    if m.disability is not None:
        x = m.disability
        d["disability"] = {
            "percent": x.percent,
            "group": x.group,
            "child": x.child,
            "until": x.until,
        }
    if m.student is not None:
        s = m.student
        d["student"] = {
            "full_time": s.full_time,
            "institution": s.institution,
            "from": s.from_,
            "until": s.until,
        }
    if m.contracts:
        d["contracts"] = [
            {
                "employer_voen": c.employer_voen,
                "from": c.from_,
                "until": c.until,
                "monthly_wage": str(c.monthly_wage),
            }
            for c in m.contracts
        ]
    if m.entrepreneur is not None:
        e = m.entrepreneur
        d["entrepreneur"] = {"voen": e.voen, "from": e.from_, "until": e.until}
    if m.jobseeker is not None:
        d["jobseeker"] = {"registered_on": m.jobseeker.registered_on}
    if m.job_offers_refused:
        d["job_offers_refused"] = list(m.job_offers_refused)
    if m.income:
        d["income"] = [{"source": i.source.value, **_stream_data(i)} for i in m.income]
    if m.properties:
        d["properties"] = [
            {
                "id": p.id,
                "purpose": p.purpose.value,
                "address": p.address,
                "share": str(p.share),
                "acquired_on": p.acquired_on,
                "value": str(p.value),
            }
            for p in m.properties
        ]
    if m.vehicles:
        d["vehicles"] = [
            {
                "plate": v.plate,
                "kind": v.kind.value,
                "role": v.role.value,
                "acquired_on": v.acquired_on,
                "value": str(v.value),
                "state_rehabilitation": v.state_rehabilitation,
            }
            for v in m.vehicles
        ]
    if m.border_crossings:
        d["border_crossings"] = [
            {"exit": b.exit, "entry": b.entry, "country": b.country} for b in m.border_crossings
        ]
    if m.telecom:
        d["telecom"] = [_stream_data(t) for t in m.telecom]
    if m.agriculture is not None:
        a = m.agriculture
        herd = a.livestock
        d["agriculture"] = {
            "land_hectares": str(a.land_hectares),
            "livestock": {
                "cattle": herd.cattle,
                "small_ruminant": herd.small_ruminant,
                "pig": herd.pig,
                "bee_colony": herd.bee_colony,
                "poultry": herd.poultry,
            },
        }
    if m.tsa_assignments:
        d["tsa_assignments"] = [
            {"from": t.from_, "until": t.until, "monthly": str(t.monthly)}
            for t in m.tsa_assignments
        ]
    if m.false_information_found_on is not None:
        d["false_information_found_on"] = m.false_information_found_on
    return d


def _household_data(h: Household) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": h.id,
        "district": h.district,
        "address": h.address,
        "members": [_member_data(m) for m in h.members],
    }
    u = h.utilities
    utilities = {
        key: [_stream_data(s) for s in streams]
        for key, streams in (("electricity", u.electricity), ("gas", u.gas), ("water", u.water))
        if streams
    }
    if utilities:
        d["utilities"] = utilities
    return d


def world_to_data(world: World) -> dict[str, Any]:
    """The world as plain data (dicts, lists, strings, ints, bools, ``date``), in file order."""
    return {"households": [_household_data(h) for h in world.households]}


# YAML is written by hand rather than through PyYAML's representer, which is ten times slower on
# large worlds. The subset used: block mappings and sequences, flow collections for leaves, plain
# scalars only where every YAML reader (1.1 and 1.2) reads them back as the same string, and JSON
# double-quoted strings (valid YAML double-quoted scalars) everywhere else.
_PLAIN_BLOCK = re.compile(r"[^\W\d_][\w .,'()/-]*(?<! )")
_PLAIN_FLOW = re.compile(r"[^\W\d_][\w .'()/-]*(?<! )")
_YAML_BLOCK_ITEMS = frozenset({"households", "members"})  # one field per line, always
_YAML_WORDS = frozenset({"y", "yes", "n", "no", "true", "false", "on", "off", "null"})


def _yaml_scalar(value: Any, flow: bool) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    plain = _PLAIN_FLOW if flow else _PLAIN_BLOCK
    if plain.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    return orjson.dumps(text).decode("utf-8")


def _yaml_leaf(value: Any) -> bool:
    items = value.values() if isinstance(value, dict) else value
    return not any(isinstance(item, dict | list) for item in items)


def _yaml_flow(value: dict[str, Any] | list[Any]) -> str:
    if isinstance(value, dict):
        inner = ", ".join(f"{key}: {_yaml_scalar(item, True)}" for key, item in value.items())
        return "{" + inner + "}"
    return "[" + ", ".join(_yaml_scalar(item, True) for item in value) + "]"


def _yaml_mapping(out: list[str], data: dict[str, Any], indent: str, first: str) -> None:
    prefix = first
    for key, value in data.items():
        if isinstance(value, list) and value and key in _YAML_BLOCK_ITEMS:
            out.append(f"{prefix}{key}:\n")
            _yaml_sequence(out, value, indent, block=True)
        elif isinstance(value, dict | list) and not _yaml_leaf(value):
            out.append(f"{prefix}{key}:\n")
            if isinstance(value, dict):
                _yaml_mapping(out, value, indent + "  ", indent + "  ")
            else:
                _yaml_sequence(out, value, indent)
        elif isinstance(value, dict | list):
            out.append(f"{prefix}{key}: {_yaml_flow(value)}\n")
        else:
            out.append(f"{prefix}{key}: {_yaml_scalar(value, False)}\n")
        prefix = indent


def _yaml_sequence(out: list[str], items: list[Any], indent: str, block: bool = False) -> None:
    for item in items:
        if isinstance(item, dict | list) and _yaml_leaf(item) and not block:
            out.append(f"{indent}- {_yaml_flow(item)}\n")
        elif isinstance(item, dict):
            _yaml_mapping(out, item, indent + "  ", indent + "- ")
        elif isinstance(item, list):  # pragma: no cover - the format has no lists of lists
            raise TypeError("nested lists are not part of the world format")
        else:
            out.append(f"{indent}- {_yaml_scalar(item, False)}\n")


def _yaml_chunks(households: Iterable[Household]) -> Iterator[str]:
    empty = True
    for household in households:
        if empty:
            yield "households:\n"
            empty = False
        out: list[str] = []
        _yaml_mapping(out, _household_data(household), "  ", "- ")
        yield "".join(out)
    if empty:
        yield "households: []\n"


def _json_chunks(households: Iterable[Household]) -> Iterator[bytes]:
    yield b'{"households":['
    separator = b""
    for household in households:
        yield separator + orjson.dumps(_household_data(household))
        separator = b","
    yield b"]}"


def world_to_yaml(world: World) -> str:
    """The world as a YAML world file (Azerbaijani letters kept as they are)."""
    return "".join(_yaml_chunks(world.households))


def world_to_json(world: World) -> bytes:
    """The world as a JSON world file (UTF-8 bytes, dates ``YYYY-MM-DD``, money as strings)."""
    return b"".join(_json_chunks(world.households))


def write_world(households: Iterable[Household], out: BinaryIO, *, fmt: Format = "yaml") -> None:
    """Write households as a world file to a binary stream, one household at a time, so that a
    large generated world need not be held in memory (the bytes are those of
    :func:`world_to_yaml` encoded as UTF-8, or of :func:`world_to_json`)."""
    if fmt == "json":
        for chunk in _json_chunks(households):
            out.write(chunk)
    elif fmt == "yaml":
        for text in _yaml_chunks(households):
            out.write(text.encode("utf-8"))
    else:
        raise ValueError(f"unknown world file format {fmt!r}")
