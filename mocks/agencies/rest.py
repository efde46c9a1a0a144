"""REST/JSON plumbing shared by the REST mock agencies (docs/agency-protocols.md, "Common
conventions").

An agency module writes pure handlers ``(RestCall, World) -> JSON`` and wraps each in
:func:`rest_route`, which counts the call, applies the agency's fault setting, checks the X-Road
headers, runs the handler and renders errors: ``400 {"error": "bad_request", "detail"}``,
``404 {"error": "not_found"}``, ``5xx`` for faults, ``429`` with ``Retry-After`` when throttled.
Every answer echoes ``X-Road-Id``.

Request validation is strict: the body is one JSON object with exactly the fields the operation
takes; FINs match ``^[0-9A-HJ-NP-Z]{7}$``; at most 500 keys; months are ``YYYY-MM``. Details
name the field and never repeat the value sent (FINs are personal data).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mocks.agencies.base import MockState, header_ids
from mocks.faults import Outcome, broken
from mocks.http import Endpoint, Incoming, Reply, json_reply
from mocks.world import World

MAX_KEYS = 500
#: Requests larger than this are refused before parsing (500 FINs take about 6 KB).
MAX_BODY_BYTES = 256 * 1024
#: The longest range of months one call may ask for.
MAX_MONTHS = 240
MAX_ADDRESS_LENGTH = 500

FIN = re.compile(r"[0-9A-HJ-NP-Z]{7}")
HOUSEHOLD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
REQUIRED_HEADERS = ("X-Road-Client", "X-Road-Id", "X-Road-UserId", "X-Road-Issue")
_REQUIRED_KEYS = tuple((name, name.lower()) for name in REQUIRED_HEADERS)
_HEX = "[0-9a-fA-F]"
_CANONICAL_UUID = re.compile(f"{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}")

Json = dict[str, Any]


class BadRequest(Exception):
    """The request is invalid; ``detail`` says why without repeating personal data."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(Exception):
    """A single-key path names something the agency holds no record of."""


@dataclass(frozen=True, slots=True)
class RestCall:
    """What a handler sees of a request: its body and path parameters."""

    body: bytes
    path_params: Mapping[str, str]

    def fields(self, *names: str) -> Json:
        """The body as a JSON object with exactly the fields ``names``."""
        return json_object(self.body, names)


Handler = Callable[[RestCall, World], Json]


