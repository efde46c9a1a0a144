"""World → facts: the single place that maps a mock world household to the engine's facts.

``vemtas assess`` uses it to try a case straight from a world file, without agencies. Each
fact is attributed to the agency and operation that serve it (docs/agency-protocols.md), so
that a decision's evidence reads as it would after real agency calls: one :class:`Evidence`
per (agency, operation) per household, whose digest is a SHA-256 over the canonical form of
what that agency would answer for the whole household (as one batch call would).

Agencies listed in ``unavailable`` give unknown facts, to see what the engine does when an
agency does not answer. The population registry is the frame (members, births, deaths,
citizenship, wanted flag) and is always available here.

Monthly records (incomes, charges) are given for the income window and the application month,
the months the gateway asks the agencies for. The world's ``credit`` income is left out: no
agency the gateway reads holds it (and it is not income since 2020).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from assessment import (
    Agency,
    Assignment,
    Contract,
    Disability,
    Evidence,
    Fact,
    FamilyFacts,
    Farm,
    IncomeSource,
    MemberFacts,
    MonthlyCharge,
    MonthlyIncome,
    PropertyPurpose,
    RealEstate,
    Relation,
    Span,
    Study,
    Vehicle,
    VehicleKind,
    VehicleRole,
    default_legislation,
)
from assessment.dates import add_months
from mocks.world import Household, Member, MonthlyStream, Period, month_range

T = TypeVar("T")
S = TypeVar("S", bound=MonthlyStream)

# Which agency pays or records each world income source.
_INCOME_AGENCY: dict[str, Agency] = {
    "wage": Agency.TAX,
    "entrepreneur": Agency.TAX,
    "rent": Agency.TAX,
    "pension": Agency.SOCIAL_INSURANCE,
    "benefit": Agency.SOCIAL_INSURANCE,
    "tsa": Agency.SOCIAL_INSURANCE,
    "liberated_territories_benefit": Agency.SOCIAL_INSURANCE,
    "unemployment_insurance": Agency.EMPLOYMENT,
    "scholarship": Agency.EDUCATION,
    "alimony": Agency.JUSTICE,
}


@dataclass(frozen=True, slots=True)
class _Months:
    first: date
    last: date

    def records(self, streams: Iterable[S]) -> list[tuple[date, S]]:
        found: list[tuple[date, S]] = []
        for stream in streams:
            start = max(stream.from_month, self.first)
            end = min(stream.until_month, self.last)
            if start <= end:
                found.extend((month, stream) for month in month_range(start, end))
        return found

    def charges(self, streams: Iterable[MonthlyStream]) -> tuple[MonthlyCharge, ...]:
        return tuple(MonthlyCharge(month, s.monthly) for month, s in self.records(streams))

    def incomes(self, member: Member, agency: Agency) -> tuple[MonthlyIncome, ...]:
        return tuple(
            MonthlyIncome(month, IncomeSource(stream.source.value), stream.monthly)
            for month, stream in self.records(member.income)
            if _INCOME_AGENCY.get(stream.source.value) is agency
        )


def _span(period: Period | None) -> tuple[Span, ...]:
    return () if period is None else (Span(period.from_, period.until),)


def _disability(member: Member) -> Disability | None:
    d = member.disability
    return None if d is None else Disability(d.percent, d.group, d.child, d.until)


def _studies(member: Member) -> tuple[Study, ...]:
    s = member.student
    return () if s is None else (Study(s.full_time, s.institution, s.from_, s.until),)


def _contracts(member: Member) -> tuple[Contract, ...]:
    return tuple(
        Contract(c.employer_voen, c.from_, c.until, c.monthly_wage) for c in member.contracts
    )


def _entrepreneur(member: Member) -> tuple[Span, ...]:
    e = member.entrepreneur
    return () if e is None else (Span(e.from_, e.until),)


def _real_estate(member: Member) -> tuple[RealEstate, ...]:
    return tuple(
        RealEstate(
            p.id, PropertyPurpose(p.purpose.value), p.address, p.share, p.acquired_on, p.value
        )
        for p in member.properties
    )


def _vehicles(member: Member) -> tuple[Vehicle, ...]:
    return tuple(
        Vehicle(
            v.plate,
            VehicleKind(v.kind.value),
            VehicleRole(v.role.value),
            v.acquired_on,
            v.value,
            v.state_rehabilitation,
        )
        for v in member.vehicles
    )


def _assignments(member: Member) -> tuple[Assignment, ...]:
    return tuple(Assignment(a.from_, a.until, a.monthly) for a in member.tsa_assignments)


def _findings(member: Member) -> tuple[date, ...]:
    found = member.false_information_found_on
    return () if found is None else (found,)


def _farm(member: Member) -> Farm | None:
    a = member.agriculture
    if a is None:
        return None
    stock = a.livestock
    return Farm(
        a.land_hectares,
        stock.cattle,
        stock.small_ruminant,
        stock.pig,
        stock.bee_colony,
        stock.poultry,
    )


class _Answers:
    """One household's agency answers: a fact per member, one evidence per operation."""

    def __init__(self, household: Household, fetched_at: datetime, down: frozenset[Agency]):
        self.members = household.members
        self.fetched_at = fetched_at
        self.down = down
        self.evidence: list[Evidence] = []

    def per_member(
        self, agency: Agency, operation: str, read: Callable[[Member], T]
    ) -> dict[str, Fact[T]]:
        """The fact ``read`` gives for each member (by FIN), all from one batch answer."""
        if agency in self.down:
            return {m.fin: Fact.unknown() for m in self.members}
        values = {m.fin: read(m) for m in self.members}
        evidence = self._record(agency, operation, sorted(values.items()))
        return {fin: Fact.known(value, evidence) for fin, value in values.items()}

    def household(self, agency: Agency, operation: str, value: T) -> Fact[T]:
        if agency in self.down:
            return Fact.unknown()
        return Fact.known(value, self._record(agency, operation, value))

    def _record(self, agency: Agency, operation: str, answer: object) -> Evidence:
        digest = hashlib.sha256(repr(answer).encode("utf-8")).hexdigest()
        evidence = Evidence(agency, operation, self.fetched_at, f"sha256:{digest}")
        self.evidence.append(evidence)
        return evidence


