"""``applicationUpdated(id)`` over graphql-transport-ws: the gateway served on loopback by
uvicorn, a WebSocket client that signs in with ``connection_init`` and watches its application
go from decided to card ordered and notices sent, as the worker does its rounds."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from gateway.auth import LEEWAY_SECONDS
from tests.applications.conftest import Stack, granted_family
from tests.loopback import serving

WATCH = """
subscription($id: ID!) {
  applicationUpdated(id: $id) { number status cardOrder { status } notifications { status } }
}"""


@pytest.fixture
async def url(stack: Stack) -> AsyncIterator[str]:
    async with serving(stack.app) as base:
        yield base.replace("http://", "ws://", 1) + "/graphql"


async def _receive(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
    return message


async def _subscribe(url: str, token: str, application_id: str) -> ClientConnection:
    ws = await connect(url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    )
    assert (await _receive(ws))["type"] == "connection_ack"
    await ws.send(
        json.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": WATCH, "variables": {"id": application_id}},
            }
        )
    )
    return ws


async def test_a_citizen_watches_the_card_ordered_and_the_notices_sent(
    stack: Stack, url: str
) -> None:
    token = stack.citizen("G37A1XZ")
    payload = await stack.submit(token, idempotencyKey="watch-37", **granted_family(37))
    application_id = payload["application"]["id"]
    ws = await _subscribe(url, token, application_id)
    try:
        first = await _receive(ws)
        assert first["type"] == "next"
        now = first["payload"]["data"]["applicationUpdated"]
        assert (now["status"], now["cardOrder"]["status"]) == ("GRANTED", "PENDING")

        await stack.settle()
        seen = now
        while not (
            seen["cardOrder"]["status"] == "ORDERED"
            and len(seen["notifications"]) == 6
            and {n["status"] for n in seen["notifications"]} == {"SENT"}
        ):
            message = await _receive(ws)
            assert message["type"] == "next", message
            seen = message["payload"]["data"]["applicationUpdated"]
        assert seen["number"] == payload["application"]["number"]
    finally:
        await ws.close()


async def test_someone_else_cannot_watch_the_application(stack: Stack, url: str) -> None:
    payload = await stack.submit(
        stack.citizen("G38A1XZ"), idempotencyKey="watch-38", **granted_family(38)
    )
    ws = await _subscribe(url, stack.citizen("G39A1XZ"), payload["application"]["id"])
    try:
        message = await _receive(ws)
        assert message["type"] in ("error", "next")
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    finally:
        await ws.close()


async def test_the_subscription_ends_when_the_token_expires(stack: Stack, url: str) -> None:
    """A subscription is no way around a token's lifetime: when the token stops being accepted
    (exp plus the leeway), the operation ends with UNAUTHENTICATED and nothing more is sent."""
    payload = await stack.submit(
        stack.citizen("G40A1XZ"), idempotencyKey="watch-40", **granted_family(40)
    )
    ttl = 60
    issued = datetime.now(UTC) - timedelta(seconds=ttl + LEEWAY_SECONDS - 2)  # 2 s left
    token = stack.token("citizen", sub="citizen-G40A1XZ", fin="G40A1XZ", ttl=ttl, now=issued)
    ws = await _subscribe(url, token, payload["application"]["id"])
    try:
        first = await _receive(ws)
        assert first["type"] == "next"
        assert first["payload"]["data"]["applicationUpdated"]["status"] == "GRANTED"
        message = await _receive(ws)  # the worker has not run: nothing changed meanwhile
        assert message["type"] in ("error", "next"), message
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "expired" in errors[0]["message"]
        after = await _receive(ws)
        assert after == {"id": "1", "type": "complete"}
    finally:
        await ws.close()
