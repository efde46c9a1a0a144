"""Trusted documents over the WebSocket (`/graphql`): with `VEMTAS_TRUSTED_DOCUMENTS_ONLY` a
`subscribe` runs only a document of the manifest, named by its hash (or sent as its exact
text), as HTTP requests do; a free-form document gets the protocol's `error` message for its
operation, with the same code as over HTTP, and the socket stays open for the others. The
gateway is served by uvicorn on loopback over the applications world; a citizen signs in with
`connection_init` and watches their application."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosedError

import tests.applications.conftest as applications
from mocks.world_io import load_world
from schema.trusted_documents import FOLDER, document_hash
from tests.applications.conftest import Stack, Target, granted_family
from tests.loopback import serving

WATCH = (FOLDER / "ApplicationUpdated.graphql").read_text(encoding="utf-8")
WATCH_HASH = document_hash(WATCH)
SUBMIT_HASH = document_hash((FOLDER / "SubmitApplication.graphql").read_text(encoding="utf-8"))
FREE_FORM_WATCH = """
subscription($id: ID!) { applicationUpdated(id: $id) { number status cardOrder { status } } }"""
_settings_for = applications.settings_for


def apq(sha256: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256}}


@contextlib.asynccontextmanager
async def applications_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, trusted_only: bool
) -> AsyncIterator[Stack]:
    """The applications stack (gateway, worker, mocks; SQLite under ``tmp_path``) with
    ``trusted_documents_only`` set as asked."""
    monkeypatch.setattr(
        applications,
        "settings_for",
        lambda folder: replace(_settings_for(folder), trusted_documents_only=trusted_only),
    )
    world = load_world(applications.WORLDS / "applications.yaml")
    target = Target(f"sqlite+aiosqlite:///{tmp_path}/vemtas.db")
    async with applications.open_stack(world, target, tmp_path) as stack:
        assert stack.settings.trusted_documents_only is trusted_only
        yield stack


@contextlib.asynccontextmanager
async def served(app: Starlette) -> AsyncIterator[str]:
    """``app`` (already started) under uvicorn on a free loopback port: its WebSocket URL."""
    async with serving(app) as base:
        yield base.replace("http://", "ws://", 1) + "/graphql"


async def submit(stack: Stack, token: str, n: int) -> str:
    """Submits granted family ``n`` with the trusted ``SubmitApplication``, named by its hash
    (a free-form mutation would be refused in trusted-only mode); the application's id."""
    response = await stack.client.post(
        "/graphql",
        json={
            "documentId": f"sha256:{SUBMIT_HASH}",
            "variables": {"input": {"idempotencyKey": f"ws-trust-{n}", **granted_family(n)}},
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    assert "errors" not in body, body
    application_id: str = body["data"]["submitApplication"]["application"]["id"]
    return application_id


async def receive(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
    return message


@contextlib.asynccontextmanager
async def signed_in(
    url: str, token: str, protocol: str = "graphql-transport-ws"
) -> AsyncIterator[ClientConnection]:
    async with connect(url, subprotocols=[protocol]) as ws:  # type: ignore[list-item]
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        assert (await receive(ws))["type"] == "connection_ack"
        yield ws


async def subscribe(ws: ClientConnection, operation_id: str, payload: dict[str, Any]) -> None:
    await ws.send(json.dumps({"id": operation_id, "type": "subscribe", "payload": payload}))


def refusal_code(message: dict[str, Any], operation_id: str) -> str:
    assert (message["type"], message["id"]) == ("error", operation_id), message
    [error] = message["payload"]
    code: str = error["extensions"]["code"]
    return code


async def test_a_free_form_document_over_the_websocket_is_refused_in_trusted_only_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with applications_stack(tmp_path, monkeypatch, trusted_only=True) as stack:
        token = stack.citizen("G37A1XZ")
        application_id = await submit(stack, token, 37)
        variables = {"id": application_id}
        async with served(stack.app) as url, signed_in(url, token) as ws:
            before = await stack.calls()
            await subscribe(ws, "1", {"query": FREE_FORM_WATCH, "variables": variables})
            refused = await receive(ws)
            assert refusal_code(refused, "1") == "PERSISTED_QUERY_NOT_FOUND"
            assert "trusted documents" in refused["payload"][0]["message"]
            # queries and mutations sent over the socket are held to the same rule
            await subscribe(ws, "2", {"query": "{ myApplications { id status } }"})
            assert refusal_code(await receive(ws), "2") == "PERSISTED_QUERY_NOT_FOUND"
            await subscribe(ws, "3", {"variables": variables, "extensions": apq("0" * 64)})
            assert refusal_code(await receive(ws), "3") == "PERSISTED_QUERY_NOT_FOUND"
            # a document sent with the hash of another one
            await subscribe(
                ws,
                "4",
                {
                    "query": FREE_FORM_WATCH,
                    "variables": variables,
                    "extensions": apq(WATCH_HASH),
                },
            )
            assert refusal_code(await receive(ws), "4") == "BAD_USER_INPUT"
            assert await stack.calls() == before  # nothing ran

            # the socket is still open: a trusted document runs on it, even under a refused id
            await subscribe(ws, "1", {"variables": variables, "extensions": apq(WATCH_HASH)})
            message = await receive(ws)
            assert (message["type"], message["id"]) == ("next", "1"), message
            assert message["payload"]["data"]["applicationUpdated"]["id"] == application_id


async def test_a_trusted_subscription_named_by_its_hash_receives_the_updates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with applications_stack(tmp_path, monkeypatch, trusted_only=True) as stack:
        token = stack.citizen("G38A1XZ")
        application_id = await submit(stack, token, 38)
        async with served(stack.app) as url, signed_in(url, token) as ws:
            await subscribe(
                ws, "w", {"documentId": f"sha256:{WATCH_HASH}", "variables": {"id": application_id}}
            )
            first = await receive(ws)
            assert (first["type"], first["id"]) == ("next", "w"), first
            seen = first["payload"]["data"]["applicationUpdated"]
            assert (seen["status"], seen["cardOrder"]["status"]) == ("GRANTED", "PENDING")

            await stack.settle()  # the worker orders the card and sends the notices
            while seen["cardOrder"]["status"] != "ORDERED":
                message = await receive(ws)
                assert (message["type"], message["id"]) == ("next", "w"), message
                seen = message["payload"]["data"]["applicationUpdated"]
            assert seen["cardOrder"]["branchAddress"]


async def test_a_free_form_subscription_runs_when_free_form_documents_are_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with applications_stack(tmp_path, monkeypatch, trusted_only=False) as stack:
        token = stack.citizen("G39A1XZ")
        application_id = await submit(stack, token, 39)
        async with served(stack.app) as url, signed_in(url, token) as ws:
            await subscribe(
                ws, "1", {"query": FREE_FORM_WATCH, "variables": {"id": application_id}}
            )
            message = await receive(ws)
            assert (message["type"], message["id"]) == ("next", "1"), message
            assert message["payload"]["data"]["applicationUpdated"]["status"] == "GRANTED"
            # an unknown hash is still unknown
            await subscribe(ws, "2", {"extensions": apq("0" * 64)})
            assert refusal_code(await receive(ws), "2") == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_subscribe_message_naming_no_document_closes_the_socket_as_the_protocol_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with (
        applications_stack(tmp_path, monkeypatch, trusted_only=True) as stack,
        served(stack.app) as url,
        signed_in(url, stack.citizen("G37A1XZ")) as ws,
    ):
        await subscribe(ws, "1", {"variables": {}})  # neither a query nor a hash
        with pytest.raises(ConnectionClosedError) as closed:
            await receive(ws)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400


async def test_the_legacy_graphql_ws_protocol_is_held_to_the_same_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with applications_stack(tmp_path, monkeypatch, trusted_only=True) as stack:
        token = stack.citizen("G37A1XZ")
        application_id = await submit(stack, token, 37)
        variables = {"id": application_id}
        async with served(stack.app) as url, signed_in(url, token, "graphql-ws") as ws:
            await ws.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "start",
                        "payload": {"query": FREE_FORM_WATCH, "variables": variables},
                    }
                )
            )
            refused = await receive(ws)
            assert (refused["type"], refused["id"]) == ("error", "1"), refused
            assert refused["payload"]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
            await ws.send(
                json.dumps(
                    {
                        "id": "2",
                        "type": "start",
                        "payload": {"variables": variables, "extensions": apq(WATCH_HASH)},
                    }
                )
            )
            message = await receive(ws)
            assert (message["type"], message["id"]) == ("data", "2"), message
            assert message["payload"]["data"]["applicationUpdated"]["id"] == application_id
