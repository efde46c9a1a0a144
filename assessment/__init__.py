"""The means test for targeted state social assistance: pure functions over typed facts and
dated parameters. No I/O at decision time, no clock, nothing else of the project imported.

Public interface::

    from assessment import assess, decision_to_json, decision_due_date, FamilyFacts, ...

    result = assess(facts, on=date(2026, 11, 15), decided_at=datetime(..., tzinfo=UTC))
    if isinstance(result, InsufficientData): ...     # result.missing: MissingInput (input, fin)
    else: decision_to_json(result)                   # the GraphQL Decision shape

See docs/assessment.md.
"""

from __future__ import annotations

from datetime import date

from assessment.dates import add_working_days, is_working_day
from assessment.decision import (
    ENGINE_VERSION,
    SUPPORTED_FROM,
    Calculation,
    Decision,
    InsufficientData,
    Outcome,
    Reason,
    UnsupportedApplicationDate,
    assess,
    decision_to_json,
    missing_to_json,
    rules_version,
)
from assessment.facts import (
    Agency,
    Assignment,
    Contract,
    Disability,
    Evidence,
    Fact,
    FamilyFacts,
    Farm,
    IncomeSource,
    Input,
    MemberFacts,
    MissingInput,
    MonthlyCharge,
    MonthlyIncome,
    PropertyPurpose,
    RealEstate,
    Relation,
    Span,
    Study,
    UnknownFactError,
    Vehicle,
    VehicleKind,
    VehicleRole,
)
from assessment.legislation import (
    Legislation,
    ParameterFileError,
    ParameterNotInForce,
    Parameters,
    ParameterValue,
    default_legislation,
    load_legislation,
)
from assessment.reasons import Language, ReasonCode, ReasonKind
from assessment.rules import NotCountedReason


def decision_due_date(registered_on: date, legislation: Legislation | None = None) -> date:
    """The day a decision is due: the ``decision_deadline_working_days``-th working day after
    registration (15; Decision No. 37), on Azerbaijan's calendar with observed holidays."""
    legislation = legislation or default_legislation()
    days = legislation.parameter("decision_deadline_working_days").at(registered_on)
    return add_working_days(registered_on, days.value)


__all__ = [
    "ENGINE_VERSION",
    "SUPPORTED_FROM",
    "Agency",
    "Assignment",
    "Calculation",
    "Contract",
    "Decision",
    "Disability",
    "Evidence",
    "Fact",
    "FamilyFacts",
    "Farm",
    "IncomeSource",
    "Input",
    "InsufficientData",
    "Language",
    "Legislation",
    "MemberFacts",
    "MissingInput",
    "MonthlyCharge",
    "MonthlyIncome",
    "NotCountedReason",
    "Outcome",
    "ParameterFileError",
    "ParameterNotInForce",
    "ParameterValue",
    "Parameters",
    "PropertyPurpose",
    "RealEstate",
    "Reason",
    "ReasonCode",
    "ReasonKind",
    "Relation",
    "Span",
    "Study",
    "UnknownFactError",
    "UnsupportedApplicationDate",
    "Vehicle",
    "VehicleKind",
    "VehicleRole",
    "add_working_days",
    "assess",
    "decision_due_date",
    "decision_to_json",
    "default_legislation",
    "is_working_day",
    "load_legislation",
    "missing_to_json",
    "rules_version",
]
