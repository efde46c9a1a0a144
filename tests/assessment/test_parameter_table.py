"""docs/parameters.md is the reviewable table generated from the YAML files."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

from assessment.legislation import default_legislation
from assessment.parameter_table import render

DOC = Path(__file__).parents[2] / "docs" / "parameters.md"


def test_the_committed_parameter_table_equals_the_generated_one() -> None:
    assert DOC.read_text(encoding="utf-8") == render(default_legislation()), (
        "regenerate: python -m assessment.parameter_table > docs/parameters.md"
    )


def test_the_table_shows_every_value_with_its_date_status_and_reference() -> None:
    table = render(default_legislation())
    row = next(line for line in table.splitlines() if line.startswith("| `need_criterion`"))
    assert "2025-01-01: 285.00<br>2026-01-01: 300.00" in row
    assert "| confirmed |" in row and "Yearly law" in row
    credit = next(line for line in table.splitlines() if "`credit_counted_as_income`" in line)
    assert "2016-02-05: true<br>2020-11-01: false" in credit
    assert table.count("| assumed |") == 8


def test_the_table_marks_a_repeal(tmp_path: Path) -> None:
    from assessment.legislation import load_parameter
    from assessment.parameter_table import _row

    repealed = load_parameter(Path(__file__).with_name("repealed_parameters")
                              / "job_offers_reapply_months.yaml")  # fmt: skip
    assert "2021-01-01: repealed" in _row(repealed)


def test_the_module_prints_the_table(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "assessment.parameter_table")
    runpy.run_module("assessment.parameter_table", run_name="__main__")
    assert capsys.readouterr().out == render(default_legislation())
