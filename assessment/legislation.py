"""Legislation parameters by date: strict loading, lookup, and the snapshot the rules read.

One YAML file per parameter lives in ``assessment/parameters/`` (the model is openfisca's
country template)::

    description: Need criterion, per person per month
    unit: AZN
    reference: Law "On the need criterion for year N" (yearly)
    status: confirmed            # or assumed: no public source, a project choice
    note: optional free text     # e.g. which in-force day is assumed
    values:
      2025-01-01: "285.00"
      2026-01-01: "300.00"

The value in force on a day is the one with the latest date not after it; before the first
date, or after a ``null`` (repeal), lookup raises :class:`ParameterNotInForce`.

Loading is strict and happens once, at start-up (:func:`load_legislation`): duplicate keys,
unknown keys, bad dates, a missing unit or reference, a unit other than the one the rules
expect, money or ratios that are not quoted decimal strings, an unknown or missing parameter
file are all refused with :class:`ParameterFileError`, naming the file and the key.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

PARAMETERS_DIR = Path(__file__).with_name("parameters")

V = TypeVar("V", Decimal, int, bool)


class Unit(StrEnum):
    """The closed set of units; the unit decides how a value is written and read."""

    AZN = "AZN"  # money: a quoted decimal string, e.g. "300.00"
    RATIO = "ratio"  # a quoted decimal string, e.g. "0.15"
    MONTHS = "months"  # an integer
    YEARS = "years"  # an integer
    PERCENT = "percent"  # an integer
    WORKING_DAYS = "working_days"  # an integer
    COUNT = "count"  # an integer
    BOOLEAN = "boolean"  # true or false


class Status(StrEnum):
    """Whether a value is confirmed by a public source or assumed by the project."""

    CONFIRMED = "confirmed"
    ASSUMED = "assumed"


_DECIMAL_UNITS = frozenset({Unit.AZN, Unit.RATIO})
_INTEGER_UNITS = frozenset({Unit.MONTHS, Unit.YEARS, Unit.PERCENT, Unit.WORKING_DAYS, Unit.COUNT})
_DECIMAL_TEXT = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_REQUIRED_KEYS = ("description", "unit", "reference", "status", "values")
_OPTIONAL_KEYS = ("note",)


class ParameterFileError(ValueError):
    """A parameter file that the strict loader refuses; names the file and the key."""

    def __init__(self, file: str, key: str, problem: str) -> None:
        super().__init__(f"{file}: {key}: {problem}")
        self.file = file
        self.key = key
        self.problem = problem


class ParameterNotInForce(LookupError):
    """Lookup of a parameter on a day before its first value, or after its repeal."""

    def __init__(self, name: str, day: date) -> None:
        super().__init__(f"parameter {name!r} has no value in force on {day.isoformat()}")
        self.name = name
        self.day = day


@dataclass(frozen=True, slots=True)
class ParameterValue(Generic[V]):
    """One parameter's value in force on a day, with what a decision cites about it."""

    name: str
    value: V
    in_force_from: date
    status: Status
    unit: Unit
    reference: str


@dataclass(frozen=True, slots=True)
class Parameter:
    """A parameter's whole history: values keyed by the date from which each is in force."""

    name: str
    description: str
    unit: Unit
    reference: str
    status: Status
    note: str | None
    # (in force from, value or None for a repeal), sorted by date
    values: tuple[tuple[date, Decimal | int | bool | None], ...]
    _dates: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_dates", tuple(d for d, _ in self.values))

    def in_force(self, day: date) -> ParameterValue[Any] | None:
        """The value in force on ``day``, or ``None`` before the first value or after a repeal."""
        index = bisect_right(self._dates, day) - 1
        if index < 0:
            return None
        since, value = self.values[index]
        if value is None:
            return None
        return ParameterValue(self.name, value, since, self.status, self.unit, self.reference)

    def at(self, day: date) -> ParameterValue[Any]:
        """The value in force on ``day``; raises :class:`ParameterNotInForce` when there is none."""
        found = self.in_force(day)
        if found is None:
            raise ParameterNotInForce(self.name, day)
        return found


