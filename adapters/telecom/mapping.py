"""Pure: communication operator payloads → charge records by FIN."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from adapters import shape
from adapters.grouping import grouped
from adapters.records import UtilityChargeRecord, UtilityKind


def charges(payload: Any, asked: Collection[str]) -> dict[str, tuple[UtilityChargeRecord, ...]]:
    """``{"charges": [{"fin", "month", "amount"}]}`` → charges (kind communication) by FIN."""
    body = shape.obj(payload, "$")
    records = []
    for i, raw in enumerate(shape.items(body, "charges", "$")):
        path = f"$.charges[{i}]"
        m = shape.obj(raw, path)
        records.append(
            UtilityChargeRecord(
                kind=UtilityKind.COMMUNICATION,
                month=shape.month(m, "month", path),
                amount=shape.money(m, "amount", path),
                fin=shape.string(m, "fin", path),
            )
        )
    return grouped(records, asked, key=lambda r: r.fin or "", order=lambda r: r.month)
