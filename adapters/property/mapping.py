"""Pure: ``GetRealEstateByOwnersResponse`` (as zeep deserializes it) → records."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Any

from adapters import shape
from adapters.grouping import grouped
from adapters.records import PropertyPurpose, RealEstateRecord


def real_estate(body: Any, asked: Collection[str]) -> dict[str, tuple[RealEstateRecord, ...]]:
    """``<realEstate><ownerFin/><objectId/><purpose/><address/><share/><acquiredOn/><value/>``
    → objects by owner FIN."""
    records = []
    for i, item in enumerate(shape.nodes(body, "realEstate", "$")):
        path = f"$.realEstate[{i}]"
        records.append(
            RealEstateRecord(
                owner_fin=shape.typed(item, "ownerFin", path, str),
                object_id=shape.typed(item, "objectId", path, str),
                purpose=shape.enum_value(item, "purpose", path, PropertyPurpose),
                address=shape.typed(item, "address", path, str),
                share=shape.typed(item, "share", path, Decimal),
                acquired_on=shape.typed(item, "acquiredOn", path, date),
                value=shape.typed(item, "value", path, Decimal),
            )
        )
    return grouped(records, asked, key=lambda r: r.owner_fin, order=lambda r: r.object_id)
