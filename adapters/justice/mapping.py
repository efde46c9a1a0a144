"""Pure: Ministry of Justice answers (as zeep deserializes them) → records."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Any

from adapters import shape
from adapters.grouping import grouped, one_each
from adapters.records import CivilStatusRecord, IncomeSource, MonthlyIncomeRecord, SentenceRecord


def sentences(body: Any, asked: Collection[str]) -> dict[str, tuple[SentenceRecord, ...]]:
    """``<sentence><fin/><from/><until/></sentence>`` → sentences being served, by FIN."""
    records = []
    for i, item in enumerate(shape.nodes(body, "sentence", "$")):
        path = f"$.sentence[{i}]"
        records.append(
            SentenceRecord(
                fin=shape.typed(item, "fin", path, str),
                from_=shape.typed(item, "from", path, date),
                until=shape.optional_typed(item, "until", path, date),
            )
        )
    return grouped(records, asked, key=lambda r: r.fin, order=lambda r: r.from_)


def civil_status(body: Any, asked: Collection[str]) -> dict[str, CivilStatusRecord]:
    """``<status><fin/><diedOn/><declaredMissing/></status>`` → one by FIN (only persons
    with a record)."""
    records = []
    for i, item in enumerate(shape.nodes(body, "status", "$")):
        path = f"$.status[{i}]"
        records.append(
            CivilStatusRecord(
                fin=shape.typed(item, "fin", path, str),
                died_on=shape.optional_typed(item, "diedOn", path, date),
                declared_missing=shape.typed(item, "declaredMissing", path, bool),
            )
        )
    return one_each(records, asked, key=lambda r: r.fin, what="$.status")


def alimony(body: Any, asked: Collection[str]) -> dict[str, tuple[MonthlyIncomeRecord, ...]]:
    """``<payment><fin/><month/><amount/></payment>`` → alimony by FIN and month."""
    records = []
    for i, item in enumerate(shape.nodes(body, "payment", "$")):
        path = f"$.payment[{i}]"
        records.append(
            MonthlyIncomeRecord(
                fin=shape.typed(item, "fin", path, str),
                month=shape.year_month(item, "month", path),
                source=IncomeSource.ALIMONY,
                amount=shape.typed(item, "amount", path, Decimal),
            )
        )
    return grouped(records, asked, key=lambda r: r.fin, order=lambda r: r.month)