@dataclass(frozen=True, slots=True)
class Parameters:
    """A frozen snapshot of every parameter on one day: what the rules read, and nothing else."""

    on: date
    need_criterion: ParameterValue[Decimal]
    living_wage: ParameterValue[Decimal]
    utility_cap_share: ParameterValue[Decimal]
    purchases_limit_multiple: ParameterValue[Decimal]
    assignment_period_months: ParameterValue[int]
    income_window_months: ParameterValue[int]
    decision_deadline_working_days: ParameterValue[int]
    job_offers_refused_limit: ParameterValue[int]
    job_offers_reapply_months: ParameterValue[int]
    false_information_ban_months: ParameterValue[int]
    carer_child_age: ParameterValue[int]
    carer_disabled_child_age: ParameterValue[int]
    carer_severe_impairment_percent: ParameterValue[int]
    student_age: ParameterValue[int]
    working_age: ParameterValue[int]
    pension_age: ParameterValue[int]
    farm_income_per_hectare: ParameterValue[Decimal]
    farm_income_per_cattle: ParameterValue[Decimal]
    farm_income_per_small_ruminant: ParameterValue[Decimal]
    farm_income_per_pig: ParameterValue[Decimal]
    farm_income_per_bee_colony: ParameterValue[Decimal]
    farm_income_per_poultry: ParameterValue[Decimal]
    credit_counted_as_income: ParameterValue[bool]
    liberated_territories_benefit_excluded: ParameterValue[bool]
    # A benefit that did not exist before its first date: None then, not an error.
    child_under_one_supplement: ParameterValue[Decimal] | None


# The unit each parameter must have: the rules rely on it for the value's type.
EXPECTED_UNITS: dict[str, Unit] = {
    "need_criterion": Unit.AZN,
    "living_wage": Unit.AZN,
    "utility_cap_share": Unit.RATIO,
    "purchases_limit_multiple": Unit.RATIO,
    "assignment_period_months": Unit.MONTHS,
    "income_window_months": Unit.MONTHS,
    "decision_deadline_working_days": Unit.WORKING_DAYS,
    "job_offers_refused_limit": Unit.COUNT,
    "job_offers_reapply_months": Unit.MONTHS,
    "false_information_ban_months": Unit.MONTHS,
    "carer_child_age": Unit.YEARS,
    "carer_disabled_child_age": Unit.YEARS,
    "carer_severe_impairment_percent": Unit.PERCENT,
    "student_age": Unit.YEARS,
    "working_age": Unit.YEARS,
    "pension_age": Unit.YEARS,
    "farm_income_per_hectare": Unit.AZN,
    "farm_income_per_cattle": Unit.AZN,
    "farm_income_per_small_ruminant": Unit.AZN,
    "farm_income_per_pig": Unit.AZN,
    "farm_income_per_bee_colony": Unit.AZN,
    "farm_income_per_poultry": Unit.AZN,
    "credit_counted_as_income": Unit.BOOLEAN,
    "liberated_territories_benefit_excluded": Unit.BOOLEAN,
    "child_under_one_supplement": Unit.AZN,
}
_OPTIONAL_IN_SNAPSHOT = frozenset({"child_under_one_supplement"})


