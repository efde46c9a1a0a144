"""Typed domain records the adapters return (frozen dataclasses; never raw JSON or zeep objects).

Resolvers read these, the schema exposes them, and `resolvers/facts.py` turns them into the
assessment engine's facts. Months are the first day of the month. Money is ``Decimal``.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    COMMUNICATION = "communication"  # telecom operators


# --- population -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonRecord:
    fin: str
    id_card: str
    first_name: str
    last_name: str
    patronymic: str | None
    birth_date: date
    sex: Sex
    citizenship: str | None
    address: str
    wanted: bool
    died_on: date | None


@dataclass(frozen=True, slots=True)
class FamilyMemberRecord:
    fin: str
    relation: Relation


@dataclass(frozen=True, slots=True)
class FamilyRecord:
    household_id: str
    district: str
    address: str
    members: tuple[FamilyMemberRecord, ...]


# --- tax, social insurance, employment, education, justice: money by month --------------------


@dataclass(frozen=True, slots=True)
class MonthlyIncomeRecord:
    fin: str
    month: date
    source: IncomeSource
    amount: Decimal


@dataclass(frozen=True, slots=True)
class TaxpayerRecord:
    fin: str
    voen: str
    entrepreneur: bool
    registered_from: date
    registered_until: date | None


# --- property, vehicles -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RealEstateRecord:
    owner_fin: str
    object_id: str
    purpose: PropertyPurpose
    address: str
    share: Decimal
    acquired_on: date
    value: Decimal


@dataclass(frozen=True, slots=True)
class VehicleRecord:
    fin: str
    plate: str
    kind: VehicleKind
    role: VehicleRole
    acquired_on: date
    value: Decimal
    state_rehabilitation: bool


# --- utilities, telecom -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UtilityChargeRecord:
    """A monthly charge: by household address (utilities) or by FIN (telecom: ``fin`` set)."""

    kind: UtilityKind
    month: date
    amount: Decimal
    address: str | None = None
    meter_id: str | None = None
    fin: str | None = None


# --- migration ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResidenceStatusRecord:
    fin: str
    lives_abroad: bool
    country: str | None


@dataclass(frozen=True, slots=True)
class BorderCrossingRecord:
    fin: str
    exit_date: date
    entry_date: date | None
    country: str


# --- social insurance ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContractRecord:
    fin: str
    employer_voen: str
    from_: date
    until: date | None
    monthly_wage: Decimal


@dataclass(frozen=True, slots=True)
class AssignmentRecord:
    fin: str
    from_: date
    until: date
    monthly: Decimal


@dataclass(frozen=True, slots=True)
class FindingRecord:
    fin: str
    false_information_found_on: date


# --- disability, employment, education ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DisabilityRecord:
    fin: str
    percent: int
    group: int | None
    child: bool
    until: date | None


@dataclass(frozen=True, slots=True)
class JobseekerRecord:
    fin: str
    registered_on: date


@dataclass(frozen=True, slots=True)
class RefusedOfferRecord:
    fin: str
    refused_on: date


@dataclass(frozen=True, slots=True)
class StudyRecord:
    fin: str
    full_time: bool
    institution: str
    from_: date
    until: date | None


# --- conscription, justice, agriculture ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServiceRecord:
    fin: str
    from_: date
    until: date | None


@dataclass(frozen=True, slots=True)
class SentenceRecord:
    fin: str
    from_: date
    until: date | None


@dataclass(frozen=True, slots=True)
class CivilStatusRecord:
    fin: str
    died_on: date | None
    declared_missing: bool


@dataclass(frozen=True, slots=True)
class LivestockRecord:
    cattle: int
    small_ruminant: int
    pig: int
    bee_colony: int
    poultry: int


@dataclass(frozen=True, slots=True)
class FarmerRecord:
    fin: str
    land_hectares: Decimal
    livestock: LivestockRecord
