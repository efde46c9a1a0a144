"""Fixtures for the mock agencies' tests: the mock server over a small hand-written world
(in-process through ``httpx.ASGITransport``), and callers for X-Road REST and SOAP requests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from starlette.applications import Starlette

from mocks.app import create_mock_app
from mocks.world import World

from .agency_world import BASE, build_world, soap_envelope, xroad_headers


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def app(world: World) -> Starlette:
    return create_mock_app(world, base_url=BASE)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 123))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield http


@pytest.fixture
def headers() -> Callable[..., dict[str, str]]:
    """``headers(**overrides)``: a fresh set of X-Road headers for a REST call."""
    return xroad_headers


@pytest.fixture
def soap(
    client: httpx.AsyncClient,
) -> Callable[..., object]:
    """``await soap(agency, operation, body_xml, **kw)``: POST a SOAP call; returns the response."""

    async def call(
        agency: str,
        operation: str,
        body: str,
        *,
        action: str | None = None,
        message_id: str | None = None,
        header: str | None = None,
        content: bytes | None = None,
        content_type: str = "text/xml; charset=utf-8",
    ) -> httpx.Response:
        payload = content or soap_envelope(
            agency, f"<a:{operation}>{body}</a:{operation}>", message_id=message_id, header=header
        )
        return await client.post(
            f"/{agency}",
            content=payload,
            headers={
                "Content-Type": content_type,
                "SOAPAction": f'"{action or f"urn:az:gov:vemtas:{agency}:v1/{operation}"}"',
            },
        )

    return call