@dataclass(frozen=True, slots=True)
class Legislation:
    """Every parameter, loaded and checked; :meth:`on` gives the snapshot for a day."""

    parameters: tuple[Parameter, ...]
    digest: str  # sha256 over the parameter files' bytes, in name order
    _by_name: dict[str, Parameter] = field(init=False, repr=False, compare=False)
    _snapshots: dict[date, Parameters] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {p.name: p for p in self.parameters})
        object.__setattr__(self, "_snapshots", {})

    def parameter(self, name: str) -> Parameter:
        """The parameter called ``name`` (a :class:`KeyError` for an unknown name)."""
        return self._by_name[name]

    def on(self, day: date) -> Parameters:
        """The snapshot of all parameters in force on ``day`` (memoised: it is pure)."""
        snapshot = self._snapshots.get(day)
        if snapshot is None:
            values: dict[str, Any] = {}
            for name, parameter in self._by_name.items():
                if name in _OPTIONAL_IN_SNAPSHOT:
                    values[name] = parameter.in_force(day)
                else:
                    values[name] = parameter.at(day)
            snapshot = Parameters(on=day, **values)
            self._snapshots[day] = snapshot
        return snapshot


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys and reads dates as text (checked by us)."""


# Dates are parsed by the loader below, so that a bad one is reported with its key.
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise _DuplicateKey(str(key), key_node.start_mark.line + 1)
        seen.add(key)
    return loader.construct_mapping(node)


class _DuplicateKey(Exception):
    def __init__(self, key: str, line: int) -> None:
        super().__init__(key)
        self.key = key
        self.line = line


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_value(file: str, key: str, unit: Unit, raw: object) -> Decimal | int | bool | None:
    if raw is None:
        return None
    if unit in _DECIMAL_UNITS:
        if not isinstance(raw, str) or not _DECIMAL_TEXT.match(raw):
            raise ParameterFileError(
                file, key, f"{unit.value} must be a quoted decimal string, got {raw!r}"
            )
        return Decimal(raw)
    if unit in _INTEGER_UNITS:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ParameterFileError(file, key, f"{unit.value} must be an integer, got {raw!r}")
        return raw
    if not isinstance(raw, bool):
        raise ParameterFileError(file, key, f"boolean must be true or false, got {raw!r}")
    return raw


def _read_date(file: str, key: object) -> date:
    text = str(key)
    if not isinstance(key, str) or not _ISO_DATE.match(text):
        raise ParameterFileError(file, f"values.{text}", "not a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ParameterFileError(file, f"values.{text}", f"not a date: {exc}") from exc


def _read_text(file: str, document: dict[str, Any], key: str) -> str:
    value = document.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ParameterFileError(file, key, "missing or empty")
    return value


def load_parameter(path: Path) -> Parameter:
    """Read and check one parameter file; its name is the file's stem."""
    file = path.name
    name = path.stem
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # noqa: S506
    except _DuplicateKey as exc:
        raise ParameterFileError(file, exc.key, f"duplicate key (line {exc.line})") from None
    except yaml.YAMLError as exc:
        raise ParameterFileError(file, "-", f"not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise ParameterFileError(file, "-", "must be a mapping")
    for key in document:
        if key not in _REQUIRED_KEYS and key not in _OPTIONAL_KEYS:
            raise ParameterFileError(file, str(key), "unknown key")
    description = _read_text(file, document, "description")
    unit_text = _read_text(file, document, "unit")
    reference = _read_text(file, document, "reference")
    status_text = _read_text(file, document, "status")
    note = document.get("note")
    if note is not None and not isinstance(note, str):
        raise ParameterFileError(file, "note", "must be text")
    if name not in EXPECTED_UNITS:
        raise ParameterFileError(file, "-", f"unknown parameter {name!r}")
    try:
        unit = Unit(unit_text)
    except ValueError:
        raise ParameterFileError(file, "unit", f"unknown unit {unit_text!r}") from None
    if unit is not EXPECTED_UNITS[name]:
        raise ParameterFileError(
            file, "unit", f"must be {EXPECTED_UNITS[name].value}, the unit the rules read"
        )
    try:
        status = Status(status_text)
    except ValueError:
        raise ParameterFileError(file, "status", "must be confirmed or assumed") from None
    raw_values = document.get("values")
    if not isinstance(raw_values, dict) or not raw_values:
        raise ParameterFileError(file, "values", "must be a non-empty mapping of date to value")
    values: list[tuple[date, Decimal | int | bool | None]] = []
    for key, raw in raw_values.items():
        since = _read_date(file, key)
        values.append((since, _read_value(file, f"values.{key}", unit, raw)))
    values.sort(key=lambda pair: pair[0])
    if values[0][1] is None:
        raise ParameterFileError(file, f"values.{values[0][0]}", "the first value cannot be null")
    return Parameter(name, description, unit, reference, status, note, tuple(values))


def load_legislation(directory: Path = PARAMETERS_DIR) -> Legislation:
    """Load every ``*.yaml`` file in ``directory``; refuse any file or parameter problem."""
    paths = sorted(directory.glob("*.yaml"))
    parameters = tuple(load_parameter(path) for path in paths)
    names = {p.name for p in parameters}
    for name in sorted(EXPECTED_UNITS):
        if name not in names:
            raise ParameterFileError(f"{name}.yaml", "-", "missing parameter file")
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return Legislation(parameters, digest.hexdigest())


@cache
def default_legislation() -> Legislation:
    """The project's parameters, loaded once per process (call it at start-up)."""
    return load_legislation()
