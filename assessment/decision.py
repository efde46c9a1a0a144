"""The decision: composing the rules, the decision record, and its JSON (GraphQL) shape.

:func:`assess` is pure: the same facts, application date, ``decided_at`` and parameters give the
same :class:`Decision`, and :func:`decision_to_json` the same JSON, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, localcontext
from enum import StrEnum
from typing import Any, TypeVar, cast

from assessment import rules
from assessment.facts import (
    Agency,
    Evidence,
    FamilyFacts,
    IncomeSource,
    Input,
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
from assessment.rules import Finding, Missing, NotCounted, money

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


_REASON_RANK = {code: rank for rank, code in enumerate((*REFUSAL_ORDER, *QUALIFYING_ORDER))}
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
    terms = rules.terms(on, parameters)
    window = terms.window

    found = rules.count_members(facts, on)
    # Counting unknown: go on with everyone alive counted, to name every other missing input.
    counting = rules.everyone_living(facts, on) if isinstance(found, Missing) else found

    income = rules.average_monthly_income(counting, window, parameters)
    purchases = rules.purchases_above_limit(counting, window, parameters)
    utilities = rules.utility_costs_above_limit(facts, counting, window, parameters)
    others = (
        rules.vehicle_owned_or_used(counting, on),
        rules.multiple_properties_same_purpose(counting, on),
        rules.job_offers_refused(counting, on, parameters),
        rules.declaration_mismatch(facts, counting),
        rules.false_information_ban(counting, on, parameters),
        rules.active_assignment_exists(facts, on),
    )
    qualifying = (
        rules.member_disabled(counting),
        rules.carer(counting, on, parameters),
        rules.student(counting, on, parameters),
        rules.unemployment_insurance(counting, window),
        rules.member_died(facts, on, window),
        rules.member_missing(counting),
        rules.member_imprisoned(counting, on),
        rules.no_able_bodied_member(counting, parameters),
    )
    if not counting.complete:  # complete facts: no rule can have missed an input
        missing = _missing(found, income, purchases, utilities, *others, *qualifying)
        if missing:
            return InsufficientData(missing, on)

    # Every rule answered.
    assert not isinstance(income, Missing)
    assert not isinstance(purchases, Missing)
    assert not isinstance(utilities, Missing)
    qualifying_findings = cast(_Findings, qualifying)
    refusal_findings = (
        rules.income_at_or_above_threshold(counting, income, parameters),
        purchases.finding,
        utilities.finding,
        *cast(_Findings, others),
        rules.no_qualifying_reason(qualifying_findings),
    )
    holding = [finding.code for finding in refusal_findings if finding.holds]
    granted = not holding
    holding += [finding.code for finding in qualifying_findings if finding.holds]
    reasons = tuple([_REASONS[code] for code in sorted(holding, key=_REASON_RANK.__getitem__)])

    threshold = rules.threshold(counting, parameters)
    monthly: Decimal | None = None
    base: Decimal | None = None
    start: date | None = None
    end: date | None = None
    supplement_items: tuple[rules.ChildSupplement, ...] = ()
    amount_parameters: rules.Parameters_ = ()
    if granted:
        period = terms.period
        supplements = rules.child_under_one_supplement(counting, period.start, parameters)
        amount = rules.monthly_amount(counting, income, supplements, parameters)
        monthly, base, start, end = amount.monthly, amount.base, period.start, period.end
        supplement_items = supplements.items
        amount_parameters = (*period.parameters, *supplements.parameters)

    # The parameters cited: every rule cites the same ones for every family on a date, except
    # the income rule (the farm coefficients, when a counted member farms) and the amount (the
    # period, and the supplement when one is paid); so the sorted list is worked out once per
    # date for each count of those (test_golden.py checks it against a fresh union each time).
    citations_key = (len(income.parameters), len(amount_parameters))
    cited = terms.citations.get(citations_key)
    if cited is None:
        cited = terms.citations[citations_key] = _citations(
            window.parameters,
            income.parameters,
            *(finding.parameters for finding in refusal_findings),
            *(finding.parameters for finding in qualifying_findings),
            amount_parameters,
        )

    # Positional: a frozen dataclass's __init__ matches keywords one by one, and these two
    # records are the largest a decision builds (the comments name the fields).
    calculation = Calculation(
        parameters.need_criterion.value,  # need_criterion
        tuple(sorted([m.fin for m in counting.counted])),  # counted_members
        _by_fin(counting.not_counted),  # not_counted
        threshold,  # threshold
        window.start,  # income_window_start
        window.end,  # income_window_end
        income.total,  # total_income
        income.average,  # average_monthly_income
        income.by_source,  # income_by_source
        income.excluded,  # excluded_income
        utilities.monthly_total,  # utility_monthly_total
        utilities.per_person,  # utility_cost_per_person
        utilities.limit,  # utility_limit_per_person
        purchases.total,  # purchases
        purchases.limit,  # purchases_limit
        base,  # base_amount
        _by_fin(supplement_items),  # supplements
    )
    return Decision(
        _GRANTED if granted else _REFUSED,  # outcome
        monthly,  # monthly_amount
        start,  # period_start
        end,  # period_end
        reasons,  # reasons
        calculation,  # calculation
        cited,  # parameters
        facts.all_evidence,  # evidence
        rules_version(legislation),  # rules_version
        decided_at,  # decided_at
        on,  # application_date
    )


_GRANTED, _REFUSED = Outcome.GRANTED, Outcome.REFUSED
_Findings = tuple[Finding, ...]  # built once: subscripting a type at run time makes an object
_Sorted = TypeVar("_Sorted", rules.NotCounted, rules.ChildSupplement)


def _by_fin(items: tuple[_Sorted, ...]) -> tuple[_Sorted, ...]:
    return items if len(items) < 2 else tuple(sorted(items, key=rules.BY_FIN))


def _citations(*groups: rules.Parameters_) -> tuple[ParameterValue[Any], ...]:
    """Every parameter in ``groups``, once each, sorted by name."""
    used: dict[str, ParameterValue[Any]] = {}
    for group in groups:
        for parameter in group:
            used[parameter.name] = parameter
    return tuple(used[name] for name in sorted(used))


def _missing(*results: object) -> tuple[MissingInput, ...]:
    """Every input the rules missed, once each, sorted by input then FIN."""
    unique: dict[tuple[str, str], MissingInput] = {}
    for result in results:
        if isinstance(result, Missing):
            for item in result.inputs:
                unique[_missing_key(item)] = item
    return tuple(unique[key] for key in sorted(unique))


# --- JSON: the GraphQL shapes --------------------------------------------------------------
#
# Speed: on Python 3.11 an enum member's .value and .name are Python-level properties, and a
# decision's JSON reads dozens of them; the lookups below give the same strings several times
# faster. A date's cited parameters are one tuple shared by its decisions (see _assess), so
# their JSON is built once per tuple and copied. Every call returns fresh dicts and lists.

_OUTCOME = {outcome: outcome.value for outcome in Outcome}
_CODE = {code: code.value for code in ReasonCode}
_KIND = {kind: kind.value for kind in ReasonKind}
_MESSAGES = {
    code: {language.value: REASONS[code].message(language) for language in Language}
    for code in ReasonCode
}
_NOT_COUNTED = {reason: reason.value for reason in rules.NotCountedReason}
_SOURCE = {source: source.name for source in IncomeSource}
_AGENCY = {agency: agency.value for agency in Agency}
_INPUT = {item: (item.value, item.agency.value) for item in Input}

# Keyed by the tuple's identity; each entry holds its tuple, so no other object can take its
# id while the entry lives. Bounded: cleared when full.
_PARAMETERS_JSON: dict[int, tuple[tuple[ParameterValue[Any], ...], tuple[dict[str, str], ...]]]
_PARAMETERS_JSON = {}
_PARAMETERS_JSON_LIMIT = 256


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
        "source": _SOURCE[total.source],
        "total": _money(total.total),
        "monthlyAverage": _money(rules.per_month(total.total, months)),
    }


def _parameters(parameters: tuple[ParameterValue[Any], ...]) -> list[dict[str, str]]:
    found = _PARAMETERS_JSON.get(id(parameters))
    if found is None:
        if len(_PARAMETERS_JSON) >= _PARAMETERS_JSON_LIMIT:
            _PARAMETERS_JSON.clear()
        found = _PARAMETERS_JSON[id(parameters)] = (
            parameters,
            tuple(
                {
                    "name": p.name,
                    "value": _parameter_value(p.value),
                    "unit": p.unit.value,
                    "inForceFrom": p.in_force_from.isoformat(),
                    "status": p.status.name,
                    "reference": p.reference,
                }
                for p in parameters
            ),
        )
    return [dict(item) for item in found[1]]


def _evidence(evidence: tuple[Evidence, ...]) -> list[dict[str, str]]:
    # The answers of one household were mostly fetched at one time: written once.
    times: dict[int, str] = {}
    found = []
    for e in evidence:
        fetched_at = times.get(id(e.fetched_at))
        if fetched_at is None:
            fetched_at = times[id(e.fetched_at)] = e.fetched_at.isoformat()
        found.append(
            {
                "agency": _AGENCY[e.agency],
                "operation": e.operation,
                "fetchedAt": fetched_at,
                "digest": e.digest,
            }
        )
    return found


def decision_to_json(decision: Decision) -> dict[str, Any]:
    """The GraphQL ``Decision`` shape: camelCase keys, money as strings with two decimals,
    dates ISO 8601, enums as their GraphQL names, lists in a stable order."""
    c = decision.calculation
    months = _window_months(c.income_window_start, c.income_window_end)
    return {
        "outcome": _OUTCOME[decision.outcome],
        "monthlyAmount": _money(decision.monthly_amount),
        "periodStart": _date(decision.period_start),
        "periodEnd": _date(decision.period_end),
        "reasons": [
            {
                "code": _CODE[reason.code],
                "kind": _KIND[reason.kind],
                "messages": dict(_MESSAGES[reason.code]),
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
                {"fin": n.fin, "reasons": [_NOT_COUNTED[reason] for reason in n.reasons]}
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
        "parameters": _parameters(decision.parameters),
        "evidence": _evidence(decision.evidence),
        "rulesVersion": decision.rules_version,
        "decidedAt": decision.decided_at.isoformat(),
    }


def _window_months(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def missing_to_json(result: InsufficientData) -> dict[str, Any]:
    """``{"missingData": [{"agency", "input", "fin"}]}`` (GraphQL ``MissingInput``)."""
    found = []
    for item in result.missing:
        name, agency = _INPUT[item.input]
        found.append({"agency": agency, "input": name, "fin": item.fin})
    return {"missingData": found}
