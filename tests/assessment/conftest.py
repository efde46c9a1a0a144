"""Fixtures: build engine facts from the compact case format of ``cases/*.yaml``.

The ``build`` fixture exposes :func:`member` and :func:`family` (tests here run in pytest's
importlib mode, so helpers are shared as fixtures rather than imported).

A member::

    fin: HEAD001
    born: 1988-04-02
    relation: head              # default head
    citizenship: AZ             # default AZ; null for stateless
    wanted: true                # population
    died_on: 2026-01-01         # population
    abroad: true                # migration.residence
    state_care: true            # social_insurance.state_care
    conscript: [2026-01-01, 2027-01-01]   # conscription.service (until may be null)
    prison: [2025-01-01, 2028-01-01]      # justice.sentences
    missing: true               # justice.civil_status
    disability: {percent: 60, until: 2027-01-01, child: false}
    contracts: [{from: 2024-01-01, until: null, wage: "450.00"}]
    entrepreneur: [2022-01-01, null]
    studies: [{full_time: true, from: 2023-09-15, until: 2027-06-30}]
    refused_offers: [2026-10-01, 2026-11-01]
    real_estate: [{id: RE1, purpose: residential, address: "A", share: "1", acquired: 2010-01-01, value: "30000"}]
    vehicles: [{plate: 10-AB-123, kind: car, role: owner, acquired: 2019-05-01, value: "8000", rehab: false}]
    assignments: [{from: 2025-01-01, until: 2025-12-31, monthly: "300.00"}]
    findings: [2026-05-01]
    farm: {land: "2.0", cattle: 1, small_ruminant: 4, pig: 1, bee_colony: 2, poultry: 10}
    telecom: [{monthly: "10.00", from: 2025-11, until: 2026-10}]
    incomes: [{source: wage, monthly: "450.00", from: 2025-11, until: 2026-10}]
    unknown: [tax.incomes]      # inputs the agency did not answer

The household: ``members``, ``utilities: {electricity: [streams], gas, water}``, ``unknown``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

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
    Input,
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
)
from assessment.facts import HOUSEHOLD_INPUTS, MEMBER_INPUTS

FETCHED_AT = datetime(2026, 11, 15, 8, 30, tzinfo=UTC)

_INCOME_FIELD = {
    IncomeSource.WAGE: "tax_incomes",
    IncomeSource.ENTREPRENEUR: "tax_incomes",
    IncomeSource.RENT: "tax_incomes",
    IncomeSource.CREDIT: "tax_incomes",
    IncomeSource.PENSION: "social_insurance_payments",
    IncomeSource.BENEFIT: "social_insurance_payments",
    IncomeSource.TSA: "social_insurance_payments",
    IncomeSource.LIBERATED_TERRITORIES_BENEFIT: "social_insurance_payments",
    IncomeSource.UNEMPLOYMENT_INSURANCE: "unemployment_insurance",
    IncomeSource.SCHOLARSHIP: "scholarships",
    IncomeSource.ALIMONY: "alimony",
}


def month(text: str) -> date:
    year, number = str(text).split("-")
    return date(int(year), int(number), 1)


def months(first: str, last: str) -> list[date]:
    found, current, end = [], month(first), month(last)
    while current <= end:
        found.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return found


def _money(value: Any) -> Decimal:
    return Decimal(str(value))


def _span(value: list[Any] | None) -> tuple[Span, ...]:
    return () if value is None else (Span(value[0], value[1] if len(value) > 1 else None),)


def evidence(agency: Agency, operation: str) -> Evidence:
    return Evidence(agency, operation, FETCHED_AT, f"sha256:{agency.value}-{operation}")


def member(data: dict[str, Any]) -> MemberFacts:
    unknown = {Input(name) for name in data.get("unknown", [])}
    incomes: dict[str, list[MonthlyIncome]] = {name: [] for name in set(_INCOME_FIELD.values())}
    for stream in data.get("incomes", []):
        source = IncomeSource(stream["source"])
        for m in months(stream["from"], stream["until"]):
            incomes[_INCOME_FIELD[source]].append(
                MonthlyIncome(m, source, _money(stream["monthly"]))
            )
    disability = data.get("disability")
    farm = data.get("farm")
    values: dict[str, Any] = {
        "lives_abroad": bool(data.get("abroad", False)),
        "in_state_care": bool(data.get("state_care", False)),
        "military_service": _span(data.get("conscript")),
        "sentences": _span(data.get("prison")),
        "declared_missing": bool(data.get("missing", False)),
        "disability": None
        if disability is None
        else Disability(
            disability["percent"],
            disability.get("group"),
            disability.get("child", False),
            disability.get("until"),
        ),
        "contracts": tuple(
            Contract("1401234561", c["from"], c.get("until"), _money(c.get("wage", "0")))
            for c in data.get("contracts", [])
        ),
        "entrepreneur": _span(data.get("entrepreneur")),
        "studies": tuple(
            Study(s.get("full_time", True), "Bakı Dövlət Universiteti", s["from"], s.get("until"))
            for s in data.get("studies", [])
        ),
        "refused_job_offers": tuple(data.get("refused_offers", [])),
        "real_estate": tuple(
            RealEstate(
                r["id"],
                PropertyPurpose(r.get("purpose", "residential")),
                r["address"],
                _money(r.get("share", "1")),
                r["acquired"],
                _money(r["value"]),
            )
            for r in data.get("real_estate", [])
        ),
        "vehicles": tuple(
            Vehicle(
                v.get("plate", "10-AB-123"),
                VehicleKind(v.get("kind", "car")),
                VehicleRole(v.get("role", "owner")),
                v["acquired"],
                _money(v.get("value", "8000")),
                v.get("rehab", False),
            )
            for v in data.get("vehicles", [])
        ),
        "assignments": tuple(
            Assignment(a["from"], a["until"], _money(a.get("monthly", "300.00")))
            for a in data.get("assignments", [])
        ),
        "false_information_found": tuple(data.get("findings", [])),
        "farm": None
        if farm is None
        else Farm(
            _money(farm.get("land", "0")),
            farm.get("cattle", 0),
            farm.get("small_ruminant", 0),
            farm.get("pig", 0),
            farm.get("bee_colony", 0),
            farm.get("poultry", 0),
        ),
        "telecom_charges": tuple(
            MonthlyCharge(m, _money(s["monthly"]))
            for s in data.get("telecom", [])
            for m in months(s["from"], s["until"])
        ),
        **{name: tuple(records) for name, records in incomes.items()},
    }
    facts: dict[str, Fact[Any]] = {}
    for item, name in MEMBER_INPUTS.items():
        if item in unknown:
            facts[name] = Fact.unknown()
        else:
            facts[name] = Fact.known(values[name], evidence(item.agency, item.value))
    return MemberFacts(
        fin=data["fin"],
        relation=Relation(data.get("relation", "head")),
        birth_date=data["born"],
        citizenship=data.get("citizenship", "AZ"),
        wanted=bool(data.get("wanted", False)),
        died_on=data.get("died_on"),
        **facts,
    )


def family(data: dict[str, Any], declared: list[str] | None = None) -> FamilyFacts:
    unknown = {Input(name) for name in data.get("unknown", [])}
    utilities = data.get("utilities", {})
    household: dict[str, Fact[Any]] = {}
    for item, name in HOUSEHOLD_INPUTS.items():
        if item in unknown:
            household[name] = Fact.unknown()
        else:
            charges = tuple(
                MonthlyCharge(m, _money(s["monthly"]))
                for s in utilities.get(name, [])
                for m in months(s["from"], s["until"])
            )
            household[name] = Fact.known(charges, evidence(Agency.UTILITIES, item.value))
    return FamilyFacts(
        household_id=data.get("id", "HH-TEST-000001"),
        members=tuple(member(m) for m in data["members"]),
        declared_members=None if declared is None else tuple(declared),
        evidence=(evidence(Agency.POPULATION, "families/{household_id}"),),
        **household,
    )


@pytest.fixture(scope="session")
def build() -> SimpleNamespace:
    """``build.family(data, declared)``, ``build.member(data)``, ``build.FETCHED_AT``."""
    return SimpleNamespace(family=family, member=member, FETCHED_AT=FETCHED_AT)
