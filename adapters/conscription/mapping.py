"""Pure: ``GetActiveServiceResponse`` (as zeep deserializes it) → records."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from adapters import shape
from adapters.grouping import grouped
from adapters.records import ServiceRecord


def active_service(body: Any, asked: Collection[str]) -> dict[str, tuple[ServiceRecord, ...]]:
    """``<service><fin/><from/><until/></service>`` → fixed-term service by FIN."""
    records = []
    for i, item in enumerate(shape.nodes(body, "service", "$")):
        path = f"$.service[{i}]"
        records.append(
            ServiceRecord(
                fin=shape.typed(item, "fin", path, str),
                from_=shape.typed(item, "from", path, date),
                until=shape.optional_typed(item, "until", path, date),
            )
        )
    return grouped(records, asked, key=lambda r: r.fin, order=lambda r: r.from_)
