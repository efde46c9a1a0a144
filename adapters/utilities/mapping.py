"""Pure: utility provider payloads → charge records by address."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from adapters import shape
from adapters.grouping import grouped
from adapters.records import UtilityChargeRecord, UtilityKind


def charges(
    kind: UtilityKind, payload: Any, asked: Collection[str]
) -> dict[str, tuple[UtilityChargeRecord, ...]]:
    """``{"meters": [{"address", "meter_id", "charges": [{"month", "amount"}]}]}`` →
    charges by address, sorted by month then meter."""
    body = shape.obj(payload, "$")
    records = []
    for i, raw in enumerate(shape.items(body, "meters", "$")):
        path = f"$.meters[{i}]"
        meter = shape.obj(raw, path)
        address = shape.string(meter, "address", path)
        meter_id = shape.string(meter, "meter_id", path)
        for j, raw_charge in enumerate(shape.items(meter, "charges", path)):
            charge_path = f"{path}.charges[{j}]"
            charge = shape.obj(raw_charge, charge_path)
            records.append(
                UtilityChargeRecord(
                    kind=kind,
                    month=shape.month(charge, "month", charge_path),
                    amount=shape.money(charge, "amount", charge_path),
                    address=address,
                    meter_id=meter_id,
                )
            )
    return grouped(
        records,
        asked,
        key=lambda r: r.address or "",
        order=lambda r: (r.month, r.meter_id or ""),
    )
