"""GraphQL types of the means test: ``Assessment``, ``Decision`` and its parts, ``MissingInput``
and ``MeansTestParameters``.

A ``Decision`` is built from :func:`assessment.decision_to_json`, the one JSON shape of a
decision, so that the API and ``vemtas assess --json`` agree field for field (camelCase names,
money as two-decimal strings, dates ISO 8601, enums by name). Reason messages are the engine's
own (az, en, ru).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry

from assessment import Decision as EngineDecision
from assessment import InsufficientData, ParameterValue, decision_to_json, missing_to_json
from resolvers.eligibility import ParametersInForce
from resolvers.staleness import StaleAnswers
from schema.enums import (
    IncomeSource,
    Lang,
    NotCountedReason,
    Outcome,
    ParameterStatus,
    ReasonCode,
    ReasonKind,
    SupplementKind,
)
from schema.scalars import FIN


def _money(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


@strawberry.type(description="A reason's message in each language")
class ReasonMessages:
    az: str
    en: str
    ru: str


@strawberry.type(description="A refusal ground or qualifying reason that holds")
class DecisionReason:
    code: ReasonCode
    kind: ReasonKind
    messages: ReasonMessages
    reference: str = strawberry.field(description="The legal basis")

    @strawberry.field(description="The message in one language")
    def message(self, lang: Lang = Lang.AZ) -> str:
        text: str = getattr(self.messages, lang.value)
        return text


@strawberry.type(description="A member the means test does not count, and why")
class NotCountedMember:
    fin: FIN
    reasons: list[NotCountedReason]


@strawberry.type(description="Income of the counted members from one source over the window")
class SourceIncome:
    source: IncomeSource
    total: Decimal
    monthly_average: Decimal


@strawberry.type(description="A supplement to the monthly amount")
class Supplement:
    kind: SupplementKind
    fin: FIN
    amount: Decimal


@strawberry.type(description="Every number behind a decision (money rounded to 0.01 for display)")
class Calculation:
    application_date: date
    need_criterion: Decimal
    counted_members: int = strawberry.field(description="How many members are counted")
    counted: list[FIN] = strawberry.field(description="The counted members' FINs, sorted")
    not_counted: list[NotCountedMember]
    threshold: Decimal = strawberry.field(description="Need criterion × counted members")
    income_window_start: date
    income_window_end: date
    total_income: Decimal
    average_monthly_income: Decimal
    income_by_source: list[SourceIncome]
    excluded_income: list[SourceIncome] = strawberry.field(
        description="Received but not income under the law (TSA, credit, …)"
    )
    utility_monthly_total: Decimal
    utility_cost_per_person: Decimal | None
    utility_limit_per_person: Decimal
    purchases: Decimal
    purchases_limit: Decimal
    base_amount: Decimal | None
    supplements: list[Supplement]


def _sources(items: list[dict[str, Any]]) -> list[SourceIncome]:
    return [
        SourceIncome(
            source=IncomeSource[s["source"]],
            total=Decimal(s["total"]),
            monthly_average=Decimal(s["monthlyAverage"]),
        )
        for s in items
    ]


def _calculation(c: dict[str, Any]) -> Calculation:
    return Calculation(
        application_date=date.fromisoformat(c["applicationDate"]),
        need_criterion=Decimal(c["needCriterion"]),
        counted_members=c["countedMembers"],
        counted=[FIN(fin) for fin in c["counted"]],
        not_counted=[
            NotCountedMember(fin=FIN(n["fin"]), reasons=[NotCountedReason[r] for r in n["reasons"]])
            for n in c["notCounted"]
        ],
        threshold=Decimal(c["threshold"]),
        income_window_start=date.fromisoformat(c["incomeWindowStart"]),
        income_window_end=date.fromisoformat(c["incomeWindowEnd"]),
        total_income=Decimal(c["totalIncome"]),
        average_monthly_income=Decimal(c["averageMonthlyIncome"]),
        income_by_source=_sources(c["incomeBySource"]),
        excluded_income=_sources(c["excludedIncome"]),
        utility_monthly_total=Decimal(c["utilityMonthlyTotal"]),
        utility_cost_per_person=_money(c["utilityCostPerPerson"]),
        utility_limit_per_person=Decimal(c["utilityLimitPerPerson"]),
        purchases=Decimal(c["purchases"]),
        purchases_limit=Decimal(c["purchasesLimit"]),
        base_amount=_money(c["baseAmount"]),
        supplements=[
            Supplement(
                kind=SupplementKind[s["kind"]], fin=FIN(s["fin"]), amount=Decimal(s["amount"])
            )
            for s in c["supplements"]
        ],
    )


@strawberry.type(description="A legislation parameter's value in force on a day")
class ParameterUse:
    name: str
    value: str = strawberry.field(description='The value as text: "300.00", "0.15", "12", "true"')
    unit: str = strawberry.field(description="AZN, ratio, months, years, percent, …")
    in_force_from: date
    status: ParameterStatus = strawberry.field(description="ASSUMED: no public source found")
    reference: str


def _parameters(items: list[dict[str, Any]]) -> list[ParameterUse]:
    return [
        ParameterUse(
            name=p["name"],
            value=p["value"],
            unit=p["unit"],
            in_force_from=date.fromisoformat(p["inForceFrom"]),
            status=ParameterStatus[p["status"]],
            reference=p["reference"],
        )
        for p in items
    ]


@strawberry.type(description="One agency answer a decision used")
class Evidence:
    agency: str
    operation: str
    fetched_at: datetime
    digest: str = strawberry.field(description="sha256 of the answer's canonical form")


@strawberry.type(description="A decision on a family on an application date (means-test.md §5)")
class Decision:
    outcome: Outcome
    monthly_amount: Decimal | None = strawberry.field(description="null when refused")
    period_start: date | None
    period_end: date | None
    reasons: list[DecisionReason] = strawberry.field(
        description="Every refusal ground and qualifying reason that holds"
    )
    calculation: Calculation
    parameters: list[ParameterUse]
    evidence: list[Evidence]
    rules_version: str
    decided_at: datetime

    @classmethod
    def of(cls, decision: EngineDecision) -> Decision:
        return cls.from_json(decision_to_json(decision))

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Decision:
        """From :func:`assessment.decision_to_json`'s shape (the only way one is built)."""
        return cls(
            outcome=Outcome[d["outcome"]],
            monthly_amount=_money(d["monthlyAmount"]),
            period_start=_day(d["periodStart"]),
            period_end=_day(d["periodEnd"]),
            reasons=[
                DecisionReason(
                    code=ReasonCode[r["code"]],
                    kind=ReasonKind[r["kind"]],
                    messages=ReasonMessages(**r["messages"]),
                    reference=r["reference"],
                )
                for r in d["reasons"]
            ],
            calculation=_calculation(d["calculation"]),
            parameters=_parameters(d["parameters"]),
            evidence=[
                Evidence(
                    agency=e["agency"],
                    operation=e["operation"],
                    fetched_at=datetime.fromisoformat(e["fetchedAt"]),
                    digest=e["digest"],
                )
                for e in d["evidence"]
            ],
            rules_version=d["rulesVersion"],
            decided_at=datetime.fromisoformat(d["decidedAt"]),
        )


