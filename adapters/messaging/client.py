"""I/O only: the messaging gateway's REST endpoints (docs/agency-protocols.md, "messaging")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from adapters.base import CallContext
from adapters.outbound import Reply, WriteClient


class MessagingClient:
    def __init__(self, write: WriteClient) -> None:
        self.write = write

    async def send(
        self, channel: str, body: Mapping[str, Any], idempotency_key: str, ctx: CallContext
    ) -> Reply:
        """``POST /sms`` or ``POST /email``."""
        return await self.write.post(f"/{channel}", body, idempotency_key, ctx)

    async def message(self, message_id: str, ctx: CallContext) -> Any:
        """The message's status, or raises ``AgencyNotFound`` (404)."""
        return await self.write.get("/messages/" + quote(message_id, safe=""), ctx)
