"""`vemtas assess`: a household of a world file, decided offline, printed as text or as the
GraphQL Decision JSON; and the world → facts mapping checked against the generator's own
account of what each generated family should get."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from assessment import Decision, ReasonKind, assess, decision_to_json
from gateway.cli import main
from gateway.world_facts import household_facts
from mocks.generate import generate_world, get_scenario, scenario_of
from mocks.world_io import load_world

WORLD = Path(__file__).with_name("worlds") / "examples.yaml"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["assess", "--world", str(WORLD), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_prints_the_graphql_decision_of_a_granted_family(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, "--household", "HH-YAS-000001", "--on", "2026-11-15", "--json")
    assert code == 0
    data = json.loads(out)
    # 300 × 3 counted (the father lives abroad) − 120 alimony + 140 for the baby
    assert data["outcome"] == "GRANTED"
    assert data["monthlyAmount"] == "920.00"
    assert (data["periodStart"], data["periodEnd"]) == ("2026-11-01", "2027-10-31")
    assert [r["code"] for r in data["reasons"]] == ["CARER"]
    assert data["calculation"]["notCounted"] == [{"fin": "8ZX3K8P", "reasons": ["LIVES_ABROAD"]}]
    assert data["calculation"]["excludedIncome"] == [
        {"source": "TSA", "total": "300.00", "monthlyAverage": "25.00"}
    ]
    assert data["decidedAt"] == "2026-11-15T00:00:00+00:00"
    agencies = {e["agency"] for e in data["evidence"]}
    assert {"population", "tax", "utilities", "telecom", "justice"} <= agencies


def test_the_json_is_the_engines_decision_byte_for_byte(capsys: pytest.CaptureFixture[str]) -> None:
    _, first, _ = _run(capsys, "--household", "HH-YAS-000001", "--on", "2026-11-15", "--json")
    _, again, _ = _run(capsys, "--household", "HH-YAS-000001", "--on", "2026-11-15", "--json")
    assert first == again
    on = date(2026, 11, 15)
    at = datetime.combine(on, time(0), UTC)
    household = load_world(WORLD).household("HH-YAS-000001")
    assert household is not None
    decision = assess(household_facts(household, on, at), on, at)
    assert isinstance(decision, Decision)
    assert json.loads(first) == decision_to_json(decision)


def test_prints_a_readable_refusal(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--household", "HH-NAS-000002", "--on", "2026-11-15")
    assert code == 0
    assert "HH-NAS-000002, application of 2026-11-15: REFUSED" in out
    assert "VEHICLE_OWNED_OR_USED" in out and "MEMBER_DISABLED" in out
    assert "average 280.00 a month" in out


def test_prints_a_readable_grant_with_the_supplement(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "--household", "HH-YAS-000001", "--on", "2026-11-15")
    assert "amount: 920.00 AZN a month, 2026-11-01 to 2027-10-31" in out
    assert "supplement CHILD_UNDER_ONE for 7ZX3K8P: 140.00" in out
    assert "not counted: 8ZX3K8P (LIVES_ABROAD)" in out


def test_names_the_missing_data_when_an_agency_is_down(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("--household", "HH-NAS-000002", "--on", "2026-11-15", "--agency-down", "vehicles")
    code, out, _ = _run(capsys, *args, "--json")
    assert code == 0
    assert json.loads(out) == {
        "missingData": [{"agency": "vehicles", "input": "vehicles.vehicles", "fin": "2ABCD3E"}]
    }
    _, text, _ = _run(capsys, *args)
    assert "insufficient data" in text and "vehicles.vehicles (vehicles) for 2ABCD3E" in text


def test_refuses_an_application_before_2021(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "--household", "HH-NAS-000002", "--on", "2020-12-31")
    assert code == 2 and out == ""
    assert "rules before 2021 are not modelled" in err


def test_refuses_an_unknown_household(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--household", "HH-XXX-999999", "--on", "2026-11-15")
    assert code == 2 and "no household 'HH-XXX-999999'" in err


def test_refuses_an_unreadable_world_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(["assess", "--world", str(tmp_path / "none.yaml"), "--household", "H", "--on",
                 "2026-11-15"])  # fmt: skip
    assert code == 2 and "cannot read world file" in capsys.readouterr().err


def test_refuses_a_date_that_is_not_a_date(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _run(capsys, "--household", "HH-NAS-000002", "--on", "15.11.2026")
    assert "not a date" in capsys.readouterr().err


def test_the_population_registry_cannot_be_down() -> None:
    household = load_world(WORLD).household("HH-NAS-000002")
    assert household is not None
    at = datetime(2026, 11, 15, tzinfo=UTC)
    with pytest.raises(ValueError, match="frame"):
        household_facts(household, date(2026, 11, 15), at, unavailable=["population"])


@pytest.mark.parametrize(("seed", "on"), [(11, date(2026, 11, 1)), (12, date(2023, 6, 15))])
def test_decides_every_generated_family_as_its_scenario_says(seed: int, on: date) -> None:
    at = datetime.combine(on, time(0), UTC)
    world = generate_world(200, seed, as_of=on)
    wrong = []
    for household in world.households:
        scenario = get_scenario(scenario_of(household.id, seed))
        decision = assess(household_facts(household, on, at), on, at)
        assert isinstance(decision, Decision), household.id
        refusals = {r.code.value for r in decision.reasons if r.kind is ReasonKind.REFUSAL}
        reasons = {r.code.value for r in decision.reasons if r.kind is ReasonKind.QUALIFYING}
        if (refusals, reasons) != (set(scenario.refusals), set(scenario.reasons)):
            wrong.append((household.id, scenario.name, sorted(refusals), sorted(reasons)))
    assert wrong == []
