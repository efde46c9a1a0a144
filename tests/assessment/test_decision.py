"""The decision record and its GraphQL JSON: shape, determinism, evidence, refusals of bad
calls, and the facts model's guards."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, localcontext
from typing import Any

import pytest

from assessment import (
    Agency,
    Decision,
    Evidence,
    Fact,
    Input,
    InsufficientData,
    Language,
    MissingInput,
    Outcome,
    ReasonCode,
    UnknownFactError,
    UnsupportedApplicationDate,
    assess,
    decision_to_json,
    missing_to_json,
    rules_version,
)
from assessment.legislation import default_legislation

ON = date(2026, 11, 15)
DECIDED_AT = datetime(2026, 11, 15, 9, 0, tzinfo=UTC)

GRANTED_FAMILY: dict[str, Any] = {
    "members": [
        {"fin": "MOTH001", "born": date(1990, 1, 1), "relation": "head"},
        {"fin": "BABY001", "born": date(2026, 3, 10), "relation": "child"},
        {"fin": "FARM001", "born": date(1950, 1, 1), "relation": "parent",
         "farm": {"land": "1.0"},
         "incomes": [{"source": "pension", "monthly": "250.00", "from": "2025-11", "until": "2026-10"},
                     {"source": "tsa", "monthly": "100.00", "from": "2025-11", "until": "2026-10"}]},
        {"fin": "ABRD001", "born": date(1992, 1, 1), "relation": "sibling", "abroad": True},
    ],
    "utilities": {"electricity": [{"monthly": "30.00", "from": "2025-11", "until": "2026-10"}]},
}  # fmt: skip


def _decide(build: Any, data: dict[str, Any] = GRANTED_FAMILY, **kwargs: Any) -> Decision:
    result = assess(build.family(data), ON, DECIDED_AT, **kwargs)
    assert isinstance(result, Decision)
    return result


def test_the_json_has_the_graphql_decision_shape(build: Any) -> None:
    data = decision_to_json(_decide(build))
    assert list(data) == [
        "outcome", "monthlyAmount", "periodStart", "periodEnd", "reasons", "calculation",
        "parameters", "evidence", "rulesVersion", "decidedAt",
    ]  # fmt: skip
    assert data["outcome"] == "GRANTED"
    # 300 × 3 counted − (250 + 15 farm) + 140 for the baby
    assert data["monthlyAmount"] == "775.00"
    assert (data["periodStart"], data["periodEnd"]) == ("2026-11-01", "2027-10-31")
    assert data["decidedAt"] == "2026-11-15T09:00:00+00:00"
    assert data["rulesVersion"] == rules_version(default_legislation())
    reason = data["reasons"][0]
    assert reason["code"] == "CARER" and reason["kind"] == "QUALIFYING"
    assert set(reason["messages"]) == {"az", "en", "ru"}
    assert "art. 3" in reason["reference"]


def test_the_calculation_shows_every_number_behind_the_amount(build: Any) -> None:
    calculation = decision_to_json(_decide(build))["calculation"]
    assert calculation == {
        "applicationDate": "2026-11-15",
        "needCriterion": "300.00",
        "countedMembers": 3,
        "counted": ["BABY001", "FARM001", "MOTH001"],
        "notCounted": [{"fin": "ABRD001", "reasons": ["LIVES_ABROAD"]}],
        "threshold": "900.00",
        "incomeWindowStart": "2025-11-01",
        "incomeWindowEnd": "2026-10-31",
        "totalIncome": "3180.00",
        "averageMonthlyIncome": "265.00",
        "incomeBySource": [
            {"source": "PENSION", "total": "3000.00", "monthlyAverage": "250.00"},
            {"source": "IMPUTED_FARM", "total": "180.00", "monthlyAverage": "15.00"},
        ],
        "excludedIncome": [{"source": "TSA", "total": "1200.00", "monthlyAverage": "100.00"}],
        "utilityMonthlyTotal": "30.00",
        "utilityCostPerPerson": "10.00",
        "utilityLimitPerPerson": "45.00",
        "purchases": "0.00",
        "purchasesLimit": "3600.00",
        "baseAmount": "635.00",
        "supplements": [{"kind": "CHILD_UNDER_ONE", "fin": "BABY001", "amount": "140.00"}],
    }


def test_every_parameter_used_is_cited_with_its_date_and_status(build: Any) -> None:
    parameters = {p["name"]: p for p in decision_to_json(_decide(build))["parameters"]}
    assert list(parameters) == sorted(parameters)
    assert parameters["need_criterion"] == {
        "name": "need_criterion",
        "value": "300.00",
        "unit": "AZN",
        "inForceFrom": "2026-01-01",
        "status": "CONFIRMED",
        "reference": parameters["need_criterion"]["reference"],
    }
    assert parameters["farm_income_per_hectare"]["status"] == "ASSUMED"
    assert parameters["credit_counted_as_income"]["value"] == "false"
    assert parameters["utility_cap_share"]["value"] == "0.15"
    assert parameters["assignment_period_months"]["value"] == "12"
    assert parameters["child_under_one_supplement"]["inForceFrom"] == "2025-11-01"


def test_the_evidence_cites_each_agency_answer_once_in_a_stable_order(build: Any) -> None:
    evidence = decision_to_json(_decide(build))["evidence"]
    keys = [(e["agency"], e["operation"]) for e in evidence]
    assert keys == sorted(keys) and len(keys) == len(set(keys))
    assert ("population", "families/{household_id}") in keys
    assert ("tax", "tax.incomes") in keys and ("utilities", "utilities.gas") in keys
    assert evidence[0]["fetchedAt"] == "2026-11-15T08:30:00+00:00"
    assert all(e["digest"].startswith("sha256:") for e in evidence)


def test_a_refused_decision_has_no_amount_and_no_period(build: Any) -> None:
    data = {"members": [{"fin": "ADLT001", "born": date(1990, 1, 1)}]}
    decision = _decide(build, data)
    assert decision.outcome is Outcome.REFUSED
    out = decision_to_json(decision)
    assert (out["monthlyAmount"], out["periodStart"], out["periodEnd"]) == (None, None, None)
    assert out["calculation"]["baseAmount"] is None
    assert out["reasons"][0]["kind"] == "REFUSAL"


def test_the_same_facts_and_date_give_the_same_bytes(build: Any) -> None:
    first = json.dumps(decision_to_json(_decide(build)), ensure_ascii=False)
    again = json.dumps(decision_to_json(_decide(build)), ensure_ascii=False)
    assert first == again


def test_a_callers_decimal_context_does_not_change_the_decision(build: Any) -> None:
    data = {
        "members": [
            {"fin": "PENS001", "born": date(1950, 1, 1),
             "incomes": [{"source": "pension", "monthly": "100.00", "from": "2026-10", "until": "2026-10"}]},
        ]
    }  # fmt: skip
    expected = decision_to_json(_decide(build, data))
    with localcontext() as context:
        context.prec = 4
        assert decision_to_json(_decide(build, data)) == expected
    assert expected["monthlyAmount"] == "291.67"


def test_a_reason_speaks_azerbaijani_english_and_russian(build: Any) -> None:
    reason = _decide(build).reasons[0]
    assert reason.code is ReasonCode.CARER
    assert reason.message() == reason.message(Language.AZ)
    assert "qulluq" in reason.message(Language.AZ)
    assert reason.message(Language.EN).startswith("An able-bodied member")
    assert "ухаживает" in reason.message(Language.RU)


def test_an_application_before_2021_is_refused_with_a_clear_error(build: Any) -> None:
    with pytest.raises(UnsupportedApplicationDate, match="rules before 2021 are not modelled"):
        assess(build.family(GRANTED_FAMILY), date(2020, 12, 31), DECIDED_AT)


def test_a_naive_decision_time_is_refused(build: Any) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        assess(build.family(GRANTED_FAMILY), ON, datetime(2026, 11, 15, 9, 0))


def test_the_decision_time_keeps_its_offset(build: Any) -> None:
    baku = timezone(timedelta(hours=4))
    result = assess(build.family(GRANTED_FAMILY), ON, datetime(2026, 11, 15, 13, 0, tzinfo=baku))
    assert isinstance(result, Decision)
    assert decision_to_json(result)["decidedAt"] == "2026-11-15T13:00:00+04:00"


def test_missing_data_names_the_agency_the_input_and_the_member(build: Any) -> None:
    data = {
        "members": [{"fin": "PENS001", "born": date(1950, 1, 1), "unknown": ["tax.incomes"]}],
        "unknown": ["utilities.water"],
    }
    result = assess(build.family(data), ON, DECIDED_AT)
    assert isinstance(result, InsufficientData)
    assert missing_to_json(result) == {
        "missingData": [
            {"agency": "tax", "input": "tax.incomes", "fin": "PENS001"},
            {"agency": "utilities", "input": "utilities.water", "fin": None},
        ]
    }
    assert result.missing[0] == MissingInput(Input.TAX_INCOMES, "PENS001")
    assert result.missing[0].agency is Agency.TAX


def test_reading_an_unknown_fact_raises() -> None:
    with pytest.raises(UnknownFactError):
        _ = Fact.unknown().value
    assert Fact.known(Decimal("1")).value == Decimal("1")


def test_evidence_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Evidence(Agency.TAX, "incomes:batch", datetime(2026, 1, 1), "sha256:x")


def test_a_decision_can_be_made_with_a_given_legislation(build: Any) -> None:
    legislation = default_legislation()
    assert _decide(build, legislation=legislation).rules_version.endswith(legislation.digest[:12])


def test_a_members_fact_is_found_by_its_input_name(build: Any) -> None:
    member = build.member({"fin": "PENS001", "born": date(1950, 1, 1), "unknown": ["tax.incomes"]})
    assert not member.fact(Input.TAX_INCOMES).is_known
    assert member.fact(Input.VEHICLES).value == ()
    assert member.unknown == {Input.TAX_INCOMES}
