"""Pure: migration and border answers (as zeep deserializes them) → records."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from adapters import shape
from adapters.grouping import grouped, one_each
from adapters.records import BorderCrossingRecord, ResidenceStatusRecord


def residence(body: Any, asked: Collection[str]) -> dict[str, ResidenceStatusRecord]:
    """``<status><fin/><livesAbroad/><country/></status>`` → one status by FIN."""
    records = []
    for i, item in enumerate(shape.nodes(body, "status", "$")):
        path = f"$.status[{i}]"
        records.append(
            ResidenceStatusRecord(
                fin=shape.typed(item, "fin", path, str),
                lives_abroad=shape.typed(item, "livesAbroad", path, bool),
                country=shape.optional_typed(item, "country", path, str),
            )
        )
    return one_each(records, asked, key=lambda r: r.fin, what="$.status")


def border_crossings(
    body: Any, asked: Collection[str]
) -> dict[str, tuple[BorderCrossingRecord, ...]]:
    """``<crossing><fin/><exitDate/><entryDate/><country/></crossing>`` → crossings by FIN,
    oldest exit first (``entry_date`` ``None`` while abroad)."""
    records = []
    for i, item in enumerate(shape.nodes(body, "crossing", "$")):
        path = f"$.crossing[{i}]"
        records.append(
            BorderCrossingRecord(
                fin=shape.typed(item, "fin", path, str),
                exit_date=shape.typed(item, "exitDate", path, date),
                entry_date=shape.optional_typed(item, "entryDate", path, date),
                country=shape.typed(item, "country", path, str),
            )
        )
    return grouped(records, asked, key=lambda r: r.fin, order=lambda r: r.exit_date)
