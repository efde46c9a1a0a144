"""The parameter files: strict loading (one test per refusal, from ``broken_parameters/``),
lookup by date on both sides of every change, and the snapshot the rules read."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from assessment.legislation import (
    PARAMETERS_DIR,
    ParameterFileError,
    ParameterNotInForce,
    Status,
    Unit,
    default_legislation,
    load_legislation,
    load_parameter,
)

BROKEN = Path(__file__).with_name("broken_parameters")


def _refusal(folder: str) -> ParameterFileError:
    (path,) = sorted((BROKEN / folder).glob("*.yaml"))
    with pytest.raises(ParameterFileError) as caught:
        load_parameter(path)
    assert caught.value.file == path.name
    assert str(caught.value).startswith(f"{path.name}: {caught.value.key}: ")
    return caught.value


@pytest.mark.parametrize(
    ("folder", "key", "words"),
    [
        ("duplicate_key", "unit", "duplicate key (line 3)"),
        ("duplicate_date", "2025-01-01", "duplicate key"),
        ("unknown_key", "source", "unknown key"),
        ("impossible_date", "values.2026-02-30", "not a date"),
        ("not_a_date", "values.next year", "not a date (YYYY-MM-DD)"),
        ("missing_unit", "unit", "missing"),
        ("missing_reference", "reference", "missing"),
        ("empty_reference", "reference", "missing or empty"),
        ("float_money", "values.2026-01-01", "quoted decimal string"),
        ("non_decimal_money", "values.2026-01-01", "quoted decimal string, got '300 AZN'"),
        ("text_for_integer", "values.2016-02-05", "must be an integer"),
        ("boolean_for_integer", "values.2016-02-05", "must be an integer"),
        ("text_for_boolean", "values.2016-02-05", "true or false"),
        ("unknown_unit", "unit", "unknown unit 'USD'"),
        ("wrong_unit", "unit", "must be AZN"),
        ("bad_status", "status", "confirmed or assumed"),
        ("empty_values", "values", "non-empty mapping"),
        ("first_value_null", "values.2025-01-01", "first value cannot be null"),
        ("note_not_text", "note", "must be text"),
        ("not_a_mapping", "-", "must be a mapping"),
        ("invalid_yaml", "-", "not valid YAML"),
        ("unknown_parameter", "-", "unknown parameter 'need_criteria'"),
    ],
)
def test_the_loader_refuses_a_broken_file_naming_the_file_and_key(
    folder: str, key: str, words: str
) -> None:
    error = _refusal(folder)
    assert error.key == key
    assert words in error.problem


def test_every_broken_file_has_a_test() -> None:
    assert len(list(BROKEN.iterdir())) == 22


def test_the_loader_refuses_a_folder_missing_a_parameter(tmp_path: Path) -> None:
    for path in PARAMETERS_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "living_wage.yaml").unlink()
    with pytest.raises(ParameterFileError, match=r"^living_wage\.yaml: -: missing parameter file"):
        load_legislation(tmp_path)


def test_the_loader_refuses_a_folder_with_an_unknown_parameter(tmp_path: Path) -> None:
    for path in PARAMETERS_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    shutil.copy(BROKEN / "unknown_parameter" / "need_criteria.yaml", tmp_path)
    with pytest.raises(ParameterFileError, match="unknown parameter"):
        load_legislation(tmp_path)


def test_the_project_parameters_load_and_carry_unit_reference_and_status() -> None:
    legislation = load_legislation()
    assert len(legislation.parameters) == 25
    for parameter in legislation.parameters:
        assert parameter.reference and parameter.description
        assert parameter.status in (Status.CONFIRMED, Status.ASSUMED)
    assert legislation.parameter("farm_income_per_hectare").status is Status.ASSUMED
    assert legislation.parameter("need_criterion").unit is Unit.AZN


def test_the_digest_changes_when_a_value_changes(tmp_path: Path) -> None:
    for path in PARAMETERS_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    assert load_legislation(tmp_path).digest == default_legislation().digest
    need = tmp_path / "need_criterion.yaml"
    need.write_text(need.read_text().replace('"300.00"', '"301.00"'))
    assert load_legislation(tmp_path).digest != default_legislation().digest


@pytest.mark.parametrize(
    ("name", "day", "value", "since"),
    [
        ("need_criterion", date(2017, 1, 1), Decimal("116.00"), date(2017, 1, 1)),
        ("need_criterion", date(2025, 12, 31), Decimal("285.00"), date(2025, 1, 1)),
        ("need_criterion", date(2026, 1, 1), Decimal("300.00"), date(2026, 1, 1)),
        ("living_wage", date(2022, 12, 31), Decimal("210.00"), date(2022, 1, 1)),
        ("living_wage", date(2023, 1, 1), Decimal("246.00"), date(2023, 1, 1)),
        ("utility_cap_share", date(2020, 10, 31), Decimal("0.10"), date(2016, 2, 5)),
        ("utility_cap_share", date(2020, 11, 1), Decimal("0.15"), date(2020, 11, 1)),
        ("assignment_period_months", date(2020, 6, 1), 24, date(2016, 2, 5)),
        ("assignment_period_months", date(2020, 6, 2), 12, date(2020, 6, 2)),
        ("credit_counted_as_income", date(2020, 10, 31), True, date(2016, 2, 5)),
        ("credit_counted_as_income", date(2020, 11, 1), False, date(2020, 11, 1)),
        ("liberated_territories_benefit_excluded", date(2022, 12, 31), False, date(2016, 2, 5)),
        ("liberated_territories_benefit_excluded", date(2023, 1, 1), True, date(2023, 1, 1)),
        ("liberated_territories_benefit_excluded", date(2027, 12, 31), True, date(2023, 1, 1)),
        ("liberated_territories_benefit_excluded", date(2028, 1, 1), False, date(2028, 1, 1)),
        ("child_under_one_supplement", date(2025, 10, 31), Decimal("100.00"), date(2023, 1, 1)),
        ("child_under_one_supplement", date(2025, 11, 1), Decimal("140.00"), date(2025, 11, 1)),
        ("false_information_ban_months", date(2020, 6, 2), 12, date(2020, 6, 2)),
    ],
)
def test_lookup_gives_the_latest_value_not_after_the_day(
    name: str, day: date, value: object, since: date
) -> None:
    found = default_legislation().parameter(name).at(day)
    assert (found.value, found.in_force_from) == (value, since)


def test_lookup_before_the_first_value_raises() -> None:
    need = default_legislation().parameter("need_criterion")
    with pytest.raises(ParameterNotInForce, match="'need_criterion' has no value in force on 2016"):
        need.at(date(2016, 12, 31))


def test_lookup_after_a_repeal_raises() -> None:
    path = BROKEN.parent / "repealed_parameters" / "job_offers_reapply_months.yaml"
    parameter = load_parameter(path)
    assert parameter.at(date(2020, 12, 31)).value == 1
    with pytest.raises(ParameterNotInForce):
        parameter.at(date(2021, 1, 1))


def test_the_snapshot_holds_the_values_in_force_on_its_day() -> None:
    snapshot = default_legislation().on(date(2024, 7, 1))
    assert snapshot.on == date(2024, 7, 1)
    assert snapshot.need_criterion.value == Decimal("270.00")
    assert snapshot.living_wage.value == Decimal("270.00")
    assert snapshot.child_under_one_supplement is not None
    assert default_legislation().on(date(2024, 7, 1)) is snapshot  # memoised, not re-read


def test_the_snapshot_has_no_supplement_before_it_existed() -> None:
    assert default_legislation().on(date(2022, 12, 31)).child_under_one_supplement is None


def test_the_snapshot_refuses_a_day_before_the_rules_begin() -> None:
    with pytest.raises(ParameterNotInForce):
        default_legislation().on(date(2016, 12, 31))
