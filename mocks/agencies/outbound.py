"""What the two outbound agencies (``bank``, ``messaging``) share: writes behind an
``Idempotency-Key`` (docs/agency-protocols.md, "Outbound agencies").

The read-only agencies answer from the world through :func:`mocks.agencies.rest.rest_route`;
the outbound ones *change* state (a card is ordered, a message delivered), so their routes
differ in three ways:

- a write must carry ``Idempotency-Key``; the first request with a key binds the key (scoped by
  ``X-Road-Client``) to the request's JSON value and answers ``201``/``202``; the same key with
  the same JSON value answers the same resource again with ``200`` and
  ``Idempotent-Replayed: true``; the same key with another value is ``409
  {"error": "idempotency_conflict"}``. A request refused with ``400`` binds nothing.
- a ``400`` names the field at fault: ``{"error": "bad_request", "detail", "field"}``.
- the answer's status is the handler's (``200``, ``201``, ``202``).

Everything else is as for every REST mock: the call is counted, the agency's fault setting is
applied before the handler runs (so ``down``, ``hang``, ``error`` and ``throttle`` change
nothing), X-Road headers are required, and ``X-Road-Id`` is echoed. ``malformed`` runs the
handler (the order is placed, the message delivered) and breaks the answer: the lost answer a
client must recover from by sending the same key again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Generic, TypeVar

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mocks.admin import is_loopback
from mocks.agencies.base import MockState
from mocks.agencies.rest import (
    BadRequest,
    Json,
    NotFound,
    admit,
    json_response,
)
from mocks.faults import Outcome, broken
from mocks.http import Endpoint, Incoming, Reply, json_reply

T = TypeVar("T")

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_IDEMPOTENCY_KEY = IDEMPOTENCY_HEADER.lower()
MAX_KEY_LENGTH = 255
_KEY = re.compile(r"[\x21-\x7e]{1,255}")
_MONEY = re.compile(r"[0-9]{1,7}\.[0-9]{2}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class FieldError(BadRequest):
    """The request is invalid because of one field (or header), named in ``field``."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field


class IdempotencyConflict(Exception):
    """The key was already used for a request with a different JSON value."""


@dataclass(frozen=True, slots=True)
class WriteCall:
    """What a handler sees of a request: the body, path parameters and the caller's keys."""

    body: bytes
    path_params: Mapping[str, str]
    client: str
    idempotency_key: str | None

    def fields(self, *names: str) -> Json:
        """The body as a JSON object with exactly the fields ``names`` (the first unknown or
        missing field is named)."""
        return json_fields(self.body, names)

    def key(self) -> str:
        """The ``Idempotency-Key`` the write carries (required)."""
        if self.idempotency_key is None:
            raise FieldError(IDEMPOTENCY_HEADER, f"missing header {IDEMPOTENCY_HEADER}")
        if _KEY.fullmatch(self.idempotency_key) is None:
            raise FieldError(
                IDEMPOTENCY_HEADER,
                f"header {IDEMPOTENCY_HEADER} must be 1 to {MAX_KEY_LENGTH} visible ASCII "
                "characters",
            )
        return self.idempotency_key


@dataclass(frozen=True, slots=True)
class Answer:
    """A handler's answer: JSON, status, and whether it replays an earlier write."""

    payload: Json
    status: int = 200
    replayed: bool = False


WriteHandler = Callable[[WriteCall], Answer]


@dataclass(slots=True)
class IdempotencyKeys(Generic[T]):
    """Keys already used, per ``(X-Road-Client, key)``: the request they were used for (its
    fingerprint) and what it created."""

    _bound: dict[tuple[str, str], tuple[bytes, T]] = field(default_factory=dict)

    def find(self, client: str, key: str, fingerprint: bytes) -> T | None:
        """What ``key`` created, if it was used for this very request; ``None`` if unused.

        Raises :class:`IdempotencyConflict` when it was used for another request."""
        bound = self._bound.get((client, key))
        if bound is None:
            return None
        if bound[0] != fingerprint:
            raise IdempotencyConflict
        return bound[1]

    def bind(self, client: str, key: str, fingerprint: bytes, created: T) -> None:
        self._bound[(client, key)] = (fingerprint, created)

    def clear(self) -> None:
        self._bound.clear()


def fingerprint(operation: str, payload: Json) -> bytes:
    """The request as a JSON value (key order and white space do not matter)."""
    return orjson.dumps([operation, payload], option=orjson.OPT_SORT_KEYS)


# --- field validation (each error names its field, never repeats its value) ----------------


