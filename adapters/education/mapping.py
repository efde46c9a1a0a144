"""Pure: Ministry of Science and Education payloads → records."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from adapters import shape
from adapters.grouping import grouped
from adapters.monthly import monthly_incomes
from adapters.records import IncomeSource, MonthlyIncomeRecord, StudyRecord


def studies(payload: Any, asked: Collection[str]) -> dict[str, tuple[StudyRecord, ...]]:
    """``{"studies": [{"fin", "full_time", "institution", "from", "until"}]}``."""
    body = shape.obj(payload, "$")
    records = []
    for i, raw in enumerate(shape.items(body, "studies", "$")):
        path = f"$.studies[{i}]"
        m = shape.obj(raw, path)
        records.append(
            StudyRecord(
                fin=shape.string(m, "fin", path),
                full_time=shape.boolean(m, "full_time", path),
                institution=shape.string(m, "institution", path),
                from_=shape.day(m, "from", path),
                until=shape.optional_day(m, "until", path),
            )
        )
    return grouped(records, asked, key=lambda r: r.fin, order=lambda r: r.from_)


def scholarships(
    payload: Any, asked: Collection[str]
) -> dict[str, tuple[MonthlyIncomeRecord, ...]]:
    """``{"payments": [{"fin", "month", "amount"}]}``: scholarship by month."""
    return monthly_incomes(payload, "payments", asked, source=IncomeSource.SCHOLARSHIP)
