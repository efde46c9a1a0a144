"""Pure: State Social Protection Fund payloads → records."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from adapters import shape
from adapters.grouping import grouped
from adapters.monthly import fins_listed, monthly_incomes
from adapters.records import (
    AssignmentRecord,
    ContractRecord,
    FindingRecord,
    IncomeSource,
    MonthlyIncomeRecord,
)

FUND_SOURCES = frozenset(
    {
        IncomeSource.PENSION,
        IncomeSource.BENEFIT,
        IncomeSource.TSA,
        IncomeSource.LIBERATED_TERRITORIES_BENEFIT,
    }
)


def contracts(payload: Any, asked: Collection[str]) -> dict[str, tuple[ContractRecord, ...]]:
    """``{"contracts": [{"fin", "employer_voen", "from", "until", "monthly_wage"}]}``."""
    body = shape.obj(payload, "$")
    records = []
    for i, raw in enumerate(shape.items(body, "contracts", "$")):
        path = f"$.contracts[{i}]"
        m = shape.obj(raw, path)
        records.append(
            ContractRecord(
                fin=shape.string(m, "fin", path),
                employer_voen=shape.string(m, "employer_voen", path),
                from_=shape.day(m, "from", path),
                until=shape.optional_day(m, "until", path),
                monthly_wage=shape.money(m, "monthly_wage", path),
            )
        )
    return grouped(records, asked, key=lambda r: r.fin, order=lambda r: r.from_)


def payments(payload: Any, asked: Collection[str]) -> dict[str, tuple[MonthlyIncomeRecord, ...]]:
    """``{"payments": [{"fin", "month", "source", "amount"}]}``: pensions and benefits."""
    return monthly_incomes(payload, "payments", asked, sources=FUND_SOURCES)


def assignments(payload: Any, asked: Collection[str]) -> dict[str, tuple[AssignmentRecord, ...]]:
    """``{"assignments": [{"fin", "from", "until", "monthly"}]}``: past and active TSA."""
    body = shape.obj(payload, "$")
    records = []
    for i, raw in enumerate(shape.items(body, "assignments", "$")):
        path = f"$.assignments[{i}]"
        m = shape.obj(raw, path)
        records.append(
            AssignmentRecord(
                fin=shape.string(m, "fin", path),
                from_=shape.day(m, "from", path),
                until=shape.day(m, "until", path),
                monthly=shape.money(m, "monthly", path),
            )
        )
    return grouped(records, asked, key=lambda r: r.fin, order=lambda r: r.from_)


def findings(payload: Any, asked: Collection[str]) -> dict[str, FindingRecord]:
    """``{"findings": [{"fin", "false_information_found_on"}]}`` → the latest finding by FIN."""
    body = shape.obj(payload, "$")
    latest: dict[str, FindingRecord] = {}
    for i, raw in enumerate(shape.items(body, "findings", "$")):
        path = f"$.findings[{i}]"
        m = shape.obj(raw, path)
        record = FindingRecord(
            fin=shape.string(m, "fin", path),
            false_information_found_on=shape.day(m, "false_information_found_on", path),
        )
        if record.fin not in asked:
            continue
        known = latest.get(record.fin)
        if known is None or known.false_information_found_on < record.false_information_found_on:
            latest[record.fin] = record
    return latest


def state_care(payload: Any, asked: Collection[str]) -> dict[str, bool]:
    """``{"residents": [{"fin"}]}`` → whether each FIN asked lives in state care."""
    return fins_listed(payload, "residents", asked)
