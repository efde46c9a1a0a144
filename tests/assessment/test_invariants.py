"""Invariants over generated families (hypothesis): more income never raises the amount; the
amount is never negative; a granted amount (before supplements) never exceeds the threshold;
one more counted member never lowers the threshold; the same input gives the same bytes."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import UTC, date, datetime, time
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from assessment import (
    Decision,
    Disability,
    Fact,
    FamilyFacts,
    IncomeSource,
    MemberFacts,
    MonthlyCharge,
    MonthlyIncome,
    Relation,
    Vehicle,
    VehicleKind,
    VehicleRole,
    assess,
    decision_to_json,
)
from assessment.dates import add_months

SETTINGS = settings(max_examples=150, deadline=None)
COUNTED_SOURCES = [
    IncomeSource.WAGE,
    IncomeSource.PENSION,
    IncomeSource.RENT,
    IncomeSource.BENEFIT,
    IncomeSource.ALIMONY,
]

amounts = st.decimals(min_value=0, max_value=1500, places=2, allow_nan=False)
application_dates = st.dates(min_value=date(2021, 1, 1), max_value=date(2027, 12, 31))


def _window_month(on: date, back: int) -> date:
    return add_months(on.replace(day=1), -back)


@st.composite
def members(draw: st.DrawFn, on: date, index: int) -> MemberFacts:
    incomes = tuple(
        MonthlyIncome(_window_month(on, draw(st.integers(0, 13))), source, draw(amounts))
        for source in draw(st.lists(st.sampled_from(list(IncomeSource)[:11]), max_size=4))
    )
    disability = draw(st.none() | st.builds(Disability, st.integers(10, 100)))
    vehicles = tuple(
        Vehicle(f"10-AB-{index}{n}", VehicleKind.CAR, VehicleRole.OWNER, date(2019, 1, 1),
                Decimal("5000"), draw(st.booleans()))
        for n in range(draw(st.integers(0, 1)))
    )  # fmt: skip
    return MemberFacts(
        fin=f"M{index:06d}",
        relation=draw(st.sampled_from(list(Relation))),
        birth_date=draw(st.dates(min_value=date(1935, 1, 1), max_value=on)),
        citizenship=draw(st.sampled_from(["AZ", "AZ", "AZ", "TR", None])),
        wanted=False,
        died_on=None,
        lives_abroad=Fact.known(draw(st.sampled_from([False, False, False, True]))),
        in_state_care=Fact.known(False),
        military_service=Fact.known(()),
        sentences=Fact.known(()),
        declared_missing=Fact.known(draw(st.sampled_from([False, False, True]))),
        disability=Fact.known(disability),
        contracts=Fact.known(()),
        entrepreneur=Fact.known(()),
        studies=Fact.known(()),
        refused_job_offers=Fact.known(()),
        real_estate=Fact.known(()),
        vehicles=Fact.known(vehicles),
        assignments=Fact.known(()),
        false_information_found=Fact.known(()),
        farm=Fact.known(None),
        telecom_charges=Fact.known(
            tuple(MonthlyCharge(_window_month(on, b), draw(amounts) / 20) for b in range(1, 4))
        ),
        tax_incomes=Fact.known(incomes),
        social_insurance_payments=Fact.known(()),
        unemployment_insurance=Fact.known(()),
        scholarships=Fact.known(()),
        alimony=Fact.known(()),
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[FamilyFacts, date]:
    on = draw(application_dates)
    people = tuple(draw(members(on, i)) for i in range(draw(st.integers(1, 5))))
    charges = tuple(MonthlyCharge(_window_month(on, b), draw(amounts) / 10) for b in range(1, 13))
    facts = FamilyFacts(
        household_id="HH-GEN-000001",
        members=people,
        electricity=Fact.known(charges),
        gas=Fact.known(()),
        water=Fact.known(()),
    )
    return facts, on


def _decide(facts: FamilyFacts, on: date) -> Decision:
    result = assess(facts, on, datetime.combine(on, time(0), UTC))
    assert isinstance(result, Decision)
    return result


def _paid(decision: Decision) -> Decimal:
    return decision.monthly_amount if decision.monthly_amount is not None else Decimal(0)


@SETTINGS
@given(cases(), st.data())
def test_more_income_never_raises_the_amount(
    case: tuple[FamilyFacts, date], data: st.DataObject
) -> None:
    facts, on = case
    index = data.draw(st.integers(0, len(facts.members) - 1))
    extra = MonthlyIncome(
        _window_month(on, data.draw(st.integers(1, 12))),
        data.draw(st.sampled_from(COUNTED_SOURCES)),
        data.draw(amounts),
    )
    member = facts.members[index]
    richer_member = dataclasses.replace(
        member, tax_incomes=Fact.known((*member.tax_incomes.value, extra))
    )
    richer = dataclasses.replace(
        facts,
        members=tuple(richer_member if i == index else m for i, m in enumerate(facts.members)),
    )
    assert _paid(_decide(richer, on)) <= _paid(_decide(facts, on))


@SETTINGS
@given(cases())
def test_the_amount_is_never_negative_and_never_above_the_threshold(
    case: tuple[FamilyFacts, date],
) -> None:
    decision = _decide(*case)
    if decision.monthly_amount is None:
        assert decision.calculation.base_amount is None
        return
    base = decision.calculation.base_amount
    assert base is not None
    assert decision.monthly_amount >= 0 and base >= 0
    assert base <= decision.calculation.threshold
    supplements = sum((s.amount for s in decision.calculation.supplements), Decimal(0))
    assert decision.monthly_amount == base + supplements


@SETTINGS
@given(cases(), st.dates(min_value=date(1961, 12, 31), max_value=date(2026, 12, 31)))
def test_one_more_counted_member_never_lowers_the_threshold(
    case: tuple[FamilyFacts, date], born: date
) -> None:
    facts, on = case
    newcomer = dataclasses.replace(
        facts.members[0],
        fin="NEW0001",
        birth_date=min(born, on),
        relation=Relation.CHILD,
        citizenship="AZ",
        wanted=False,
        lives_abroad=Fact.known(False),
    )
    bigger = dataclasses.replace(facts, members=(*facts.members, newcomer))
    before, after = _decide(facts, on), _decide(bigger, on)
    assert len(after.calculation.counted_members) == len(before.calculation.counted_members) + 1
    assert after.calculation.threshold >= before.calculation.threshold


@SETTINGS
@given(cases())
def test_the_same_input_gives_the_same_bytes(case: tuple[FamilyFacts, date]) -> None:
    facts, on = case
    first = json.dumps(decision_to_json(_decide(facts, on)), ensure_ascii=False)
    assert (
        json.dumps(decision_to_json(_decide(copy.deepcopy(facts), on)), ensure_ascii=False) == first
    )
