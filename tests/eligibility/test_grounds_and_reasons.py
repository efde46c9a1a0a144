"""End to end through GraphQL against the mock agencies: one family per refusal ground and per
qualifying reason (worlds/grounds.yaml), decided from live agency answers on 2026-11-15.

The expected figures are worked out by hand in the world file's terms (need criterion 300.00,
living wage 300.00, income window 2025-11 to 2026-10). DECLARATION_MISMATCH needs the members an
application declares; a dry run has none, so it is tested with applications, not here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from .conftest import Stack
from .shapes import ASSESSMENT_FRAGMENT

PERIOD = ("2026-11-01", "2027-10-31")


@dataclass(frozen=True)
class Expected:
    fin: str  # any member: household(fin:) finds the family
    outcome: str
    amount: str | None
    counted: tuple[str, ...]
    reasons: tuple[str, ...]
    average_income: str


def refused(fin: str, ground: str, average: str = "300.00") -> Expected:
    """A refusal family of the world file: head and disabled spouse, one ground."""
    return Expected(
        fin, "REFUSED", None, (fin, fin[:4] + "2XZ"), (ground, "MEMBER_DISABLED"), average
    )


CASES = {
    "INCOME_AT_OR_ABOVE_THRESHOLD": refused("901A1XZ", "INCOME_AT_OR_ABOVE_THRESHOLD", "700.00"),
    "VEHICLE_OWNED_OR_USED": refused("902A1XZ", "VEHICLE_OWNED_OR_USED"),
    "MULTIPLE_PROPERTIES_SAME_PURPOSE": refused("903A1XZ", "MULTIPLE_PROPERTIES_SAME_PURPOSE"),
    "PURCHASES_ABOVE_LIMIT": refused("904A1XZ", "PURCHASES_ABOVE_LIMIT"),
    "UTILITY_COSTS_ABOVE_LIMIT": refused("905A1XZ", "UTILITY_COSTS_ABOVE_LIMIT"),
    "JOB_OFFERS_REFUSED": refused("906A1XZ", "JOB_OFFERS_REFUSED"),
    "NO_QUALIFYING_REASON": Expected(
        "907A1XZ",
        "REFUSED",
        None,
        ("907A1XZ", "907A2XZ", "907A3XZ"),
        ("NO_QUALIFYING_REASON",),
        "200.00",
    ),
    "FALSE_INFORMATION_BAN": refused("908A1XZ", "FALSE_INFORMATION_BAN"),
    "ACTIVE_ASSIGNMENT_EXISTS": refused("909A1XZ", "ACTIVE_ASSIGNMENT_EXISTS"),
    # granted: need criterion × counted − average income (+ 140.00 per child under one)
    "MEMBER_DISABLED": Expected(
        "911A1XZ", "GRANTED", "260.00", ("911A1XZ", "911A2XZ"), ("MEMBER_DISABLED",), "340.00"
    ),
    "CARER": Expected(
        "912A1XZ",
        "GRANTED",
        "985.00",  # 1200 − (300 wage + 55 imputed farm) + 140 for the baby
        ("912A1XZ", "912A2XZ", "912A3XZ", "912A4XZ"),
        ("CARER",),
        "355.00",
    ),
    "STUDENT": Expected(
        "913A1XZ",
        "GRANTED",
        "550.00",
        ("913A1XZ", "913A2XZ", "913A3XZ"),
        ("STUDENT",),
        "350.00",
    ),
    "UNEMPLOYMENT_INSURANCE": Expected(
        "914A1XZ",
        "GRANTED",
        "166.67",  # 600 − 5200 / 12, rounded half-up
        ("914A1XZ", "914A2XZ"),
        ("UNEMPLOYMENT_INSURANCE",),
        "433.33",
    ),
    "MEMBER_DIED": Expected(
        "915A1XZ", "GRANTED", "100.00", ("915A1XZ",), ("MEMBER_DIED",), "200.00"
    ),
    "MEMBER_MISSING": Expected(
        "916A1XZ", "GRANTED", "350.00", ("916A1XZ", "916A2XZ"), ("MEMBER_MISSING",), "250.00"
    ),
    "MEMBER_IMPRISONED": Expected(
        "917A1XZ", "GRANTED", "450.00", ("917A1XZ", "917A3XZ"), ("MEMBER_IMPRISONED",), "150.00"
    ),
    "NO_ABLE_BODIED_MEMBER": Expected(
        "918A1XZ", "GRANTED", "200.00", ("918A1XZ", "918A2XZ"), ("NO_ABLE_BODIED_MEMBER",), "400.00"
    ),
    "members who are not counted": Expected(
        "921A1XZ", "GRANTED", "250.00", ("921A1XZ", "921A2XZ"), ("MEMBER_DISABLED",), "350.00"
    ),
}

QUERY = (
    """query($fin: FIN!) { household(fin: $fin) { eligibility(on: "2026-11-15") { ...Full } } }"""
    + ASSESSMENT_FRAGMENT
)


async def assess(stack: Stack, fin: str) -> dict:
    body = await stack.query(QUERY, stack.token("auditor"), {"fin": fin})
    assert "errors" not in body, body
    result: dict = body["data"]["household"]["eligibility"]
    return result


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
async def test_each_ground_and_reason_is_decided_from_live_agency_answers(
    stack: Stack, case: str
) -> None:
    expected = CASES[case]
    result = await assess(stack, expected.fin)
    assert result["complete"] is True and result["missingData"] == []
    decision = result["decision"]
    assert decision["outcome"] == expected.outcome
    assert decision["monthlyAmount"] == expected.amount
    granted = expected.outcome == "GRANTED"
    assert (decision["periodStart"], decision["periodEnd"]) == (PERIOD if granted else (None, None))
    assert tuple(r["code"] for r in decision["reasons"]) == expected.reasons
    calculation = decision["calculation"]
    assert tuple(calculation["counted"]) == expected.counted
    assert calculation["countedMembers"] == len(expected.counted)
    assert calculation["threshold"] == f"{300 * len(expected.counted)}.00"
    assert calculation["averageMonthlyIncome"] == expected.average_income


async def test_a_refusal_lists_every_ground_with_its_kind_reference_and_messages(
    stack: Stack,
) -> None:
    body = await stack.query(
        """{ household(fin: "902A1XZ") { eligibility { decision { reasons {
             code kind reference az: message en: message(lang: EN) ru: message(lang: RU) } } } } }""",
        stack.token("auditor"),
    )
    reasons = body["data"]["household"]["eligibility"]["decision"]["reasons"]
    assert [(r["code"], r["kind"]) for r in reasons] == [
        ("VEHICLE_OWNED_OR_USED", "REFUSAL"),
        ("MEMBER_DISABLED", "QUALIFYING"),
    ]
    vehicle = reasons[0]
    assert vehicle["en"].startswith("A family member owns or is a registered user of a motor")
    assert "nəqliyyat vasitəsi" in vehicle["az"]
    assert "транспортным средством" in vehicle["ru"]
    assert "refusal list" in vehicle["reference"]


async def test_the_calculation_shows_incomes_by_source_and_excluded_income(stack: Stack) -> None:
    carer = (await assess(stack, "912A1XZ"))["decision"]["calculation"]
    assert carer["incomeBySource"] == [
        {"source": "WAGE", "total": "3600.00", "monthlyAverage": "300.00"},
        {"source": "IMPUTED_FARM", "total": "660.00", "monthlyAverage": "55.00"},
    ]
    assert carer["supplements"] == [
        {"kind": "CHILD_UNDER_ONE", "fin": "912A4XZ", "amount": "140.00"}
    ]
    assert carer["baseAmount"] == "845.00"
    assignment = (await assess(stack, "909A1XZ"))["decision"]["calculation"]
    assert assignment["excludedIncome"] == [
        {"source": "TSA", "total": "1250.00", "monthlyAverage": "104.17"}
    ]
    imprisoned = (await assess(stack, "917A1XZ"))["decision"]["calculation"]
    assert {s["source"] for s in imprisoned["incomeBySource"]} == {"WAGE", "ALIMONY"}


async def test_utility_costs_at_the_cap_count_the_members_telephone_bills(stack: Stack) -> None:
    calculation = (await assess(stack, "905A1XZ"))["decision"]["calculation"]
    assert calculation["utilityMonthlyTotal"] == "90.00"
    assert calculation["utilityCostPerPerson"] == "45.00"
    assert calculation["utilityLimitPerPerson"] == "45.00"


async def test_members_not_counted_are_listed_with_every_reason(stack: Stack) -> None:
    calculation = (await assess(stack, "921A1XZ"))["decision"]["calculation"]
    assert calculation["notCounted"] == [
        {"fin": "921A3XZ", "reasons": ["CONSCRIPT"]},
        {"fin": "921A4XZ", "reasons": ["WANTED"]},
        {"fin": "921A5XZ", "reasons": ["LIVES_ABROAD"]},
        {"fin": "921A6XZ", "reasons": ["FOREIGNER_OR_STATELESS"]},
        {"fin": "921A7XZ", "reasons": ["STATE_CARE"]},
    ]
    # the foreign spouse's wage of 1000.00 is not the family's income
    assert calculation["averageMonthlyIncome"] == "350.00"


async def test_a_decision_cites_the_parameters_it_used_and_says_which_are_assumed(
    stack: Stack,
) -> None:
    decision = (await assess(stack, "912A1XZ"))["decision"]
    by_name = {p["name"]: p for p in decision["parameters"]}
    assert by_name["need_criterion"] == {
        "name": "need_criterion",
        "value": "300.00",
        "unit": "AZN",
        "inForceFrom": "2026-01-01",
        "status": "CONFIRMED",
        "reference": by_name["need_criterion"]["reference"],
    }
    assert by_name["farm_income_per_cattle"]["status"] == "ASSUMED"
    assert by_name["child_under_one_supplement"]["value"] == "140.00"
    assert decision["rulesVersion"].startswith("2026.1+parameters.")
