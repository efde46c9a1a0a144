"""Pure: farmer registry payloads → records."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from adapters import shape
from adapters.grouping import one_each
from adapters.records import FarmerRecord, LivestockRecord

_HEAD_LIMIT = 1_000_000


def farmers(payload: Any, asked: Collection[str]) -> dict[str, FarmerRecord]:
    """``{"farmers": [{"fin", "land_hectares", "livestock": {"cattle", "small_ruminant", "pig",
    "bee_colony", "poultry"}}]}`` → one by FIN."""
    body = shape.obj(payload, "$")
    records = []
    for i, raw in enumerate(shape.items(body, "farmers", "$")):
        path = f"$.farmers[{i}]"
        m = shape.obj(raw, path)
        stock_path = f"{path}.livestock"
        stock = shape.obj(m.get("livestock"), stock_path)
        land = shape.money(m, "land_hectares", path)
        if land < 0:
            raise shape.ShapeError(f"{path}.land_hectares", "a non-negative area")
        records.append(
            FarmerRecord(
                fin=shape.string(m, "fin", path),
                land_hectares=land,
                livestock=LivestockRecord(
                    **{
                        name: shape.integer(stock, name, stock_path, low=0, high=_HEAD_LIMIT)
                        for name in ("cattle", "small_ruminant", "pig", "bee_colony", "poultry")
                    }
                ),
            )
        )
    return one_each(records, asked, key=lambda r: r.fin, what="$.farmers")
