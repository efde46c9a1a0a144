"""I/O only: the bank's REST endpoints (docs/agency-protocols.md, "bank")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from adapters.base import CallContext
from adapters.outbound import Reply, WriteClient


class BankClient:
    def __init__(self, write: WriteClient) -> None:
        self.write = write

    async def order_card(
        self, body: Mapping[str, Any], idempotency_key: str, ctx: CallContext
    ) -> Reply:
        return await self.write.post("/card-orders", body, idempotency_key, ctx)

    async def change_terms(
        self,
        order_id: str,
        action: str,
        body: Mapping[str, Any],
        idempotency_key: str,
        ctx: CallContext,
    ) -> Reply:
        """``action``: ``terms`` or ``stop``."""
        path = f"/card-orders/{quote(order_id, safe='')}/{action}"
        return await self.write.post(path, body, idempotency_key, ctx)

    async def card_order(self, order_id: str, ctx: CallContext) -> Any:
        """The order, or raises ``AgencyNotFound`` (404)."""
        return await self.write.get("/card-orders/" + quote(order_id, safe=""), ctx)