def household_facts(
    household: Household,
    on: date,
    fetched_at: datetime,
    *,
    declared_members: tuple[str, ...] | None = None,
    unavailable: Collection[Agency | str] = (),
) -> FamilyFacts:
    """The facts of ``household`` for an application dated ``on``; ``fetched_at`` (aware)
    stamps the evidence; agencies in ``unavailable`` give unknown facts."""
    down = frozenset(Agency(a) for a in unavailable)
    if Agency.POPULATION in down:
        raise ValueError("the population registry is the frame of the facts; it cannot be down")
    window = default_legislation().on(on).income_window_months.value
    application_month = on.replace(day=1)
    months = _Months(add_months(application_month, -window), application_month)
    a = _Answers(household, fetched_at, down)

    population = a.household(
        Agency.POPULATION,
        "families/{household_id}",
        tuple(
            (m.fin, m.relation.value, m.birth_date, m.citizenship, m.wanted, m.died_on)
            for m in household.members
        ),
    )
    lives_abroad = a.per_member(Agency.MIGRATION, "GetResidenceStatus", lambda m: m.lives_abroad)
    state_care = a.per_member(
        Agency.SOCIAL_INSURANCE, "state-care:batch", lambda m: m.in_state_care
    )
    service = a.per_member(Agency.CONSCRIPTION, "GetActiveService", lambda m: _span(m.conscript))
    sentences = a.per_member(Agency.JUSTICE, "GetSentences", lambda m: _span(m.imprisoned))
    civil = a.per_member(Agency.JUSTICE, "GetCivilStatus", lambda m: m.missing)
    disability = a.per_member(Agency.DISABILITY, "disabilities:batch", _disability)
    contracts = a.per_member(Agency.SOCIAL_INSURANCE, "contracts:batch", _contracts)
    taxpayer = a.per_member(Agency.TAX, "taxpayers:batch", _entrepreneur)
    studies = a.per_member(Agency.EDUCATION, "studies:batch", _studies)
    refusals = a.per_member(
        Agency.EMPLOYMENT, "refused-offers:batch", lambda m: tuple(sorted(m.job_offers_refused))
    )
    estates = a.per_member(Agency.PROPERTY, "GetRealEstateByOwners", _real_estate)
    vehicles = a.per_member(Agency.VEHICLES, "GetVehiclesByPersons", _vehicles)
    assignments = a.per_member(Agency.SOCIAL_INSURANCE, "assignments:batch", _assignments)
    findings = a.per_member(Agency.SOCIAL_INSURANCE, "findings:batch", _findings)
    farms = a.per_member(Agency.AGRICULTURE, "farmers:batch", _farm)
    telecom = a.per_member(Agency.TELECOM, "charges:batch", lambda m: months.charges(m.telecom))
    tax = a.per_member(Agency.TAX, "incomes:batch", lambda m: months.incomes(m, Agency.TAX))
    payments = a.per_member(
        Agency.SOCIAL_INSURANCE,
        "payments:batch",
        lambda m: months.incomes(m, Agency.SOCIAL_INSURANCE),
    )
    insurance = a.per_member(
        Agency.EMPLOYMENT,
        "insurance-payments:batch",
        lambda m: months.incomes(m, Agency.EMPLOYMENT),
    )
    scholarships = a.per_member(
        Agency.EDUCATION, "scholarships:batch", lambda m: months.incomes(m, Agency.EDUCATION)
    )
    alimony = a.per_member(
        Agency.JUSTICE, "GetAlimony", lambda m: months.incomes(m, Agency.JUSTICE)
    )

    members = tuple(
        MemberFacts(
            fin=m.fin,
            relation=Relation(m.relation.value),
            birth_date=m.birth_date,
            citizenship=m.citizenship,
            wanted=m.wanted,
            died_on=m.died_on,
            lives_abroad=lives_abroad[m.fin],
            in_state_care=state_care[m.fin],
            military_service=service[m.fin],
            sentences=sentences[m.fin],
            declared_missing=civil[m.fin],
            disability=disability[m.fin],
            contracts=contracts[m.fin],
            entrepreneur=taxpayer[m.fin],
            studies=studies[m.fin],
            refused_job_offers=refusals[m.fin],
            real_estate=estates[m.fin],
            vehicles=vehicles[m.fin],
            assignments=assignments[m.fin],
            false_information_found=findings[m.fin],
            farm=farms[m.fin],
            telecom_charges=telecom[m.fin],
            tax_incomes=tax[m.fin],
            social_insurance_payments=payments[m.fin],
            unemployment_insurance=insurance[m.fin],
            scholarships=scholarships[m.fin],
            alimony=alimony[m.fin],
        )
        for m in household.members
    )
    utilities = household.utilities
    return FamilyFacts(
        household_id=household.id,
        members=members,
        electricity=a.household(
            Agency.UTILITIES, "electricity/charges:batch", months.charges(utilities.electricity)
        ),
        gas=a.household(Agency.UTILITIES, "gas/charges:batch", months.charges(utilities.gas)),
        water=a.household(Agency.UTILITIES, "water/charges:batch", months.charges(utilities.water)),
        declared_members=declared_members,
        evidence=(population.evidence,) if population.evidence is not None else (),
    )
