"""An agency that fails never yields a wrong decision: the assessment is incomplete, names the
missing inputs, and the rest of the household still answers."""

from __future__ import annotations

import pytest

from .conftest import Stack

DISABLED_FAMILY = "911A1XZ"  # HH-Q01-DISABLED: head 911A1XZ, disabled spouse 911A2XZ

QUERY = """query($fin: FIN!) { household(fin: $fin) {
  id members { person { fin } }
  monthlyIncomes { source amount }
  eligibility { complete decision { outcome } missingData { input agency fin } } } }"""

AGENCIES = (
    "tax",
    "property",
    "utilities",
    "migration",
    "vehicles",
    "social_insurance",
    "disability",
    "employment",
    "education",
    "conscription",
    "justice",
    "agriculture",
    "telecom",
)


async def test_property_down_gives_an_incomplete_assessment_naming_the_missing_input(
    stack: Stack,
) -> None:
    await stack.fault("property", "down")
    body = await stack.query(QUERY, stack.token("auditor"), {"fin": DISABLED_FAMILY})
    assert "errors" not in body, body
    household = body["data"]["household"]
    assert household["eligibility"] == {
        "complete": False,
        "decision": None,
        "missingData": [
            {"input": "property.real_estate", "agency": "property", "fin": "911A1XZ"},
            {"input": "property.real_estate", "agency": "property", "fin": "911A2XZ"},
        ],
    }
    assert household["id"] == "HH-Q01-DISABLED"
    assert len(household["members"]) == 2
    assert {i["source"] for i in household["monthlyIncomes"]} == {"WAGE", "PENSION"}


@pytest.mark.parametrize("agency", AGENCIES)
async def test_any_agency_down_gives_no_decision_and_only_its_own_inputs_missing(
    stack: Stack, agency: str
) -> None:
    await stack.fault(agency, "down")
    body = await stack.query(QUERY, stack.token("auditor"), {"fin": DISABLED_FAMILY})
    eligibility = body["data"]["household"]["eligibility"]
    assert eligibility["complete"] is False
    assert eligibility["decision"] is None
    assert eligibility["missingData"], "an agency the rules read must leave something missing"
    assert {m["agency"] for m in eligibility["missingData"]} == {agency}
    assert all(m["input"].startswith(f"{agency}.") for m in eligibility["missingData"])


async def test_a_hanging_agency_makes_the_assessment_wait_instead_of_guessing(
    stack: Stack,
) -> None:
    await stack.fault("justice", "hang")
    body = await stack.query(QUERY, stack.token("auditor"), {"fin": "917A1XZ"})
    eligibility = body["data"]["household"]["eligibility"]
    assert eligibility["decision"] is None
    inputs = {m["input"] for m in eligibility["missingData"]}
    assert inputs == {"justice.sentences", "justice.civil_status", "justice.alimony"}


async def test_a_utility_provider_down_names_a_household_input_without_a_fin(
    stack: Stack,
) -> None:
    await stack.fault("utilities", "down")
    body = await stack.query(QUERY, stack.token("auditor"), {"fin": DISABLED_FAMILY})
    assert body["data"]["household"]["eligibility"]["missingData"] == [
        {"input": "utilities.electricity", "agency": "utilities", "fin": None},
        {"input": "utilities.gas", "agency": "utilities", "fin": None},
        {"input": "utilities.water", "agency": "utilities", "fin": None},
    ]


async def test_the_population_registry_down_gives_no_household_and_calls_no_other_agency(
    stack: Stack,
) -> None:
    await stack.fault("population", "down")
    body = await stack.query(QUERY, stack.token("auditor"), {"fin": DISABLED_FAMILY})
    assert body["data"]["household"] is None
    assert body["errors"][0]["extensions"] == {
        "code": "AGENCY_UNAVAILABLE",
        "agency": "population",
    }
    calls = await stack.calls()
    assert all(ops == {} for agency, ops in calls.items() if agency != "population")
