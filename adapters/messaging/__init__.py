"""messaging (REST): the e-government SMS and e-mail gateway (docs/agency-protocols.md).

For the composition root (``adapters/registry.py``), alongside the REST adapters::

    messaging=build(config, *http("messaging"))   # the registry closes the client

or on its own (tests, scripts)::

    async with open_messaging(config, transport=transport) as messaging:
        sent = await messaging.send_sms("+994501234567", text, key, ctx)

The notices' texts are in :mod:`adapters.messaging.texts` (pure).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from adapters.base import AdapterConfig
from adapters.http import network_transport, open_http_client
from adapters.messaging.adapter import AGENCY, MessagingAdapter, Messenger
from adapters.messaging.client import MessagingClient
from adapters.messaging.records import Channel, DeliveryStatus, SentMessage
from adapters.outbound import OutboundCore, WriteClient

__all__ = [
    "Channel",
    "DeliveryStatus",
    "MessagingAdapter",
    "Messenger",
    "SentMessage",
    "build",
    "open_messaging",
]


def build(
    config: AdapterConfig, http: httpx.AsyncClient, transport: httpx.AsyncBaseTransport
) -> MessagingAdapter:
    """The messaging adapter over ``transport`` (the gateway's long-lived client ``http`` owns
    it; the caller closes the client)."""
    client = MessagingClient(WriteClient(AGENCY, config, http, transport))
    return MessagingAdapter(OutboundCore(AGENCY, config), client)


@asynccontextmanager
async def open_messaging(
    config: AdapterConfig, *, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[MessagingAdapter]:
    """Open the gateway's client (over ``transport``, by default the network's) and close it
    on exit; the base URL is ``config.url("messaging")``."""
    own = transport if transport is not None else network_transport(config)
    async with open_http_client(AGENCY, config, own) as http:
        yield build(config, http, own)
