"""Table-driven cases (``cases/*.yaml``): every rule below, at and above its thresholds and on
both sides of every parameter change date. Each case states the decision a caseworker would
expect; only the keys a case gives under ``expect`` are checked."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from assessment import Decision, InsufficientData, assess, decision_to_json

CASES_DIR = Path(__file__).with_name("cases")


def _load() -> list[Any]:
    found = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        # a file is {templates: {...anchors...}, cases: [...]}
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            found.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return found


CASES = _load()


def _money(value: Any) -> str | None:
    return None if value is None else str(Decimal(str(value)).quantize(Decimal("0.01")))


def test_there_are_cases_for_every_rule_file() -> None:
    stems = {path.stem for path in CASES_DIR.glob("*.yaml")}
    assert {"income", "counting", "assets", "utilities", "conduct", "qualifying"} <= stems
    assert len(CASES) >= 100


@pytest.mark.parametrize("case", CASES)
def test_case(case: dict[str, Any], build: Any) -> None:
    on = case["applied"]
    result = assess(
        build.family(case["family"], case.get("declared")), on, datetime.combine(on, time(0), UTC)
    )
    expect = case["expect"]
    if expect["outcome"] == "INSUFFICIENT_DATA":
        assert isinstance(result, InsufficientData), result
        found = [f"{m.input.value}@{m.fin}" if m.fin else m.input.value for m in result.missing]
        assert found == expect["missing"]
        return
    assert isinstance(result, Decision), result
    data = decision_to_json(result)
    calculation = data["calculation"]
    assert data["outcome"] == expect["outcome"]
    if "reasons" in expect:
        assert [r["code"] for r in data["reasons"]] == expect["reasons"]
    if "amount" in expect:
        assert data["monthlyAmount"] == _money(expect["amount"])
    if data["outcome"] == "REFUSED":
        assert data["monthlyAmount"] is None and data["periodStart"] is None
    if "period" in expect:
        assert [data["periodStart"], data["periodEnd"]] == [d.isoformat() for d in expect["period"]]
    if "counted" in expect:
        assert calculation["countedMembers"] == expect["counted"]
    if "not_counted" in expect:
        assert {n["fin"]: n["reasons"] for n in calculation["notCounted"]} == expect["not_counted"]
    for key, field in (
        ("threshold", "threshold"),
        ("average", "averageMonthlyIncome"),
        ("total", "totalIncome"),
        ("utility_per_person", "utilityCostPerPerson"),
        ("utility_limit", "utilityLimitPerPerson"),
        ("purchases", "purchases"),
        ("purchases_limit", "purchasesLimit"),
        ("need_criterion", "needCriterion"),
    ):
        if key in expect:
            assert calculation[field] == _money(expect[key]), field
    if "by_source" in expect:
        assert {s["source"]: s["total"] for s in calculation["incomeBySource"]} == {
            k: _money(v) for k, v in expect["by_source"].items()
        }
    if "excluded" in expect:
        assert {s["source"]: s["total"] for s in calculation["excludedIncome"]} == {
            k: _money(v) for k, v in expect["excluded"].items()
        }
    if "supplements" in expect:
        assert {s["fin"]: s["amount"] for s in calculation["supplements"]} == {
            k: _money(v) for k, v in expect["supplements"].items()
        }
    if "parameters" in expect:
        used = {p["name"]: p["value"] for p in data["parameters"]}
        for name, value in expect["parameters"].items():
            assert used.get(name) == str(value), name
    for name in expect.get("parameters_not_used", []):
        assert name not in {p["name"] for p in data["parameters"]}, name
