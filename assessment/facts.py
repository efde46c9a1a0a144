"""The facts the means test reads: typed, frozen records of a family and its members.

Every fact an agency supplies is a :class:`Fact`: either *known* (with the :class:`Evidence` of
the agency answer it came from) or *unknown* (the agency did not answer, or answered nothing
usable). The engine never guesses an unknown fact: a rule that needs one makes the result
"insufficient data" naming the :class:`Input` (a stable string such as ``"tax.incomes"``) and the
member's FIN.

An agency that answered and holds *nothing* for a person gives a known empty value (``()``,
``None`` or ``False``): "no income records" is a fact, "no answer" is not.

The family composition and the person records of the population registry are the frame of the
facts (who the members are, their birth dates, citizenship, wanted flag, death date); without
them there is no family to assess, so they are plain values, with their evidence on
:attr:`FamilyFacts.evidence`.

Months are the first day of the month (``date``); periods are inclusive; ``until=None`` is
open-ended.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, Generic, TypeVar

T = TypeVar("T")


class Agency(StrEnum):
    """Agency keys, as in agencies.md."""

    POPULATION = "population"
    TAX = "tax"
    PROPERTY = "property"
    UTILITIES = "utilities"
    MIGRATION = "migration"
    VEHICLES = "vehicles"
    SOCIAL_INSURANCE = "social_insurance"
    DISABILITY = "disability"
    EMPLOYMENT = "employment"
    EDUCATION = "education"
    CONSCRIPTION = "conscription"
    JUSTICE = "justice"
    AGRICULTURE = "agriculture"
    TELECOM = "telecom"


class Input(StrEnum):
    """A named input of the rules; ``agency.item``. Stable API values (``MissingInput``)."""

    TAX_TAXPAYER = "tax.taxpayer"
    TAX_INCOMES = "tax.incomes"
    PROPERTY_REAL_ESTATE = "property.real_estate"
    UTILITIES_ELECTRICITY = "utilities.electricity"
    UTILITIES_GAS = "utilities.gas"
    UTILITIES_WATER = "utilities.water"
    MIGRATION_RESIDENCE = "migration.residence"
    VEHICLES = "vehicles.vehicles"
    SOCIAL_INSURANCE_CONTRACTS = "social_insurance.contracts"
    SOCIAL_INSURANCE_PAYMENTS = "social_insurance.payments"
    SOCIAL_INSURANCE_ASSIGNMENTS = "social_insurance.assignments"
    SOCIAL_INSURANCE_FINDINGS = "social_insurance.findings"
    SOCIAL_INSURANCE_STATE_CARE = "social_insurance.state_care"
    DISABILITY = "disability.status"
    EMPLOYMENT_INSURANCE_PAYMENTS = "employment.insurance_payments"
    EMPLOYMENT_REFUSED_OFFERS = "employment.refused_offers"
    EDUCATION_STUDIES = "education.studies"
    EDUCATION_SCHOLARSHIPS = "education.scholarships"
    CONSCRIPTION_SERVICE = "conscription.service"
    JUSTICE_SENTENCES = "justice.sentences"
    JUSTICE_CIVIL_STATUS = "justice.civil_status"
    JUSTICE_ALIMONY = "justice.alimony"
    AGRICULTURE_FARM = "agriculture.farm"
    TELECOM_CHARGES = "telecom.charges"

    @property
    def agency(self) -> Agency:
        return Agency(self.value.split(".", 1)[0])


@dataclass(frozen=True, slots=True, order=True)
class Evidence:
    """Where a fact came from: one agency answer. ``fetched_at`` is timezone-aware."""

    agency: Agency
    operation: str
    fetched_at: datetime
    digest: str  # e.g. "sha256:…" of the answer as received

    def __post_init__(self) -> None:
        if self.fetched_at.tzinfo is None:
            raise ValueError("Evidence.fetched_at must be timezone-aware")


class UnknownFactError(LookupError):
    """The value of an unknown fact was read (the engine checks before it reads)."""


class Fact(Generic[T]):
    """A fact from one agency answer: :class:`Known` (with its evidence) or :class:`Unknown`.

    Build with :meth:`Fact.known` or :meth:`Fact.unknown`; read :attr:`value` only when
    :attr:`is_known` (reading an unknown fact's value raises :class:`UnknownFactError`).
    """

    __slots__ = ()
    is_known: ClassVar[bool] = False

    @property
    def value(self) -> T:
        raise UnknownFactError("the value of an unknown fact was read")

    @property
    def evidence(self) -> Evidence | None:
        return None

    @staticmethod
    def known(value: T, evidence: Evidence | None = None) -> Fact[T]:
        return Known(value, evidence)

    @staticmethod
    def unknown() -> Fact[Any]:
        return _UNKNOWN


@dataclass(frozen=True, slots=True)
class Known(Fact[T]):
    """A fact the agency answered (an empty answer included)."""

    value: T  # a stored value where the base property raises
    evidence: Evidence | None = None
    is_known: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Unknown(Fact[Any]):
    """A fact the agency did not answer, or answered with nothing usable."""


_UNKNOWN: Fact[Any] = Unknown()


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
    """Income sources; ``IMPUTED_FARM`` is computed by the engine, never supplied as a fact."""

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
    IMPUTED_FARM = "imputed_farm"


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


@dataclass(frozen=True, slots=True)
class Span:
    """An inclusive date range; ``until=None`` is open-ended."""

    from_: date
    until: date | None = None

    def covers(self, day: date) -> bool:
        return self.from_ <= day and (self.until is None or day <= self.until)


@dataclass(frozen=True, slots=True)
class MonthlyIncome:
    """An income paid for one month (``month`` is its first day)."""

    month: date
    source: IncomeSource
    amount: Decimal


@dataclass(frozen=True, slots=True)
class MonthlyCharge:
    """A utility or communication charge for one month (``month`` is its first day)."""

    month: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Disability:
    percent: int
    group: int | None = None
    child: bool = False
    until: date | None = None  # valid until, inclusive; None: without end

    def valid_on(self, day: date) -> bool:
        return self.until is None or day <= self.until


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
class Farm:
    """Agricultural land and livestock registered to a person (farmer registry)."""

    land_hectares: Decimal
    cattle: int = 0
    small_ruminant: int = 0
    pig: int = 0
    bee_colony: int = 0
    poultry: int = 0


@dataclass(frozen=True, slots=True)
class Assignment:
    """A TSA assignment (past or active)."""

    from_: date
    until: date
    monthly: Decimal


@dataclass(frozen=True, slots=True)
class MemberFacts:
    """Everything the rules read about one member. Agency facts are :class:`Fact` values.

    No agency fact has a default: a builder that forgets one fails loudly instead of the engine
    assuming "nothing held".
    """

    fin: str
    relation: Relation
    birth_date: date
    citizenship: str | None  # ISO alpha-2; None: stateless
    wanted: bool
    died_on: date | None
    # migration.residence: citizen with permanent residence abroad
    lives_abroad: Fact[bool]
    # social_insurance.state_care: resident of a state care institution (full state support)
    in_state_care: Fact[bool]
    # conscription.service: active fixed-term military service
    military_service: Fact[tuple[Span, ...]]
    # justice.sentences: prison sentences
    sentences: Fact[tuple[Span, ...]]
    # justice.civil_status: declared missing or dead by a court, or whereabouts unknown
    declared_missing: Fact[bool]
    # disability.status
    disability: Fact[Disability | None]
    # social_insurance.contracts
    contracts: Fact[tuple[Contract, ...]]
    # tax.taxpayer: registrations as an entrepreneur
    entrepreneur: Fact[tuple[Span, ...]]
    # education.studies
    studies: Fact[tuple[Study, ...]]
    # employment.refused_offers: dates suitable job offers were refused
    refused_job_offers: Fact[tuple[date, ...]]
    # property.real_estate
    real_estate: Fact[tuple[RealEstate, ...]]
    # vehicles.vehicles: as owner or registered user
    vehicles: Fact[tuple[Vehicle, ...]]
    # social_insurance.assignments: TSA assignments
    assignments: Fact[tuple[Assignment, ...]]
    # social_insurance.findings: dates false information was found
    false_information_found: Fact[tuple[date, ...]]
    # agriculture.farm
    farm: Fact[Farm | None]
    # telecom.charges
    telecom_charges: Fact[tuple[MonthlyCharge, ...]]
    # Incomes by month and source, one fact per agency that pays or records them:
    tax_incomes: Fact[tuple[MonthlyIncome, ...]]  # wage, entrepreneur, rent
    social_insurance_payments: Fact[tuple[MonthlyIncome, ...]]
    unemployment_insurance: Fact[tuple[MonthlyIncome, ...]]
    scholarships: Fact[tuple[MonthlyIncome, ...]]
    alimony: Fact[tuple[MonthlyIncome, ...]]

    # Derived at construction: the inputs no agency answered (usually none), so that the rules
    # check known-ness with one set lookup.
    unknown: frozenset[Input] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        unknown = frozenset(
            item for item, name in MEMBER_INPUTS.items() if not getattr(self, name).is_known
        )
        object.__setattr__(self, "unknown", unknown)

    def fact(self, item: Input) -> Fact[Any]:
        """The member's fact for ``item`` (``KeyError`` for a household-level input)."""
        found: Fact[Any] = getattr(self, MEMBER_INPUTS[item])
        return found


# Which MemberFacts attribute holds each per-member input.
MEMBER_INPUTS: dict[Input, str] = {
    Input.MIGRATION_RESIDENCE: "lives_abroad",
    Input.SOCIAL_INSURANCE_STATE_CARE: "in_state_care",
    Input.CONSCRIPTION_SERVICE: "military_service",
    Input.JUSTICE_SENTENCES: "sentences",
    Input.JUSTICE_CIVIL_STATUS: "declared_missing",
    Input.DISABILITY: "disability",
    Input.SOCIAL_INSURANCE_CONTRACTS: "contracts",
    Input.TAX_TAXPAYER: "entrepreneur",
    Input.EDUCATION_STUDIES: "studies",
    Input.EMPLOYMENT_REFUSED_OFFERS: "refused_job_offers",
    Input.PROPERTY_REAL_ESTATE: "real_estate",
    Input.VEHICLES: "vehicles",
    Input.SOCIAL_INSURANCE_ASSIGNMENTS: "assignments",
    Input.SOCIAL_INSURANCE_FINDINGS: "false_information_found",
    Input.AGRICULTURE_FARM: "farm",
    Input.TELECOM_CHARGES: "telecom_charges",
    Input.TAX_INCOMES: "tax_incomes",
    Input.SOCIAL_INSURANCE_PAYMENTS: "social_insurance_payments",
    Input.EMPLOYMENT_INSURANCE_PAYMENTS: "unemployment_insurance",
    Input.EDUCATION_SCHOLARSHIPS: "scholarships",
    Input.JUSTICE_ALIMONY: "alimony",
}

# What the rules read about a registered guardian, who acts for the family but is not of it
# (rules.Counting): whether the family's assistance is registered to them, nothing else.
GUARDIAN_INPUTS: frozenset[Input] = frozenset({Input.SOCIAL_INSURANCE_ASSIGNMENTS})

# The per-member inputs that carry incomes, in a fixed order.
INCOME_INPUTS: tuple[Input, ...] = (
    Input.TAX_INCOMES,
    Input.SOCIAL_INSURANCE_PAYMENTS,
    Input.EMPLOYMENT_INSURANCE_PAYMENTS,
    Input.EDUCATION_SCHOLARSHIPS,
    Input.JUSTICE_ALIMONY,
)


@dataclass(frozen=True, slots=True)
class FamilyFacts:
    """A family (one family-composition record) and everything the rules read about it.

    ``declared_members`` are the FINs declared in the application (representative included);
    ``None`` for a dry run with no application, when the declaration rule does not apply.
    ``evidence`` is the population registry's answers (composition and person records).
    """

    household_id: str
    members: tuple[MemberFacts, ...]
    electricity: Fact[tuple[MonthlyCharge, ...]]
    gas: Fact[tuple[MonthlyCharge, ...]]
    water: Fact[tuple[MonthlyCharge, ...]]
    declared_members: tuple[str, ...] | None = None
    evidence: tuple[Evidence, ...] = ()
    # Derived at construction: every agency answer behind these facts, once each, sorted.
    all_evidence: tuple[Evidence, ...] = field(init=False, repr=False, compare=False)
    # Derived at construction: every fact the rules read is known (they then skip their checks).
    complete: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "all_evidence", _all_evidence(self))
        complete = all(
            not (m.unknown & GUARDIAN_INPUTS if m.relation is Relation.GUARDIAN else m.unknown)
            for m in self.members
        ) and all(getattr(self, name).is_known for name in HOUSEHOLD_INPUTS.values())
        object.__setattr__(self, "complete", complete)

    def household_fact(self, item: Input) -> Fact[tuple[MonthlyCharge, ...]]:
        """The household-level fact for a ``utilities.*`` input."""
        found: Fact[tuple[MonthlyCharge, ...]] = getattr(self, HOUSEHOLD_INPUTS[item])
        return found