@strawberry.type(description="An input a rule needs that no agency supplied")
class MissingInput:
    input: str = strawberry.field(description='e.g. "property.real_estate"')
    agency: str
    fin: FIN | None = strawberry.field(description="null for an input of the whole household")


@strawberry.type(
    description="A dry run of the means test: a decision when every agency answered; "
    "otherwise no decision and the missing inputs"
)
class Assessment:
    complete: bool
    decision: Decision | None
    missing_data: list[MissingInput]

    @classmethod
    def of(cls, result: EngineDecision | InsufficientData | StaleAnswers) -> Assessment:
        if isinstance(result, StaleAnswers):
            return cls(
                complete=False,
                decision=None,
                missing_data=[
                    MissingInput(input=m.input, agency=m.agency, fin=FIN(m.fin) if m.fin else None)
                    for m in result.missing
                ],
            )
        if isinstance(result, InsufficientData):
            missing = missing_to_json(result)["missingData"]
            return cls(
                complete=False,
                decision=None,
                missing_data=[
                    MissingInput(
                        input=m["input"],
                        agency=m["agency"],
                        fin=FIN(m["fin"]) if m["fin"] is not None else None,
                    )
                    for m in missing
                ],
            )
        return cls(complete=True, decision=Decision.of(result), missing_data=[])


def parameter_use(p: ParameterValue[Any]) -> ParameterUse:
    value = p.value
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return ParameterUse(
        name=p.name,
        value=text,
        unit=p.unit.value,
        in_force_from=p.in_force_from,
        status=ParameterStatus[p.status.name],
        reference=p.reference,
    )


@strawberry.type(description="The means-test parameters in force on a day")
class MeansTestParameters:
    on: date
    rules_version: str
    parameters: list[ParameterUse] = strawberry.field(description="By name")

    @strawberry.field(description="One parameter by name (null when not in force or unknown)")
    def parameter(self, name: str) -> ParameterUse | None:
        return next((p for p in self.parameters if p.name == name), None)

    @classmethod
    def of(cls, found: ParametersInForce) -> MeansTestParameters:
        return cls(
            on=found.on,
            rules_version=found.rules_version,
            parameters=[parameter_use(p) for p in found.parameters],
        )
