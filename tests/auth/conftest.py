"""Fixtures for token validation: the mock identity provider in-process, behind a transport
that records every outbound request and can be taken down, and clocks the tests move by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from gateway.auth import TokenValidator
from gateway.settings import Settings
from mocks.identity import IdentityProvider, create_identity_app

# 2026-05-28T20:26:40Z: every token and every check in these tests happens at this instant.
T0 = 1_780_000_000
NOW = datetime.fromtimestamp(T0, UTC)


@dataclass
class Clock:
    """Wall time for exp/nbf and a monotonic clock for JWKS pacing, both moved by hand."""

    wall_now: float = T0
    mono_now: float = 1_000.0

    def wall(self) -> float:
        return self.wall_now

    def mono(self) -> float:
        return self.mono_now

    def advance(self, seconds: float) -> None:
        self.wall_now += seconds
        self.mono_now += seconds


@dataclass
class Upstream:
    """Everything outside the gateway: the identity provider mounted where the settings say.

    Every outbound request is recorded (whatever its host); ``down`` makes every request fail
    to connect, as when the provider is unreachable."""

    app: Starlette
    requests: list[httpx.Request] = field(default_factory=list)
    down: bool = False

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("identity provider unreachable", request=request)
        return await httpx.ASGITransport(app=self.app).handle_async_request(request)

    def jwks_fetches(self) -> int:
        return sum(1 for r in self.requests if r.url.path == "/identity/jwks")


@pytest.fixture
def settings() -> Settings:
    # Defaults: issuer http://127.0.0.1:8100/identity, JWKS at …/identity/jwks, audience vemtas.
    return Settings()


@pytest.fixture
def provider(settings: Settings) -> IdentityProvider:
    return IdentityProvider(issuer=settings.oidc_issuer)


@pytest.fixture
def upstream(provider: IdentityProvider, settings: Settings) -> Upstream:
    identity = create_identity_app(issuer=settings.oidc_issuer, dev=True, provider=provider)
    return Upstream(app=Starlette(routes=[Mount("/identity", app=identity)]))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def http_client(upstream: Upstream) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(upstream.handle)) as client:
        yield client


@pytest.fixture
def validator(settings: Settings, http_client: httpx.AsyncClient, clock: Clock) -> TokenValidator:
    return TokenValidator(settings, http_client, clock=clock.wall, monotonic=clock.mono)


@pytest.fixture
def issue(provider: IdentityProvider) -> Any:
    """``issue(role=…, **claims)``: a genuine token from the provider, issued at T0."""

    def _issue(**kwargs: Any) -> str:
        kwargs.setdefault("now", NOW)
        kwargs.setdefault("role", "citizen")
        if kwargs["role"] == "citizen":
            kwargs.setdefault("fin", "5ZX3K8P")
        if kwargs["role"] == "caseworker":
            kwargs.setdefault("districts", ["Yasamal"])
        return provider.issue(**kwargs)

    return _issue


@pytest.fixture
def claims(provider: IdentityProvider) -> dict[str, Any]:
    """Claims of a genuine citizen token at T0, to be altered and signed with ``provider.sign``."""
    return provider.claims(role="citizen", fin="5ZX3K8P", now=NOW)
