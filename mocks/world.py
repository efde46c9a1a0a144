"""The mock world: households, their members and every fact any agency holds about them.

This module is the *model* only (frozen dataclasses mirroring the world file format of
``shared/docs/agencies.md``). Loading and validating a world file lives in
``mocks/world_io.py``; generating worlds in ``mocks/generate.py``. Each mock agency reads its own
view of a :class:`World`.

Months (income streams, charges) are represented as the first day of the month (``date``); the
file writes them ``YYYY-MM``. Ranges of months and periods are inclusive. ``until=None`` means
open-ended.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Sex(StrEnum):
    F = "F"
    M = "M"


class Relation(StrEnum):
    HEAD = "head"
    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"
    SIBLING = "sibling"
    GRANDCHILD = "grandchild"
    OTHER = "other"
    GUARDIAN = "guardian"


class IncomeSource(StrEnum):
    WAGE = "wage"
    ENTREPRENEUR = "entrepreneur"
    RENT = "rent"
    PENSION = "pension"
    BENEFIT = "benefit"
    UNEMPLOYMENT_INSURANCE = "unemployment_insurance"
    SCHOLARSHIP = "scholarship"
    ALIMONY = "alimony"
    CREDIT = "credit"
    LIBERATED_TERRITORIES_BENEFIT = "liberated_territories_benefit"
    TSA = "tsa"


class PropertyPurpose(StrEnum):
    RESIDENTIAL = "residential"
    NON_RESIDENTIAL = "non_residential"
    GARDEN = "garden"
    LAND = "land"


class VehicleKind(StrEnum):
    CAR = "car"
    MOTORCYCLE = "motorcycle"
    TRUCK = "truck"
    BUS = "bus"
    TRACTOR = "tractor"


class VehicleRole(StrEnum):
    OWNER = "owner"
    USER = "user"


class UtilityKind(StrEnum):
    ELECTRICITY = "electricity"
    GAS = "gas"
    WATER = "water"


def month_range(first: date, last: date) -> Iterator[date]:
    """Yield the first day of every month from ``first`` to ``last`` inclusive."""
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield date(year, month, 1)
        month += 1
        if month == 13:
            year, month = year + 1, 1


@dataclass(frozen=True, slots=True)
class Period:
    """An inclusive date range; ``until=None`` is open-ended."""

    from_: date
    until: date | None = None

    def covers(self, day: date) -> bool:
        return self.from_ <= day and (self.until is None or day <= self.until)


@dataclass(frozen=True, slots=True)
class MonthlyStream:
    """A constant monthly amount over an inclusive range of months (first days of months)."""

    monthly: Decimal
    from_month: date
    until_month: date

    def amount_in(self, month: date) -> Decimal:
        first = month.replace(day=1)
        if self.from_month <= first <= self.until_month:
            return self.monthly
        return Decimal("0")


@dataclass(frozen=True, slots=True)
class IncomeStream(MonthlyStream):
    source: IncomeSource = IncomeSource.WAGE


@dataclass(frozen=True, slots=True)
class Disability:
    percent: int
    group: int | None = None
    child: bool = False
    until: date | None = None


@dataclass(frozen=True, slots=True)
class Study:
    full_time: bool
    institution: str
    from_: date
    until: date | None = None


@dataclass(frozen=True, slots=True)
class Contract:
    employer_voen: str
    from_: date
    until: date | None
    monthly_wage: Decimal


@dataclass(frozen=True, slots=True)
class Entrepreneur:
    voen: str
    from_: date
    until: date | None = None


@dataclass(frozen=True, slots=True)
class Jobseeker:
    registered_on: date


@dataclass(frozen=True, slots=True)
class RealEstate:
    id: str
    purpose: PropertyPurpose
    address: str
    share: Decimal
    acquired_on: date
    value: Decimal


@dataclass(frozen=True, slots=True)
class Vehicle:
    plate: str
    kind: VehicleKind
    role: VehicleRole
    acquired_on: date
    value: Decimal
    state_rehabilitation: bool = False


@dataclass(frozen=True, slots=True)
class BorderCrossing:
    exit: date
    entry: date | None
    country: str


@dataclass(frozen=True, slots=True)
class Livestock:
    cattle: int = 0
    small_ruminant: int = 0
    pig: int = 0
    bee_colony: int = 0
    poultry: int = 0


@dataclass(frozen=True, slots=True)
class Agriculture:
    land_hectares: Decimal
    livestock: Livestock = field(default_factory=Livestock)


@dataclass(frozen=True, slots=True)
class TsaAssignment:
    from_: date
    until: date
    monthly: Decimal


@dataclass(frozen=True, slots=True)
class Member:
    fin: str
    id_card: str
    first_name: str
    last_name: str
    birth_date: date
    sex: Sex
    relation: Relation
    patronymic: str | None = None
    citizenship: str | None = "AZ"
    phone: str | None = None
    email: str | None = None
    wanted: bool = False
    died_on: date | None = None
    missing: bool = False
    lives_abroad: bool = False
    in_state_care: bool = False
    imprisoned: Period | None = None
    conscript: Period | None = None
    disability: Disability | None = None
    student: Study | None = None
    contracts: tuple[Contract, ...] = ()
    entrepreneur: Entrepreneur | None = None
    jobseeker: Jobseeker | None = None
    job_offers_refused: tuple[date, ...] = ()
    income: tuple[IncomeStream, ...] = ()
    properties: tuple[RealEstate, ...] = ()
    vehicles: tuple[Vehicle, ...] = ()
    border_crossings: tuple[BorderCrossing, ...] = ()
    telecom: tuple[MonthlyStream, ...] = ()
    agriculture: Agriculture | None = None
    tsa_assignments: tuple[TsaAssignment, ...] = ()
    false_information_found_on: date | None = None


@dataclass(frozen=True, slots=True)
class Utilities:
    electricity: tuple[MonthlyStream, ...] = ()
    gas: tuple[MonthlyStream, ...] = ()
    water: tuple[MonthlyStream, ...] = ()

    def of(self, kind: UtilityKind) -> tuple[MonthlyStream, ...]:
        return {
            UtilityKind.ELECTRICITY: self.electricity,
            UtilityKind.GAS: self.gas,
            UtilityKind.WATER: self.water,
        }[kind]


@dataclass(frozen=True, slots=True)
class Household:
    id: str
    district: str
    address: str
    members: tuple[Member, ...]
    utilities: Utilities = field(default_factory=Utilities)


@dataclass(slots=True)
class World:
    """A set of households with lookups by household id and by FIN (built once)."""

    households: tuple[Household, ...]
    _by_id: dict[str, Household] = field(init=False, repr=False)
    _by_fin: dict[str, tuple[Household, Member]] = field(init=False, repr=False)
    _by_address: dict[str, Household] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {h.id: h for h in self.households}
        self._by_fin = {m.fin: (h, m) for h in self.households for m in h.members}
        self._by_address = {h.address: h for h in self.households}

    def household(self, household_id: str) -> Household | None:
        return self._by_id.get(household_id)

    def household_of(self, fin: str) -> Household | None:
        found = self._by_fin.get(fin)
        return found[0] if found else None

    def member(self, fin: str) -> Member | None:
        found = self._by_fin.get(fin)
        return found[1] if found else None

    def household_at(self, address: str) -> Household | None:
        return self._by_address.get(address)

    def merged(self, other: World) -> World:
        """This world with ``other``'s households added or replacing ones with the same id."""
        replaced = {h.id: h for h in self.households}
        for h in other.households:
            replaced[h.id] = h
        return World(tuple(replaced.values()))
