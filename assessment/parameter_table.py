"""The parameter table for review, generated from the YAML files.

``python -m assessment.parameter_table > docs/parameters.md``; a test keeps the committed file
equal to this output.
"""

from __future__ import annotations

from decimal import Decimal

from assessment.legislation import Legislation, Parameter, load_legislation


def _value(value: Decimal | int | bool | None) -> str:
    if value is None:
        return "repealed"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _row(parameter: Parameter) -> str:
    values = "<br>".join(
        f"{since.isoformat()}: {_value(value)}" for since, value in parameter.values
    )
    notes = parameter.note or ""
    return (
        f"| `{parameter.name}` | {_cell(parameter.description)} | {parameter.unit.value} "
        f"| {values} | {parameter.status.value} | {_cell(parameter.reference)} | {_cell(notes)} |"
    )


def render(legislation: Legislation) -> str:
    """The Markdown document: one row per parameter, in name order."""
    lines = [
        "# Means-test parameters",
        "",
        "Generated from `assessment/parameters/*.yaml` by "
        "`python -m assessment.parameter_table > docs/parameters.md`; do not edit by hand.",
        "A value is in force from its date until the next one; `assumed` marks a value or a",
        "day the public record does not give (a project choice, configurable in its file).",
        "",
        f"Parameter files digest: `{legislation.digest}`.",
        "",
        "| parameter | description | unit | values (in force from: value) | status "
        "| reference | note |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [_row(p) for p in sorted(legislation.parameters, key=lambda p: p.name)]
    return "\n".join(lines) + "\n"


def main() -> None:
    print(render(load_legislation()), end="")


if __name__ == "__main__":
    main()
