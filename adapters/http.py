"""HTTP plumbing shared by every adapter: the httpx client, X-Road headers, error translation.

:func:`map_http_errors` is *the* place where httpx failures and HTTP statuses become the shared
agency error tree (:mod:`adapters.errors`); the SOAP adapters use it too, around zeep's
transport. Messages name the agency and the kind of failure, never the payload.

Network clients use the ``httpx-aiohttp`` transport (httpx's API over aiohttp: a fraction of
httpx's own CPU per request, see ``bench/upstream.py``); tests pass their own transport
(``httpx.ASGITransport`` over the mock app, ``httpx.MockTransport``). Every request is an
``httpx.Request`` handed to the transport, in tests as in production. Redirects are never
followed, and the environment (proxies, ``.netrc``) is never read.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any

import aiohttp
import httpx
import orjson

from adapters.base import AdapterConfig, CallContext, report_xroad_id
from adapters.errors import (
    AgencyBadResponse,
    AgencyError,
    AgencyNotFound,
    AgencyTimeout,
    AgencyUnavailable,
)
from adapters.resilience import AgencyThrottled
from adapters.shape import ShapeError


def http_timeout(config: AdapterConfig) -> httpx.Timeout:
    """Per-phase timeouts of one attempt (the whole call is bounded by the deadline)."""
    return httpx.Timeout(config.deadline, connect=min(config.connect_timeout, config.deadline))


def network_transport(config: AdapterConfig) -> httpx.AsyncBaseTransport:
    """The transport for real agencies: ``httpx-aiohttp`` (httpx's API over aiohttp)."""
    from httpx_aiohttp import AiohttpTransport

    concurrency = max(1, config.max_concurrency)
    return AiohttpTransport(
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        trust_env=False,
    )


def open_http_client(
    agency: str,
    config: AdapterConfig,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The one long-lived client for ``agency`` (base URL from configuration) over
    ``transport`` (by default a new :func:`network_transport`); closing it closes that."""
    return httpx.AsyncClient(
        base_url=config.url(agency),
        transport=transport if transport is not None else network_transport(config),
        timeout=http_timeout(config),
        follow_redirects=False,
        trust_env=False,
    )


def xroad_headers(config: AdapterConfig, ctx: CallContext) -> dict[str, str]:
    """The X-Road headers of one REST call (a new ``X-Road-Id`` every time)."""
    message_id = str(uuid.uuid4())
    report_xroad_id(message_id)
    return {
        "X-Road-Client": config.xroad_client,
        "X-Road-Id": message_id,
        "X-Road-UserId": ctx.user_id,
        "X-Road-Issue": ctx.issue,
    }


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; ``None`` if absent or odd."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def check_status(agency: str, response: httpx.Response, *, not_found: bool = False) -> None:
    """Raise the agency error an HTTP status means (2xx passes)."""
    status = response.status_code
    if 200 <= status < 300:
        return
    if status == 429:
        raise AgencyThrottled(agency, retry_after_seconds(response.headers.get("retry-after")))
    if status >= 500:
        raise AgencyUnavailable(agency, f"the agency answered HTTP {status}")
    if status == 404 and not_found:
        raise AgencyNotFound(agency)
    raise AgencyBadResponse(agency, f"the agency refused the request (HTTP {status})")


class _HttpErrors:
    """The context manager :func:`map_http_errors` returns (a class: entered on every call)."""

    __slots__ = ("agency",)

    def __init__(self, agency: str) -> None:
        self.agency = agency

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None or isinstance(exc, AgencyError):
            return
        if isinstance(exc, httpx.TimeoutException):
            if _refused(exc):
                raise AgencyUnavailable(self.agency) from None
            raise AgencyTimeout(self.agency) from None
        if isinstance(exc, httpx.TransportError | httpx.InvalidURL):
            raise AgencyUnavailable(self.agency) from None
        if isinstance(exc, ShapeError | orjson.JSONDecodeError | UnicodeDecodeError):
            raise AgencyBadResponse(self.agency) from None


def _refused(exc: BaseException) -> bool:
    """Whether an httpx timeout is really a connection that could not be made (refused,
    unreachable): httpx-aiohttp 0.2.0 maps aiohttp's ``ClientConnectorError`` — a subclass of the
    ``ClientConnectionError`` it maps to ``httpx.ConnectTimeout`` — to that timeout as well. A
    connect that timed out (aiohttp's ``ServerTimeoutError``) stays a timeout."""
    cause = exc.__cause__
    return isinstance(cause, aiohttp.ClientConnectorError) and not isinstance(
        cause, aiohttp.ServerTimeoutError | TimeoutError
    )


def map_http_errors(agency: str) -> _HttpErrors:
    """Translate httpx exceptions (and shape errors) into the agency error tree."""
    return _HttpErrors(agency)


async def read_limited(agency: str, response: httpx.Response, limit: int) -> bytes:
    """The body of a streamed response, refusing more than ``limit`` bytes."""
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise AgencyBadResponse(agency, "the agency's answer is too large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise AgencyBadResponse(agency, "the agency's answer is too large")
        chunks.append(chunk)
    return b"".join(chunks)


class RestClient:
    """I/O for one REST agency: one JSON exchange per call, X-Road headers, errors translated.

    Only transport and status are handled here; the caller (an agency's ``client.py``) runs
    this under its :class:`~adapters.resilience.Guard` and hands the parsed JSON to its pure
    ``mapping.py``.

    Requests go straight to the client's transport (``handle_async_request``): the client's
    own machinery (cookies, auth, redirects, event hooks) is of no use for these reads and
    costs more CPU than the whole aiohttp exchange (``bench/upstream.py``). The client stays
    the owner of the transport's lifetime.
    """

    def __init__(
        self,
        agency: str,
        config: AdapterConfig,
        http: httpx.AsyncClient,
        transport: httpx.AsyncBaseTransport,
    ) -> None:
        self.agency = agency
        self._config = config
        self._http = http
        self._transport = transport
        self._base = config.url(agency)
        self._timeout = http_timeout(config).as_dict()
        self._urls: dict[str, httpx.URL] = {}  # parsed once per path: parsing costs more
        # than the rest of building a request

    async def post_json(self, path: str, body: Mapping[str, Any], ctx: CallContext) -> Any:
        return await self._exchange("POST", path, ctx, content=orjson.dumps(body))

    async def get_json(self, path: str, ctx: CallContext, *, not_found: bool = False) -> Any:
        return await self._exchange("GET", path, ctx, not_found=not_found)

    async def _exchange(
        self,
        method: str,
        path: str,
        ctx: CallContext,
        *,
        content: bytes | None = None,
        not_found: bool = False,
    ) -> Any:
        agency = self.agency
        with map_http_errors(agency):
            response = await self.send(method, path, ctx, content)
            try:
                check_status(agency, response, not_found=not_found)
                body = await read_limited(agency, response, self._config.max_response_bytes)
            finally:
                await response.aclose()
            return orjson.loads(body)

    async def send(
        self,
        method: str,
        path: str,
        ctx: CallContext,
        content: bytes | None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One JSON request straight to the transport, with the X-Road headers, then
        ``headers``: the response, its body not read yet; the caller closes it, and maps
        transport errors (:func:`map_http_errors`) around this call and the reading."""
        pairs = xroad_headers(self._config, ctx)
        if headers:
            pairs.update(headers)
        raw = [(name.encode(), value.encode()) for name, value in pairs.items()]
        raw.append((b"Accept", b"application/json"))
        if content is not None:
            raw.append((b"Content-Type", b"application/json"))
        url = self._urls.get(path)
        if url is None:
            url = httpx.URL(self._base + path)
            if method == "POST":  # fixed paths (a GET's path carries an id)
                self._urls[path] = url
        request = httpx.Request(
            method, url, headers=raw, content=content, extensions={"timeout": self._timeout}
        )
        return await self._transport.handle_async_request(request)
