"""Pure: the money-by-month payloads several agencies share → ``MonthlyIncomeRecord``s."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from adapters import shape
from adapters.grouping import grouped
from adapters.records import IncomeSource, MonthlyIncomeRecord


def monthly_incomes(
    payload: Any,
    list_name: str,
    asked: Collection[str],
    *,
    sources: frozenset[IncomeSource] | None = None,
    source: IncomeSource | None = None,
) -> dict[str, tuple[MonthlyIncomeRecord, ...]]:
    """``{list_name: [{"fin", "month", "amount"[, "source"]}]}`` → incomes by FIN, by month.

    With ``sources`` each item names its source, which must be one of them; with ``source``
    the items carry none and all are of that source."""
    body = shape.obj(payload, "$")
    records = []
    for i, raw in enumerate(shape.items(body, list_name, "$")):
        path = f"$.{list_name}[{i}]"
        m = shape.obj(raw, path)
        if sources is not None:
            found = shape.choice(m, "source", path, IncomeSource)
            if found not in sources:
                raise shape.ShapeError(f"{path}.source", "a source this agency pays")
        elif source is not None:
            found = source
        else:  # pragma: no cover - a programming error, not agency data
            raise TypeError("give sources or source")
        records.append(
            MonthlyIncomeRecord(
                fin=shape.string(m, "fin", path),
                month=shape.month(m, "month", path),
                source=found,
                amount=shape.money(m, "amount", path),
            )
        )
    return grouped(records, asked, key=lambda r: r.fin, order=lambda r: (r.month, r.source))


def fins_listed(payload: Any, list_name: str, asked: Collection[str]) -> dict[str, bool]:
    """``{list_name: [{"fin"}]}`` → ``True`` for every FIN asked that is listed, else ``False``."""
    body = shape.obj(payload, "$")
    listed = set()
    for i, raw in enumerate(shape.items(body, list_name, "$")):
        path = f"$.{list_name}[{i}]"
        listed.add(shape.string(shape.obj(raw, path), "fin", path))
    return {fin: fin in listed for fin in asked}
