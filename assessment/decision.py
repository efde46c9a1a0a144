"""The decision: composing the rules, the decision record, and its JSON (GraphQL) shape.

:func:`assess` is pure: the same facts, application date, ``decided_at`` and parameters give the
same :class:`Decision`, and :func:`decision_to_json` the same JSON, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, localcontext
from enum import StrEnum
from typing import Any

from assessment import rules
from assessment.facts import (
    Evidence,
    FamilyFacts,
    MissingInput,
)
from assessment.legislation import Legislation, ParameterValue, default_legislation
from assessment.reasons import (
    QUALIFYING_ORDER,
    REASONS,
    REFUSAL_ORDER,
    Language,
    ReasonCode,
    ReasonKind,
)
from assessment.rules import Counting, Finding, Missing, NotCounted, money

ENGINE_VERSION = "2026.1"
SUPPORTED_FROM = date(2021, 1, 1)


class UnsupportedApplicationDate(ValueError):
    """An application dated before the rules the engine models (2021-01-01)."""

    def __init__(self, on: date) -> None:
        super().__init__(
            f"application dated {on.isoformat()}: rules before 2021 are not modelled "
            f"(supported from {SUPPORTED_FROM.isoformat()})"
        )
        self.on = on


class Outcome(StrEnum):
    GRANTED = "GRANTED"
    REFUSED = "REFUSED"


@dataclass(frozen=True, slots=True)
class Reason:
    """A refusal ground or qualifying reason that holds, with its messages and reference."""

    code: ReasonCode
    kind: ReasonKind
    reference: str

    def message(self, language: Language = Language.AZ) -> str:
        return REASONS[self.code].message(language)


@dataclass(frozen=True, slots=True)
class Calculation:
    """Every number behind a decision; money rounded to 0.01 for display only."""

    need_criterion: Decimal
    counted_members: tuple[str, ...]  # FINs, sorted
    not_counted: tuple[NotCounted, ...]  # sorted by FIN
    threshold: Decimal
    income_window_start: date
    income_window_end: date
    total_income: Decimal
    average_monthly_income: Decimal
    income_by_source: tuple[rules.SourceTotal, ...]
    excluded_income: tuple[rules.SourceTotal, ...]
    utility_monthly_total: Decimal
    utility_cost_per_person: Decimal | None
    utility_limit_per_person: Decimal
    purchases: Decimal
    purchases_limit: Decimal
    base_amount: Decimal | None  # None when refused
    supplements: tuple[rules.ChildSupplement, ...]


@dataclass(frozen=True, slots=True)
class Decision:
    """A decision on one family on one application date (means-test.md §5)."""

    outcome: Outcome
    monthly_amount: Decimal | None
    period_start: date | None
    period_end: date | None
    reasons: tuple[Reason, ...]
    calculation: Calculation
    parameters: tuple[ParameterValue[Any], ...]  # sorted by name
    evidence: tuple[Evidence, ...]  # sorted
    rules_version: str
    decided_at: datetime
    application_date: date


@dataclass(frozen=True, slots=True)
class InsufficientData:
    """No decision: these inputs are unknown; the application waits for them."""

    missing: tuple[MissingInput, ...]  # sorted by (input, fin), no duplicates
    application_date: date


_REASON_ORDER = (*REFUSAL_ORDER, *QUALIFYING_ORDER)
_REASONS = {code: Reason(code, REASONS[code].kind, REASONS[code].reference) for code in ReasonCode}


def rules_version(legislation: Legislation) -> str:
    """The engine version and a digest of the parameter files it read."""
    return f"{ENGINE_VERSION}+parameters.{legislation.digest[:12]}"


def _missing_key(item: MissingInput) -> tuple[str, str]:
    return (item.input.value, item.fin or "")


def assess(
    facts: FamilyFacts,
    on: date,
    decided_at: datetime,
    legislation: Legislation | None = None,
) -> Decision | InsufficientData:
    """Decide on ``facts`` for an application dated ``on``.

    Every refusal ground and qualifying reason is evaluated; a decision lists every one that
    holds. If any rule needs an unknown fact, the result is :class:`InsufficientData` naming
    every missing input (never a guess). ``decided_at`` must be timezone-aware; it is
    recorded, not read from a clock. Raises :class:`UnsupportedApplicationDate` before 2021.
    """
    if on < SUPPORTED_FROM:
        raise UnsupportedApplicationDate(on)
    if decided_at.tzinfo is None:
        raise ValueError("decided_at must be timezone-aware")
    # Arithmetic in the engine's own decimal context: no caller's context changes a result.
    with localcontext(rules.DECIMAL_CONTEXT):
        return _assess(facts, on, decided_at, legislation or default_legislation())


def _assess(
    facts: FamilyFacts, on: date, decided_at: datetime, legislation: Legislation
) -> Decision | InsufficientData:
    parameters = legislation.on(on)
    window = rules.income_window(on, parameters)

    missing: list[MissingInput] = []
    found = rules.count_members(facts, on)
    if isinstance(found, Missing):
        missing.extend(found.inputs)
        # Go on with everyone alive counted, to name every other missing input at once.
        living = tuple(m for m in facts.members if rules.is_living(m, on))
        counting = Counting(living, (), living)
    else:
        counting = found

    def take(result: Any) -> Any:
        if isinstance(result, Missing):
            missing.extend(result.inputs)
            return None
        return result

    income: rules.IncomeAssessment | None = take(
        rules.average_monthly_income(counting, window, parameters)
    )
    purchases: rules.Purchases | None = take(
        rules.purchases_above_limit(counting, window, parameters)
    )
    utilities: rules.UtilityCost | None = take(
        rules.utility_costs_above_limit(facts, counting, window, parameters)
    )
    others: list[Finding | None] = [
        take(rules.vehicle_owned_or_used(counting, on)),
        take(rules.multiple_properties_same_purpose(counting, on)),
        take(rules.job_offers_refused(counting, on, parameters)),
        rules.declaration_mismatch(facts, counting),
        take(rules.false_information_ban(counting, on, parameters)),
        take(rules.active_assignment_exists(facts, on)),
    ]
    qualifying: list[Finding | None] = [
        take(rules.member_disabled(counting, on)),
        take(rules.carer(counting, on, parameters)),
        take(rules.student(counting, on, parameters)),
        take(rules.unemployment_insurance(counting, window)),
        rules.member_died(facts, on, window),
        take(rules.member_missing(counting)),
        take(rules.member_imprisoned(counting, on)),
        take(rules.no_able_bodied_member(counting, on, parameters)),
    ]
    if missing:
        unique = {_missing_key(item): item for item in missing}
        return InsufficientData(tuple(unique[key] for key in sorted(unique)), on)

    # Every rule answered: the None branches above are unreachable from here.
    assert income is not None and purchases is not None and utilities is not None
    qualifying_findings = [f for f in qualifying if f is not None]
    refusal_findings = [
        rules.income_at_or_above_threshold(counting, income, parameters),
        purchases.finding,
        utilities.finding,
        *(f for f in others if f is not None),
        rules.no_qualifying_reason(qualifying_findings),
    ]
    findings = refusal_findings + qualifying_findings
    holding = {f.code for f in findings if f.holds}
    reasons = tuple(_REASONS[code] for code in _REASON_ORDER if code in holding)
    used: dict[str, ParameterValue[Any]] = {
        parameter.name: parameter
        for group in (window.parameters, income.parameters, *(f.parameters for f in findings))
        for parameter in group
    }

    granted = not any(f.holds for f in refusal_findings)
    threshold = rules.threshold(counting, parameters)
    monthly: Decimal | None = None
    base: Decimal | None = None
    start: date | None = None
    end: date | None = None
    supplement_items: tuple[rules.ChildSupplement, ...] = ()
    if granted:
        period = rules.assignment_period(on, parameters)
        supplements = rules.child_under_one_supplement(counting, period.start, parameters)
        amount = rules.monthly_amount(counting, income, supplements, parameters)
        for parameter in (*period.parameters, *supplements.parameters):
            used[parameter.name] = parameter
        monthly, base, start, end = amount.monthly, amount.base, period.start, period.end
        supplement_items = supplements.items

    calculation = Calculation(
        need_criterion=parameters.need_criterion.value,
        counted_members=tuple(sorted(m.fin for m in counting.counted)),
        not_counted=tuple(sorted(counting.not_counted, key=lambda n: n.fin)),
        threshold=threshold,
        income_window_start=window.start,
        income_window_end=window.end,
        total_income=income.total,
        average_monthly_income=income.average,
        income_by_source=income.by_source,
        excluded_income=income.excluded,
        utility_monthly_total=utilities.monthly_total,
        utility_cost_per_person=utilities.per_person,
        utility_limit_per_person=utilities.limit,
        purchases=purchases.total,
        purchases_limit=purchases.limit,
        base_amount=base,
        supplements=tuple(sorted(supplement_items, key=lambda s: s.fin)),
    )
    return Decision(
        outcome=Outcome.GRANTED if granted else Outcome.REFUSED,
        monthly_amount=monthly,
        period_start=start,
        period_end=end,
        reasons=reasons,
        calculation=calculation,
        parameters=tuple(used[name] for name in sorted(used)),
        evidence=facts.all_evidence,
        rules_version=rules_version(legislation),
        decided_at=decided_at,
        application_date=on,
    )


# --- JSON: the GraphQL shapes --------------------------------------------------------------


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else str(money(amount))


def _date(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _parameter_value(value: Decimal | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _source(total: rules.SourceTotal, months: int) -> dict[str, Any]:
    return {
        "source": total.source.name,
        "total": _money(total.total),
        "monthlyAverage": _money(rules.per_month(total.total, months)),
    }


def decision_to_json(decision: Decision) -> dict[str, Any]:
    """The GraphQL ``Decision`` shape: camelCase keys, money as strings with two decimals,
    dates ISO 8601, enums as their GraphQL names, lists in a stable order."""
    c = decision.calculation
    months = _window_months(c.income_window_start, c.income_window_end)
    return {
        "outcome": decision.outcome.value,
        "monthlyAmount": _money(decision.monthly_amount),
        "periodStart": _date(decision.period_start),
        "periodEnd": _date(decision.period_end),
        "reasons": [
            {
                "code": reason.code.value,
                "kind": reason.kind.value,
                "messages": {language.value: reason.message(language) for language in Language},
                "reference": reason.reference,
            }
            for reason in decision.reasons
        ],
        "calculation": {
            "applicationDate": decision.application_date.isoformat(),
            "needCriterion": _money(c.need_criterion),
            "countedMembers": len(c.counted_members),
            "counted": list(c.counted_members),
            "notCounted": [
                {"fin": n.fin, "reasons": [reason.value for reason in n.reasons]}
                for n in c.not_counted
            ],
            "threshold": _money(c.threshold),
            "incomeWindowStart": c.income_window_start.isoformat(),
            "incomeWindowEnd": c.income_window_end.isoformat(),
            "totalIncome": _money(c.total_income),
            "averageMonthlyIncome": _money(c.average_monthly_income),
            "incomeBySource": [_source(total, months) for total in c.income_by_source],
            "excludedIncome": [_source(total, months) for total in c.excluded_income],
            "utilityMonthlyTotal": _money(c.utility_monthly_total),
            "utilityCostPerPerson": _money(c.utility_cost_per_person),
            "utilityLimitPerPerson": _money(c.utility_limit_per_person),
            "purchases": _money(c.purchases),
            "purchasesLimit": _money(c.purchases_limit),
            "baseAmount": _money(c.base_amount),
            "supplements": [
                {"kind": "CHILD_UNDER_ONE", "fin": s.fin, "amount": _money(s.amount)}
                for s in c.supplements
            ],
        },
        "parameters": [
            {
                "name": p.name,
                "value": _parameter_value(p.value),
                "unit": p.unit.value,
                "inForceFrom": p.in_force_from.isoformat(),
                "status": p.status.name,
                "reference": p.reference,
            }
            for p in decision.parameters
        ],
        "evidence": [
            {
                "agency": e.agency.value,
                "operation": e.operation,
                "fetchedAt": e.fetched_at.isoformat(),
                "digest": e.digest,
            }
            for e in decision.evidence
        ],
        "rulesVersion": decision.rules_version,
        "decidedAt": decision.decided_at.isoformat(),
    }


def _window_months(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def missing_to_json(result: InsufficientData) -> dict[str, Any]:
    """``{"missingData": [{"agency", "input", "fin"}]}`` (GraphQL ``MissingInput``)."""
    return {
        "missingData": [
            {"agency": item.agency.value, "input": item.input.value, "fin": item.fin}
            for item in result.missing
        ]
    }
