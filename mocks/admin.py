"""Test controls of the mock server (agencies.md, "Test controls of the mock server").

Mounted only in development mode, and answered only for loopback clients (127.0.0.0/8, ::1);
anyone else gets ``403``.

| method and path | effect |
|---|---|
| ``PUT /_admin/world`` | replace the world with the world file in the body (YAML or JSON) |
| ``POST /_admin/world`` | merge it: its households are added or replace those with the same id |
| ``GET /_admin/world`` | ``{"households": n}`` |
| ``GET /_admin/calls`` | per agency and operation, ``{"count", "last": [X-Road ids…]}`` |
| ``DELETE /_admin/calls`` | forget every call |
| ``PUT /_admin/faults/<agency>`` | ``{"mode", "latency_ms", "error_rate"}`` (``mocks/faults.py``) |
| ``GET /_admin/faults`` | the agencies that misbehave, with their settings |
| ``DELETE /_admin/faults`` | every agency healthy again |
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from mocks.agencies.base import MockState
from mocks.agencies.rest import json_response, read_body
from mocks.faults import FaultSetting, InvalidFaultSetting

#: World files of 100,000 households are tens of megabytes.
MAX_WORLD_BYTES = 512 * 1024 * 1024
_JSON_TYPES = {"application/json"}
_YAML_TYPES = {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"}

Endpoint = Callable[[Request], Awaitable[Response]]


def is_loopback(request: Request) -> bool:
    """Whether the request comes from this machine (127.0.0.0/8, ::1, or v4-mapped 127/8)."""
    if request.client is None:
        return False
    try:
        address = ipaddress.ip_address(request.client.host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _loopback_only(endpoint: Endpoint) -> Endpoint:
    async def guarded(request: Request) -> Response:
        if not is_loopback(request):
            detail = "test controls answer loopback only"
            return json_response({"error": "forbidden", "detail": detail}, 403)
        return await endpoint(request)

    return guarded


def _bad_request(detail: str) -> Response:
    return json_response({"error": "bad_request", "detail": detail}, 400)


def admin_routes(state: MockState) -> list[BaseRoute]:
    """The ``/_admin`` routes over ``state`` (mount them only in development mode)."""

    async def world(request: Request) -> Response:
        if request.method == "GET":
            return json_response({"households": len(state.world.households)})
        from mocks.world_io import WorldError, parse_world  # loaded on first use

        body = await read_body(request, MAX_WORLD_BYTES)
        if body is None:
            return _bad_request(f"world file larger than {MAX_WORLD_BYTES} bytes")
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            text = body.decode("utf-8")
            if media_type in _JSON_TYPES:
                loaded = parse_world(text, fmt="json")
            elif media_type in _YAML_TYPES:
                loaded = parse_world(text, fmt="yaml")
            else:
                loaded = parse_world(text)
        except UnicodeDecodeError:
            return _bad_request("world file must be UTF-8")
        except WorldError as exc:  # the loader's message names the place at fault
            return _bad_request(f"invalid world file: {str(exc)[:1000]}")
        state.holder.world = state.world.merged(loaded) if request.method == "POST" else loaded
        return json_response({"households": len(state.world.households)})

    async def calls(request: Request) -> Response:
        if request.method == "DELETE":
            state.calls.reset()
            return Response(status_code=204)
        return json_response(state.calls.to_json())

    async def fault(request: Request) -> Response:
        agency = request.path_params["agency"]
        if agency not in state.faults.agencies:
            return json_response({"error": "not_found", "detail": "no such agency"}, 404)
        body = await read_body(request, 4096)
        try:
            setting = FaultSetting.from_json(orjson.loads(body or b"null"))
        except orjson.JSONDecodeError:
            return _bad_request("body is not valid JSON")
        except InvalidFaultSetting as exc:
            return _bad_request(str(exc))
        state.faults.set(agency, setting)
        return json_response({agency: setting.to_json()})

    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            state.faults.reset()
            return Response(status_code=204)
        return json_response({a: s.to_json() for a, s in state.faults.snapshot().items()})

    return [
        Mount(
            "/_admin",
            routes=[
                Route("/world", _loopback_only(world), methods=["GET", "PUT", "POST"]),
                Route("/calls", _loopback_only(calls), methods=["GET", "DELETE"]),
                Route("/faults", _loopback_only(faults), methods=["GET", "DELETE"]),
                Route("/faults/{agency}", _loopback_only(fault), methods=["PUT"]),
            ],
        )
    ]
