"""Pure mappings over captured agency payloads (tests/adapters/payloads/, recorded from the
mock agencies): the documented shapes become records; any other shape is refused by name."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from adapters import shape
from adapters.agriculture import mapping as agriculture
from adapters.disability import mapping as disability
from adapters.education import mapping as education
from adapters.employment import mapping as employment
from adapters.population import mapping as population
from adapters.records import IncomeSource, Relation, UtilityKind
from adapters.social_insurance import mapping as social_insurance
from adapters.tax import mapping as tax
from adapters.telecom import mapping as telecom
from adapters.utilities import mapping as utilities

PAYLOADS = Path(__file__).parent / "payloads"
AYNUR, RESAD, SEBNEM, ORXAN = "5ZX3K8P", "7QW2R9T", "3KP8M2X", "9HJ4N6V"
EVERYONE = {AYNUR, RESAD, SEBNEM, ORXAN, "ZZZZZZ1"}
HOME = "Şərifzadə küç. 12, mənzil 5, Bakı"


def captured(name: str) -> Any:
    return orjson.loads((PAYLOADS / f"{name}.json").read_bytes())


def test_captured_persons_become_person_records() -> None:
    persons = population.persons(captured("population_persons"), EVERYONE)
    assert set(persons) == {AYNUR, RESAD, SEBNEM, ORXAN}
    assert persons[AYNUR].patronymic == "Əli qızı"
    assert persons[ORXAN].wanted is True
    assert persons[SEBNEM].citizenship is None


def test_only_the_fins_asked_are_kept() -> None:
    persons = population.persons(captured("population_persons"), {AYNUR})
    assert set(persons) == {AYNUR}


def test_captured_family_records() -> None:
    families = population.families(captured("population_families"), EVERYONE)
    assert set(families) == {RESAD}
    assert [m.relation for m in families[RESAD].members] == [
        Relation.HEAD,
        Relation.SPOUSE,
        Relation.CHILD,
    ]
    one = population.family(captured("population_family"), "$")
    assert one == families[RESAD]


def test_captured_money_stays_exact_decimal() -> None:
    incomes = tax.incomes(captured("tax_incomes"), EVERYONE)
    rent = [r for r in incomes[AYNUR] if r.source is IncomeSource.RENT]
    assert [str(r.amount) for r in rent] == ["120.50", "120.50"]
    assert all(isinstance(r.amount, Decimal) for r in incomes[AYNUR])
    assert [r.month for r in incomes[AYNUR]] == sorted(r.month for r in incomes[AYNUR])


@pytest.mark.parametrize(
    ("name", "parse", "fin", "expected_count"),
    [
        ("tax_taxpayers", tax.taxpayers, RESAD, 1),
        ("social_insurance_contracts", social_insurance.contracts, AYNUR, 1),
        ("social_insurance_payments", social_insurance.payments, AYNUR, 3),
        ("social_insurance_assignments", social_insurance.assignments, AYNUR, 1),
        ("employment_insurance_payments", employment.insurance_payments, AYNUR, 1),
        ("employment_refused_offers", employment.refused_offers, AYNUR, 2),
        ("education_studies", education.studies, SEBNEM, 1),
        ("education_scholarships", education.scholarships, SEBNEM, 2),
        ("telecom_charges", telecom.charges, AYNUR, 3),
    ],
)
def test_captured_lists_are_grouped_by_fin(
    name: str, parse: Any, fin: str, expected_count: int
) -> None:
    grouped = parse(captured(name), EVERYONE)
    assert len(grouped[fin]) == expected_count
    assert ORXAN not in grouped


def test_captured_single_facts() -> None:
    assert disability.disabilities(captured("disability_disabilities"), EVERYONE)[AYNUR].group == 2
    assert employment.jobseekers(captured("employment_jobseekers"), EVERYONE)[
        AYNUR
    ].registered_on == date(2026, 1, 10)
    findings = social_insurance.findings(captured("social_insurance_findings"), EVERYONE)
    assert set(findings) == {AYNUR}
    farmer = agriculture.farmers(captured("agriculture_farmers"), EVERYONE)[AYNUR]
    assert farmer.land_hectares == Decimal("0.50") and farmer.livestock.poultry == 10
    care = social_insurance.state_care(captured("social_insurance_state_care"), {SEBNEM, AYNUR})
    assert care == {SEBNEM: True, AYNUR: False}


def test_captured_utility_charges_keep_address_and_meter() -> None:
    charges = utilities.charges(UtilityKind.ELECTRICITY, captured("utilities_electricity"), {HOME})
    assert [c.month.month for c in charges[HOME]] == [1, 2]
    assert {c.kind for c in charges[HOME]} == {UtilityKind.ELECTRICITY}
    assert all(c.meter_id for c in charges[HOME])


def test_the_latest_false_information_finding_wins() -> None:
    payload = {
        "findings": [
            {"fin": AYNUR, "false_information_found_on": "2023-01-01"},
            {"fin": AYNUR, "false_information_found_on": "2024-06-01"},
        ]
    }
    assert social_insurance.findings(payload, {AYNUR})[AYNUR].false_information_found_on == date(
        2024, 6, 1
    )


def test_two_disability_records_for_one_person_are_refused() -> None:
    record = {"fin": AYNUR, "percent": 60, "group": 2, "child": False, "until": None}
    with pytest.raises(shape.ShapeError):
        disability.disabilities({"disabilities": [record, record]}, {AYNUR})


def person(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = captured("population_persons")["persons"][0]
    return {**base, **changes}


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ([], "$"),
        ({"persons": {}}, "$.persons"),
        ({"persons": [person(birth_date="02.04.1988")]}, "$.persons[0].birth_date"),
        ({"persons": [person(birth_date="1988-02-30")]}, "$.persons[0].birth_date"),
        ({"persons": [person(sex="X")]}, "$.persons[0].sex"),
        ({"persons": [person(wanted="no")]}, "$.persons[0].wanted"),
        ({"persons": [person(first_name="")]}, "$.persons[0].first_name"),
        ({"persons": [person(fin=None)]}, "$.persons[0].fin"),
        ({"persons": ["5ZX3K8P"]}, "$.persons[0]"),
    ],
)
def test_a_wrong_shape_is_refused_naming_the_field_not_the_value(payload: Any, path: str) -> None:
    with pytest.raises(shape.ShapeError) as raised:
        population.persons(payload, EVERYONE)
    assert raised.value.path == path
    assert "1988" not in str(raised.value) and "Aynur" not in str(raised.value)


@pytest.mark.parametrize("amount", [450.0, 450, "450,00", "4.5e2", "NaN", "", None, True])
def test_money_must_be_a_decimal_string(amount: Any) -> None:
    payload = {"incomes": [{"fin": AYNUR, "month": "2026-01", "source": "wage", "amount": amount}]}
    with pytest.raises(shape.ShapeError, match="amount"):
        tax.incomes(payload, {AYNUR})


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "2026-01-01", 202601])
def test_months_must_be_year_and_month(month: Any) -> None:
    payload = {"incomes": [{"fin": AYNUR, "month": month, "source": "wage", "amount": "1.00"}]}
    with pytest.raises(shape.ShapeError, match="month"):
        tax.incomes(payload, {AYNUR})


def test_an_income_source_the_agency_does_not_pay_is_refused() -> None:
    payload = {
        "incomes": [{"fin": AYNUR, "month": "2026-01", "source": "pension", "amount": "1.00"}]
    }
    with pytest.raises(shape.ShapeError, match="source"):
        tax.incomes(payload, {AYNUR})


@pytest.mark.parametrize("percent", [-1, 101, 60.5, True, "60"])
def test_disability_percent_is_an_integer_from_0_to_100(percent: Any) -> None:
    payload = {"disabilities": [{"fin": AYNUR, "percent": percent, "group": None, "child": False}]}
    with pytest.raises(shape.ShapeError, match="percent"):
        disability.disabilities(payload, {AYNUR})
