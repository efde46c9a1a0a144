"""Rules called one by one, for what the composed decision cannot reach: dates before the
engine's first supported day (the 2020 changes), and facts without evidence."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from assessment import Decision, Fact, assess, decision_to_json, rules
from assessment.legislation import default_legislation

PENSIONER_WITH_CREDIT: dict[str, Any] = {
    "members": [
        {"fin": "PENS001", "born": date(1950, 1, 1),
         "incomes": [{"source": "credit", "monthly": "100.00", "from": "2019-01", "until": "2020-12"}]},
    ]
}  # fmt: skip


def _income(build: Any, on: date) -> rules.IncomeAssessment:
    parameters = default_legislation().on(on)
    facts = build.family(PENSIONER_WITH_CREDIT)
    counting = rules.count_members(facts, on)
    assert isinstance(counting, rules.Counting)
    found = rules.average_monthly_income(counting, rules.income_window(on, parameters), parameters)
    assert isinstance(found, rules.IncomeAssessment)
    return found


def test_credit_counted_as_income_until_october_2020(build: Any) -> None:
    assert _income(build, date(2020, 10, 31)).average == Decimal("100")


def test_credit_not_counted_from_november_2020(build: Any) -> None:
    income = _income(build, date(2020, 11, 1))
    assert income.average == Decimal("0")
    assert [(s.source.value, s.total) for s in income.excluded] == [("credit", Decimal("1200.00"))]


def test_the_assignment_period_was_two_years_before_june_2020() -> None:
    legislation = default_legislation()
    after_change = legislation.on(date(2020, 6, 2))
    # The whole snapshot of 2020-06-01 does not exist (the false-information ban came in on
    # 2020-06-02); the period rule reads only its own parameter.
    before_change = dataclasses.replace(
        after_change,
        assignment_period_months=legislation.parameter("assignment_period_months").at(
            date(2020, 6, 1)
        ),
    )
    before = rules.assignment_period(date(2020, 6, 1), before_change)
    after = rules.assignment_period(date(2020, 6, 2), after_change)
    assert (before.start, before.end) == (date(2020, 6, 1), date(2022, 5, 31))
    assert (after.start, after.end) == (date(2020, 6, 1), date(2021, 5, 31))


def test_the_utility_cap_was_ten_percent_before_november_2020(build: Any) -> None:
    on = date(2020, 10, 31)
    parameters = default_legislation().on(on)
    facts = build.family({"members": [{"fin": "PENS001", "born": date(1950, 1, 1)}]})
    counting = rules.count_members(facts, on)
    assert isinstance(counting, rules.Counting)
    cost = rules.utility_costs_above_limit(
        facts, counting, rules.income_window(on, parameters), parameters
    )
    assert isinstance(cost, rules.UtilityCost)
    assert cost.limit == Decimal("19.0000")  # 10 % of the 2020 living wage, 190.00


def test_a_fact_known_without_evidence_cites_none(build: Any) -> None:
    facts = build.family({"members": [{"fin": "PENS001", "born": date(1950, 1, 1)}]})
    facts = dataclasses.replace(facts, electricity=Fact.known(()), evidence=())
    result = assess(facts, date(2026, 11, 15), datetime(2026, 11, 15, tzinfo=UTC))
    assert isinstance(result, Decision)
    cited = {(e["agency"], e["operation"]) for e in decision_to_json(result)["evidence"]}
    assert ("utilities", "utilities.electricity") not in cited
    assert ("utilities", "utilities.gas") in cited


def test_a_member_without_a_farm_has_no_imputed_income_and_cites_no_coefficient(
    build: Any,
) -> None:
    parameters = default_legislation().on(date(2026, 11, 15))
    member = build.member({"fin": "PENS001", "born": date(1950, 1, 1)})
    assert rules.imputed_farm_income(member, parameters) == (Decimal("0"), ())


def test_a_farm_gives_income_by_its_land_and_livestock(build: Any) -> None:
    parameters = default_legislation().on(date(2026, 11, 15))
    member = build.member(
        {"fin": "FARM001", "born": date(1950, 1, 1), "farm": {"land": "2.0", "cattle": 1}}
    )
    monthly, cited = rules.imputed_farm_income(member, parameters)
    assert monthly == Decimal("50")  # 2 ha × 15 + 1 head of cattle × 20
    assert "farm_income_per_hectare" in {p.name for p in cited}
