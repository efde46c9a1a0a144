"""bank (REST): the partner bank that issues payment cards (docs/agency-protocols.md).

For the composition root (``adapters/registry.py``), alongside the REST adapters::

    bank=build(config, *http("bank"))   # (client, transport); the registry closes the client

or on its own (tests, scripts)::

    async with open_bank(config, transport=transport) as bank:
        order = await bank.order_card(request, key, ctx)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from adapters.bank.adapter import AGENCY, Bank, BankAdapter
from adapters.bank.client import BankClient
from adapters.bank.records import (
    CardOrder,
    CardOrderRequest,
    CardOrderStatus,
    Payments,
    TermsChange,
)
from adapters.base import AdapterConfig
from adapters.http import network_transport, open_http_client
from adapters.outbound import OutboundCore, WriteClient

__all__ = [
    "Bank",
    "BankAdapter",
    "CardOrder",
    "CardOrderRequest",
    "CardOrderStatus",
    "Payments",
    "TermsChange",
    "build",
    "open_bank",
]


def build(
    config: AdapterConfig, http: httpx.AsyncClient, transport: httpx.AsyncBaseTransport
) -> BankAdapter:
    """The bank adapter over ``transport`` (the bank's long-lived client ``http`` owns it; the
    caller closes the client)."""
    write = WriteClient(AGENCY, config, http, transport)
    return BankAdapter(OutboundCore(AGENCY, config), BankClient(write))


@asynccontextmanager
async def open_bank(
    config: AdapterConfig, *, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[BankAdapter]:
    """Open the bank's client (over ``transport``, by default the network's) and close it on
    exit; the base URL is ``config.url("bank")``."""
    own = transport if transport is not None else network_transport(config)
    async with open_http_client(AGENCY, config, own) as http:
        yield build(config, http, own)
