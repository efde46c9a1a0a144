"""Pure: State Employment Agency payloads → records."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from adapters import shape
from adapters.grouping import grouped, one_each
from adapters.monthly import monthly_incomes
from adapters.records import IncomeSource, JobseekerRecord, MonthlyIncomeRecord, RefusedOfferRecord


def jobseekers(payload: Any, asked: Collection[str]) -> dict[str, JobseekerRecord]:
    """``{"jobseekers": [{"fin", "registered_on"}]}`` → the registration by FIN."""
    body = shape.obj(payload, "$")
    records = []
    for i, raw in enumerate(shape.items(body, "jobseekers", "$")):
        path = f"$.jobseekers[{i}]"
        m = shape.obj(raw, path)
        records.append(
            JobseekerRecord(
                fin=shape.string(m, "fin", path),
                registered_on=shape.day(m, "registered_on", path),
            )
        )
    return one_each(records, asked, key=lambda r: r.fin, what="$.jobseekers")


def insurance_payments(
    payload: Any, asked: Collection[str]
) -> dict[str, tuple[MonthlyIncomeRecord, ...]]:
    """``{"payments": [{"fin", "month", "amount"}]}``: unemployment insurance by month."""
    return monthly_incomes(payload, "payments", asked, source=IncomeSource.UNEMPLOYMENT_INSURANCE)


def refused_offers(
    payload: Any, asked: Collection[str]
) -> dict[str, tuple[RefusedOfferRecord, ...]]:
    """``{"refusals": [{"fin", "refused_on"}]}`` → refusals by FIN, oldest first."""
    body = shape.obj(payload, "$")
    records = []
    for i, raw in enumerate(shape.items(body, "refusals", "$")):
        path = f"$.refusals[{i}]"
        m = shape.obj(raw, path)
        records.append(
            RefusedOfferRecord(
                fin=shape.string(m, "fin", path), refused_on=shape.day(m, "refused_on", path)
            )
        )
    return grouped(records, asked, key=lambda r: r.fin, order=lambda r: r.refused_on)