def json_object(body: bytes, names: Sequence[str]) -> Json:
    if not body:
        raise BadRequest("body must be a JSON object")
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadRequest("body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise BadRequest("body must be a JSON object")
    if payload.keys() == set(names):
        return payload  # exactly the fields asked for
    unknown = sorted(set(payload) - set(names))
    if unknown:
        raise BadRequest(f"unknown fields: {', '.join(unknown)}")
    missing = [n for n in names if n not in payload]
    if missing:
        raise BadRequest(f"missing fields: {', '.join(missing)}")
    return payload


def _keys(payload: Json, name: str) -> list[object]:
    value = payload[name]
    if not isinstance(value, list):
        raise BadRequest(f"{name} must be a list")
    if len(value) > MAX_KEYS:
        raise BadRequest(f"{name} has {len(value)} entries; at most {MAX_KEYS} per call")
    return value


def fins_field(payload: Json, name: str = "fins") -> tuple[str, ...]:
    """A list of FINs, deduplicated in order."""
    fins: dict[str, None] = {}
    for index, value in enumerate(_keys(payload, name)):
        if not isinstance(value, str) or FIN.fullmatch(value) is None:
            raise BadRequest(f"{name}[{index}] is not a valid FIN")
        fins[value] = None
    return tuple(fins)


def household_ids_field(payload: Json, name: str = "household_ids") -> tuple[str, ...]:
    """A list of family-composition record ids, deduplicated in order."""
    ids: dict[str, None] = {}
    for index, value in enumerate(_keys(payload, name)):
        if not isinstance(value, str) or HOUSEHOLD_ID.fullmatch(value) is None:
            raise BadRequest(f"{name}[{index}] is not a valid household id")
        ids[value] = None
    return tuple(ids)


def addresses_field(payload: Json, name: str = "addresses") -> tuple[str, ...]:
    """A list of registered addresses, deduplicated in order."""
    addresses: dict[str, None] = {}
    for index, value in enumerate(_keys(payload, name)):
        if not isinstance(value, str) or not value.strip():
            raise BadRequest(f"{name}[{index}] must be a non-empty string")
        if len(value) > MAX_ADDRESS_LENGTH:
            raise BadRequest(f"{name}[{index}] is longer than {MAX_ADDRESS_LENGTH} characters")
        if any(ord(c) < 0x20 for c in value):
            raise BadRequest(f"{name}[{index}] contains control characters")
        addresses[value] = None
    return tuple(addresses)


def _month(payload: Json, name: str) -> date:
    value = payload[name]
    match = MONTH.fullmatch(value) if isinstance(value, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise BadRequest(f"{name} must be a month YYYY-MM")
    return date(int(match.group(1)), int(match.group(2)), 1)


def months_field(payload: Json) -> tuple[date, date]:
    """The inclusive range of months ``from``..``until`` (first days of months)."""
    first, last = _month(payload, "from"), _month(payload, "until")
    if last < first:
        raise BadRequest("until is before from")
    if (last.year - first.year) * 12 + last.month - first.month + 1 > MAX_MONTHS:
        raise BadRequest(f"at most {MAX_MONTHS} months per call")
    return first, last


def money(amount: Decimal) -> str:
    """Money on the wire: a string with two decimals."""
    return f"{amount.quantize(Decimal('0.01')):f}"


def month_text(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def day_text(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def check_headers(headers: Mapping[str, str]) -> None:
    """Check the X-Road headers of ``headers`` (keyed by lower-case name)."""
    for name, key in _REQUIRED_KEYS:
        value = headers.get(key)
        if not value:
            raise BadRequest(f"missing header {name}")
        if len(value) > 255:
            raise BadRequest(f"header {name} is longer than 255 characters")
    message_id = headers["x-road-id"]
    if _CANONICAL_UUID.fullmatch(message_id) is None:  # the usual form needs no parsing
        try:
            uuid.UUID(message_id)
        except ValueError:
            raise BadRequest("header X-Road-Id must be a UUID") from None


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes | None:
    """The request body, or ``None`` when it is larger than ``limit`` (reading stops there)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def json_response(
    payload: Json, status_code: int = 200, headers: Mapping[str, str] = {}
) -> Response:
    return Response(
        orjson.dumps(payload),
        status_code=status_code,
        media_type="application/json",
        headers=dict(headers),
    )


def _bad_request(detail: str, echo: Mapping[str, str]) -> Response:
    return json_response({"error": "bad_request", "detail": detail}, 400, echo)


@dataclass(frozen=True, slots=True)
class Admitted:
    """A REST call that got past the faults and the request checks."""

    body: bytes
    outcome: Outcome
    echo: dict[str, str]


async def admit(
    state: MockState, agency: str, operation: str, request: Incoming, method: str
) -> Admitted | Response:
    """What every REST mock does before its handler: log the call, apply the agency's fault,
    check the X-Road headers, the body size and the media type. Returns the early answer
    (fault or 400) as a ``Response``."""
    headers = request.headers
    ids = header_ids(headers)
    state.calls.record(agency, operation, ids)
    body = await request.body(MAX_BODY_BYTES)
    faults = state.faults
    outcome = (
        Outcome.ANSWER
        if faults.healthy(agency)
        else await faults.before_answer(agency, request.wait_for_disconnect)
    )
    echo = {"X-Road-Id": ids.id} if ids.id else {}
    if outcome is Outcome.UNAVAILABLE:
        return json_response({"error": "unavailable"}, 503, echo)
    if outcome is Outcome.ERROR:
        return json_response({"error": "internal"}, 500, echo)
    if outcome is Outcome.THROTTLED:
        return json_response({"error": "throttled"}, 429, {**echo, "Retry-After": "1"})
    try:
        check_headers(headers)
        if body is None:
            raise BadRequest(f"body larger than {MAX_BODY_BYTES} bytes")
        if method == "POST":
            content_type = headers.get("content-type", "")
            if (
                content_type != "application/json"
                and content_type.split(";")[0].strip().lower() != "application/json"
            ):
                raise BadRequest("Content-Type must be application/json")
        elif body:
            raise BadRequest(f"{method} takes no body")
    except BadRequest as exc:
        return _bad_request(exc.detail, echo)
    return Admitted(body, outcome, echo)


def rest_route(
    state: MockState, agency: str, path: str, handler: Handler, *, method: str = "POST"
) -> Route:
    """A route at ``path`` (relative to the agency's base) answering with ``handler``.

    The operation recorded in the call log is ``path`` without its leading slash (path
    parameters keep their ``{name}``), e.g. ``persons:batch`` or ``electricity/charges:batch``.
    """
    operation = path.lstrip("/")

    async def endpoint(request: Incoming) -> Response | Reply:
        admitted = await admit(state, agency, operation, request, method)
        if isinstance(admitted, Response):
            return admitted
        outcome, echo = admitted.outcome, admitted.echo
        try:
            payload = handler(RestCall(admitted.body, request.path_params), state.world)
        except BadRequest as exc:
            return _bad_request(exc.detail, echo)
        except NotFound:
            return json_response({"error": "not_found"}, 404, echo)
        content = orjson.dumps(payload)
        if outcome is Outcome.MALFORMED:
            content = broken(content)
        return json_reply(content, echo)

    return Route(path, Endpoint(endpoint), methods=[method], name=f"{agency}:{operation}")
