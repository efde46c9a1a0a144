"""Pure: TSERAS payloads → disability records."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from adapters import shape
from adapters.grouping import one_each
from adapters.records import DisabilityRecord


def disabilities(payload: Any, asked: Collection[str]) -> dict[str, DisabilityRecord]:
    """``{"disabilities": [{"fin", "percent", "group", "child", "until"}]}`` → one by FIN."""
    body = shape.obj(payload, "$")
    records = []
    for i, raw in enumerate(shape.items(body, "disabilities", "$")):
        path = f"$.disabilities[{i}]"
        m = shape.obj(raw, path)
        records.append(
            DisabilityRecord(
                fin=shape.string(m, "fin", path),
                percent=shape.integer(m, "percent", path, low=0, high=100),
                group=shape.optional_integer(m, "group", path, low=1, high=4),
                child=shape.boolean(m, "child", path),
                until=shape.optional_day(m, "until", path),
            )
        )
    return one_each(records, asked, key=lambda r: r.fin, what="$.disabilities")
