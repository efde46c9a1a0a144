"""Pure: tax payloads → records. Shape errors raise ``ShapeError``."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from adapters import shape
from adapters.grouping import grouped
from adapters.records import IncomeSource, MonthlyIncomeRecord, TaxpayerRecord

TAX_SOURCES = frozenset({IncomeSource.WAGE, IncomeSource.ENTREPRENEUR, IncomeSource.RENT})


def taxpayers(payload: Any, asked: Collection[str]) -> dict[str, tuple[TaxpayerRecord, ...]]:
    """``{"taxpayers": [{"fin", "voen", "entrepreneur", "registered_from",
    "registered_until"}]}`` → registrations by FIN."""
    body = shape.obj(payload, "$")
    records = []
    for i, raw in enumerate(shape.items(body, "taxpayers", "$")):
        path = f"$.taxpayers[{i}]"
        m = shape.obj(raw, path)
        records.append(
            TaxpayerRecord(
                fin=shape.string(m, "fin", path),
                voen=shape.string(m, "voen", path),
                entrepreneur=shape.boolean(m, "entrepreneur", path),
                registered_from=shape.day(m, "registered_from", path),
                registered_until=shape.optional_day(m, "registered_until", path),
            )
        )
    return grouped(records, asked, key=lambda r: r.fin)


def incomes(payload: Any, asked: Collection[str]) -> dict[str, tuple[MonthlyIncomeRecord, ...]]:
    """``{"incomes": [{"fin", "month", "source", "amount"}]}`` → income by FIN, by month."""
    body = shape.obj(payload, "$")
    records = []
    for i, raw in enumerate(shape.items(body, "incomes", "$")):
        path = f"$.incomes[{i}]"
        m = shape.obj(raw, path)
        source = shape.choice(m, "source", path, IncomeSource)
        if source not in TAX_SOURCES:
            raise shape.ShapeError(f"{path}.source", "a tax income source")
        records.append(
            MonthlyIncomeRecord(
                fin=shape.string(m, "fin", path),
                month=shape.month(m, "month", path),
                source=source,
                amount=shape.money(m, "amount", path),
            )
        )
    return grouped(records, asked, key=lambda r: r.fin, order=lambda r: (r.month, r.source))
