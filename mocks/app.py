"""Every mock agency in one ASGI app (``vemtas mocks serve``).

Each agency is mounted at ``/<key>`` as docs/agency-protocols.md says; the identity provider at
``/identity``; in development mode the test controls at ``/_admin`` (``mocks/admin.py``). All
agencies answer from one world held in ``app.state.mock.holder`` so that the test controls can
replace it while the server runs.

The app is a :class:`mocks.http.MockApp`: requests for the agencies' fixed paths go straight to
their endpoints (``mocks/http.py``); everything else is routed by Starlette.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from types import ModuleType

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount

from mocks.admin import admin_routes
from mocks.agencies import (
    agriculture,
    bank,
    conscription,
    disability,
    education,
    employment,
    justice,
    messaging,
    migration,
    population,
    property,
    social_insurance,
    tax,
    telecom,
    utilities,
    vehicles,
)
from mocks.agencies.base import AGENCY_KEYS, MockState
from mocks.agencies.rest import json_response
from mocks.http import MockApp
from mocks.world import World

#: The agency modules in catalog order; each has ``KEY`` and ``routes(state)``.
AGENCIES: Sequence[ModuleType] = (
    population,
    tax,
    property,
    utilities,
    migration,
    vehicles,
    social_insurance,
    disability,
    employment,
    education,
    conscription,
    justice,
    agriculture,
    telecom,
    bank,
    messaging,
)
assert tuple(m.KEY for m in AGENCIES) == AGENCY_KEYS


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error = (
        "not_found"
        if exc.status_code == 404
        else "method_not_allowed"
        if exc.status_code == 405
        else "error"
    )
    return json_response({"error": error}, exc.status_code, exc.headers or {})


def _identity_routes(base_url: str, dev: bool) -> list[BaseRoute]:
    if importlib.util.find_spec("mocks.identity") is None:
        return []
    from mocks.identity import create_identity_app

    return [Mount("/identity", app=create_identity_app(issuer=f"{base_url}/identity", dev=dev))]


def create_mock_app(
    world: World, *, dev: bool = True, base_url: str = "http://127.0.0.1:8100"
) -> MockApp:
    """The mock server: every agency of the catalog over ``world``.

    ``base_url`` is where the server is reachable (SOAP WSDLs point their address there, and the
    identity provider's issuer is ``<base_url>/identity``). ``dev`` mounts the test controls.
    The shared :class:`~mocks.agencies.base.MockState` is ``app.state.mock``.
    """
    base_url = base_url.rstrip("/")
    state = MockState.create(world, base_url=base_url)
    routes: list[BaseRoute] = []
    for agency in AGENCIES:
        routes.extend(agency.routes(state))
    routes.extend(_identity_routes(base_url, dev))
    if dev:
        # the outbound agencies' own controls (orders, outbox) come before the shared mount
        routes.extend(bank.admin_routes(state))
        routes.extend(messaging.admin_routes(state))
        routes.extend(admin_routes(state))
    app = MockApp(routes, exception_handlers={HTTPException: _http_error})
    app.state.mock = state
    return app
