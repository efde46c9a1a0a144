"""Pure: ``GetVehiclesByPersonsResponse`` (as zeep deserializes it) → records."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Any

from adapters import shape
from adapters.grouping import grouped
from adapters.records import VehicleKind, VehicleRecord, VehicleRole


def vehicles(body: Any, asked: Collection[str]) -> dict[str, tuple[VehicleRecord, ...]]:
    """``<vehicle><fin/><plate/><kind/><role/><acquiredOn/><value/><stateRehabilitation/>``
    → vehicles by FIN (owner or registered user)."""
    records = []
    for i, item in enumerate(shape.nodes(body, "vehicle", "$")):
        path = f"$.vehicle[{i}]"
        records.append(
            VehicleRecord(
                fin=shape.typed(item, "fin", path, str),
                plate=shape.typed(item, "plate", path, str),
                kind=shape.enum_value(item, "kind", path, VehicleKind),
                role=shape.enum_value(item, "role", path, VehicleRole),
                acquired_on=shape.typed(item, "acquiredOn", path, date),
                value=shape.typed(item, "value", path, Decimal),
                state_rehabilitation=shape.typed(item, "stateRehabilitation", path, bool),
            )
        )
    return grouped(records, asked, key=lambda r: r.fin, order=lambda r: r.plate)
