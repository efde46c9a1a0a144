"""What the two outbound adapters (``bank``, ``messaging``) share: writes behind an
``Idempotency-Key`` (docs/agency-protocols.md, "Outbound agencies").

The read adapters go through :class:`~adapters.agency.AgencyCore` (batching, caching,
stale-if-error). Writes are never cached and never batched, but they keep the rest of the
guard: a deadline on every call, the agency's circuit breaker and concurrency limit, and
*bounded retries* — safe here, and only here among POSTs, because every write carries an
idempotency key: the agency does a repeated request once and answers the repeat with what the
first one made (``200`` and ``Idempotent-Replayed: true``). A retry after an answer was lost
(timeout, broken answer) therefore returns the original order or message, never a second one.

HTTP statuses of a write, translated here and only here:

| status | becomes |
|---|---|
| ``201``/``202`` | the new resource (``replayed=False``) |
| ``200`` | the resource the key made before (``replayed=True``) |
| ``400`` | :class:`~adapters.errors.AgencyRejected` naming the field (not retried) |
| ``409`` | :class:`~adapters.errors.AgencyConflict`: the key was used for another request |
| ``429``, ``5xx``, refused, timed out | retried within the deadline, then unavailable/timeout |
| anything else, or a broken body | :class:`~adapters.errors.AgencyBadResponse` (not retried) |
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import orjson

from adapters.base import AdapterConfig, CallContext
from adapters.errors import AgencyConflict, AgencyError, AgencyRejected
from adapters.http import RestClient, check_status, map_http_errors, read_limited
from adapters.resilience import CircuitBreaker, Guard

T = TypeVar("T")

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
#: An idempotency key: 1 to 255 visible ASCII characters (no spaces).
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")
#: A field name an agency may give for a refused request (anything else is not repeated).
_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.\-\[\]]{0,63}")
#: Error bodies are small; a larger one is not read for its field name.
_MAX_ERROR_BYTES = 16 * 1024


def check_idempotency_key(key: str) -> str:
    """``key`` if it is a valid idempotency key; ``ValueError`` otherwise (a caller's bug)."""
    if not isinstance(key, str) or IDEMPOTENCY_KEY.fullmatch(key) is None:
        raise ValueError("an idempotency key is 1 to 255 visible ASCII characters")
    return key


@dataclass(frozen=True, slots=True)
class Reply:
    """A successful answer: its JSON and whether it replays an earlier write with the key."""

    payload: Any
    replayed: bool


def _refused_field(body: bytes) -> str | None:
    """The ``field`` of a ``400`` answer, if it is a plain field name."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    name = payload.get("field") if isinstance(payload, dict) else None
    if isinstance(name, str) and _FIELD_NAME.fullmatch(name):
        return name
    return None


class WriteClient:
    """I/O for one outbound agency: a JSON POST with ``Idempotency-Key``, or a GET; X-Road
    headers on both; statuses and httpx failures translated (table above).

    The request goes out as the read adapters' do, through
    :meth:`~adapters.http.RestClient.send`: straight to the agency's transport (on the network
    the ``httpx-aiohttp`` transport), without the client's own machinery (cookies, auth,
    redirects, event hooks), which cost the worker several times the CPU of the exchange
    itself. ``http`` is the client over ``transport``: it owns the transport's lifetime."""

    def __init__(
        self,
        agency: str,
        config: AdapterConfig,
        http: httpx.AsyncClient,
        transport: httpx.AsyncBaseTransport,
    ) -> None:
        self.agency = agency
        self._config = config
        self._rest = RestClient(agency, config, http, transport)  # the request itself

    async def post(
        self, path: str, body: Mapping[str, Any], idempotency_key: str, ctx: CallContext
    ) -> Reply:
        key = check_idempotency_key(idempotency_key)
        return await self._exchange("POST", path, ctx, key, orjson.dumps(body))

    async def get(self, path: str, ctx: CallContext) -> Any:
        """The JSON answer; ``AgencyNotFound`` on 404."""
        return (await self._exchange("GET", path, ctx, None, None)).payload

    async def _exchange(
        self,
        method: str,
        path: str,
        ctx: CallContext,
        idempotency_key: str | None,
        content: bytes | None,
    ) -> Reply:
        headers = None if idempotency_key is None else {IDEMPOTENCY_HEADER: idempotency_key}
        agency = self.agency
        with map_http_errors(agency):
            response = await self._rest.send(method, path, ctx, content, headers)
            try:
                status = response.status_code
                if status == 409:
                    raise AgencyConflict(agency)
                if status == 400:
                    body = await read_limited(agency, response, _MAX_ERROR_BYTES)
                    raise AgencyRejected(agency, _refused_field(body))
                check_status(agency, response, not_found=method == "GET")
                body = await read_limited(agency, response, self._config.max_response_bytes)
            finally:
                await response.aclose()
            replayed = (method == "POST" and status == 200) or (
                response.headers.get(REPLAYED_HEADER, "").lower() == "true"
            )
            return Reply(orjson.loads(body), replayed)


class OutboundCore:
    """The guard of one outbound agency: deadline, bounded retries (safe: idempotency keys),
    circuit breaker, concurrency limit. No cache: these are writes."""

    def __init__(self, agency: str, config: AdapterConfig) -> None:
        self.agency = agency
        self.config = config
        self.guard = Guard(agency, config)

    async def call(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run ``attempt`` (one exchange and its pure mapping) under the guard."""
        return await self.guard.call(attempt)

    @property
    def breaker(self) -> CircuitBreaker:
        return self.guard.breaker


@dataclass
class FailureSwitch:
    """Makes a test backend fail on demand: the next ``times`` calls, or every call."""

    _queued: list[AgencyError] = field(default_factory=list)
    _always: AgencyError | None = None

    def fail_next(self, error: AgencyError, times: int = 1) -> None:
        """The next ``times`` calls raise ``error`` (and do nothing)."""
        self._queued.extend([error] * times)

    def fail_always(self, error: AgencyError) -> None:
        """Every call raises ``error`` until :meth:`heal`."""
        self._always = error

    def heal(self) -> None:
        self._queued.clear()
        self._always = None

    def check(self) -> None:
        """Raise the failure due now, if any."""
        if self._queued:
            raise self._queued.pop(0)
        if self._always is not None:
            raise self._always