HOUSEHOLD_INPUTS: dict[Input, str] = {
    Input.UTILITIES_ELECTRICITY: "electricity",
    Input.UTILITIES_GAS: "gas",
    Input.UTILITIES_WATER: "water",
}


@dataclass(frozen=True, slots=True)
class MissingInput:
    """An input a rule needed and no agency supplied; ``fin`` is None for household inputs."""

    input: Input
    fin: str | None = None

    @property
    def agency(self) -> Agency:
        return self.input.agency


def _evidence_key(evidence: Evidence) -> tuple[str, str, datetime, str]:
    return (evidence.agency, evidence.operation, evidence.fetched_at, evidence.digest)


def _all_evidence(facts: FamilyFacts) -> tuple[Evidence, ...]:
    # Facts from one answer share one Evidence object: collapse by identity first (cheap),
    # then by value.
    found: dict[int, Evidence] = {id(e): e for e in facts.evidence}
    for name in HOUSEHOLD_INPUTS.values():
        evidence = getattr(facts, name).evidence
        if evidence is not None:
            found[id(evidence)] = evidence
    for member in facts.members:
        for name in MEMBER_INPUTS.values():
            evidence = getattr(member, name).evidence
            if evidence is not None:
                found[id(evidence)] = evidence
    unique = {_evidence_key(e): e for e in found.values()}
    return tuple(unique[key] for key in sorted(unique))