def json_fields(body: bytes, names: Sequence[str]) -> Json:
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
    for name in sorted(payload):
        if name not in names:
            raise FieldError(name, f"unknown field {name}")
    for name in names:
        if name not in payload:
            raise FieldError(name, f"missing field {name}")
    return payload


def _unprintable(value: str, *, newlines: bool) -> bool:
    """Control and format characters (right-to-left marks included) other than a line feed
    where ``newlines`` is allowed."""
    if (value.replace("\n", "") if newlines else value).isprintable():
        return False  # none of those (nor any separator but the space): no need to look closer
    return any(
        unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") and not (newlines and c == "\n")
        for c in value
    )


def text_field(payload: Json, name: str, *, max_length: int, newlines: bool = False) -> str:
    """A non-blank string of at most ``max_length`` characters without control characters."""
    value = payload[name]
    if not isinstance(value, str) or not value.strip():
        raise FieldError(name, f"{name} must be a non-empty string")
    if len(value) > max_length:
        raise FieldError(name, f"{name} is longer than {max_length} characters")
    if _unprintable(value, newlines=newlines):
        raise FieldError(name, f"{name} contains control characters")
    return value


def pattern_field(payload: Json, name: str, pattern: re.Pattern[str], what: str) -> str:
    value = payload[name]
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        raise FieldError(name, f"{name} is not {what}")
    return value


def money_field(payload: Json, name: str) -> Decimal:
    """A positive amount written as a string with two decimals (``"285.50"``)."""
    value = payload[name]
    if not isinstance(value, str) or _MONEY.fullmatch(value) is None:
        raise FieldError(name, f"{name} must be an amount as a string with two decimals")
    amount = Decimal(value)
    if amount <= 0:
        raise FieldError(name, f"{name} must be more than zero")
    return amount


def date_field(payload: Json, name: str) -> date:
    value = payload[name]
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise FieldError(name, f"{name} must be a date YYYY-MM-DD")


# --- routes -------------------------------------------------------------------------------


def _bad_request(exc: BadRequest, echo: Mapping[str, str]) -> Response:
    payload: Json = {"error": "bad_request", "detail": exc.detail}
    if isinstance(exc, FieldError):
        payload["field"] = exc.field
    return json_response(payload, 400, echo)


def write_route(
    state: MockState,
    agency: str,
    path: str,
    handler: WriteHandler,
    *,
    method: str = "POST",
) -> Route:
    """A route at ``path`` (relative to the agency's base) answering with ``handler``; the
    operation in the call log is ``path`` without its leading slash."""
    operation = path.lstrip("/")

    async def endpoint(request: Incoming) -> Response | Reply:
        admitted = await admit(state, agency, operation, request, method)
        if isinstance(admitted, Response):
            return admitted
        outcome, echo = admitted.outcome, admitted.echo
        try:
            call = WriteCall(
                body=admitted.body,
                path_params=request.path_params,
                client=request.headers["x-road-client"],
                idempotency_key=request.headers.get(_IDEMPOTENCY_KEY),
            )
            answer = handler(call)
        except BadRequest as exc:
            return _bad_request(exc, echo)
        except NotFound:
            return json_response({"error": "not_found"}, 404, echo)
        except IdempotencyConflict:
            detail = f"this {IDEMPOTENCY_HEADER} was used for a different request"
            return json_response({"error": "idempotency_conflict", "detail": detail}, 409, echo)
        content = orjson.dumps(answer.payload)
        if outcome is Outcome.MALFORMED:
            content = broken(content)
        headers = {**echo, REPLAYED_HEADER: "true"} if answer.replayed else echo
        if answer.status in (200, 201, 202):
            return json_reply(content, headers, answer.status)
        return Response(
            content, status_code=answer.status, media_type="application/json", headers=headers
        )

    return Route(path, Endpoint(endpoint), methods=[method], name=f"{agency}:{operation}")


RequestEndpoint = Callable[[Request], Awaitable[Response]]


def admin_route(path: str, endpoint: RequestEndpoint, methods: list[str]) -> Route:
    """A test-control route (mounted in development mode only), answered for loopback only."""

    async def guarded(request: Request) -> Response:
        if not is_loopback(request):
            detail = "test controls answer loopback only"
            return json_response({"error": "forbidden", "detail": detail}, 403)
        return await endpoint(request)

    return Route(path, guarded, methods=methods)


def read_json(body: bytes | None) -> Any:
    """A small JSON body of a test control; ``BadRequest`` if it is not JSON."""
    try:
        return orjson.loads(body or b"null")
    except orjson.JSONDecodeError:
        raise BadRequest("body is not valid JSON") from None
