"""The composition root: ``create_app(settings, adapters=None)`` wires settings, agency
adapters, token validation and the GraphQL schema into one Starlette application.

Long-lived clients (one per agency, and one for the identity provider's JWKS) are opened in the
lifespan and closed with it. Tests pass prebuilt adapters; nothing opens a client at import time.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as time_of_day
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import structlog
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import values as metric_values
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import StartMessage
from strawberry.types import ExecutionResult
from strawberry.types.execution import SubscriptionExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from adapters.base import AdapterConfig
from adapters.db import Database, DatabaseUnavailable, open_database
from adapters.db.audit import AuditLog, periodic_head_export
from adapters.registry import Adapters, open_adapters
from gateway.auth import AuthError, TokenValidator, bearer_token, check_prod_safety
from gateway.heap import settle_after_startup
from gateway.settings import Profile, Settings
from resolvers.application_policy import ApplicationPolicy, Background
from resolvers.context import RequestContext
from schema.schema import build_schema
from schema.trusted_documents import BAD_USER_INPUT, Refusal, TrustedDocuments, load_manifest

BAKU = ZoneInfo("Asia/Baku")
MAX_BODY_BYTES = 64 * 1024
JSON = "application/json"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
log = structlog.get_logger("vemtas.gateway")


def adapter_config(settings: Settings) -> AdapterConfig:
    return AdapterConfig(
        agency_urls=dict(settings.agency_urls),
        deadline=settings.agency_deadline,
        ttls=dict(settings.agency_ttls),
        default_ttl=settings.default_agency_ttl,
        cache_url=settings.cache_url,
        xroad_client=settings.xroad_client,
    )


@dataclass
class Runtime:
    """Process-wide state built in the lifespan."""

    settings: Settings
    adapters: Adapters | None = None
    validator: TokenValidator | None = None
    database: Database | None = None
    policy: ApplicationPolicy = field(default_factory=ApplicationPolicy)
    background: Background = field(default_factory=Background)
    ready: bool = False
    metrics: CollectorRegistry = field(default_factory=CollectorRegistry)

    def today(self) -> date:
        return self.settings.clock or datetime.now(BAKU).date()

    def now(self) -> datetime:
        """The request's time (aware); midnight UTC of the pinned day when the clock is pinned,
        so that dry-run decisions and their evidence are the same on every run."""
        if self.settings.clock is not None:
            return datetime.combine(self.settings.clock, time_of_day(0), tzinfo=UTC)
        return datetime.now(UTC)


class TrustedTransportWSHandler(BaseGraphQLTransportWSHandler[RequestContext, None]):
    """graphql-transport-ws with trusted documents: a ``subscribe`` (a subscription, or a query
    or mutation sent over the socket) runs the document its payload names by hash, or its own
    ``query`` if the rule allows; otherwise that operation alone gets an ``error`` message with
    the refusal's code, and the socket stays open for the others."""

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if not self.connection_acknowledged or message["id"] in self.operations:
            await super().handle_subscribe(message)  # closes the socket, as the protocol says
            return
        assert isinstance(self.view, GatewayGraphQL)
        document = self.view.operation_document(message.get("payload"))
        if isinstance(document, Refusal):
            await self.send_message(
                {"id": message["id"], "type": "error", "payload": [document.error().formatted]}
            )
            return
        if document is None:  # neither a query nor a hash: not a valid subscribe message
            await self.handle_invalid_message("The subscribe message names no document")
            return
        await super().handle_subscribe(
            {**message, "payload": {**message["payload"], "query": document}}
        )


class TrustedGraphQLWSHandler(BaseGraphQLWSHandler[RequestContext, None]):
    """The legacy graphql-ws protocol (subscriptions-transport-ws), with the same rule: a
    refused ``start`` is answered with an ``error`` message for its id."""

    async def handle_start(self, message: StartMessage) -> None:
        if self.connection_acknowledged:
            assert isinstance(self.view, GatewayGraphQL)
            document = self.view.operation_document(message.get("payload"))
            if document is None:
                document = Refusal(BAD_USER_INPUT, "The start message names no document.")
            if isinstance(document, Refusal):
                await self.send_message(
                    {"type": "error", "id": message["id"], "payload": document.error().formatted}
                )
                return
            message = {**message, "payload": {**message["payload"], "query": document}}
        await super().handle_start(message)


class GatewayGraphQL(GraphQL[RequestContext, None]):
    """strawberry's ASGI view with trusted documents on every transport (HTTP and both
    WebSocket protocols) and the ``application/graphql-response+json`` media type."""

    graphql_transport_ws_handler_class = TrustedTransportWSHandler
    graphql_ws_handler_class = TrustedGraphQLWSHandler

    def __init__(self, runtime: Runtime, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.runtime = runtime
        self.trusted = TrustedDocuments(
            load_manifest(), only=runtime.settings.trusted_documents_only
        )

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext:
        runtime = self.runtime
        if runtime.adapters is None or runtime.validator is None:
            raise RuntimeError("the gateway is not started")
        principal = None
        failure = None
        try:
            token = bearer_token(request.headers)
            if token is not None:
                principal = await runtime.validator.validate(token)
        except AuthError as exc:
            failure = f"the access token was refused ({exc.reason})"
        correlation_id = request.headers.get("x-correlation-id") or uuid.uuid4().hex
        if len(correlation_id) > 64 or not correlation_id.isascii():
            correlation_id = uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
        return RequestContext(
            adapters=runtime.adapters,
            today=runtime.today(),
            now=runtime.now(),
            principal=principal,
            auth_failure=failure,
            correlation_id=correlation_id,
            request=request,
            response=response,
            database=runtime.database,
            policy=runtime.policy,
            background=runtime.background,
        )

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """A GET naming a persisted document has no ``query`` but is not a page visit."""
        params = request.query_params
        return (
            super().should_render_graphql_ide(request)
            and "documentId" not in params
            and "extensions" not in params
        )

    async def execute_operation(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: RequestContext,
        root_value: None,
        sub_response: Response,
    ) -> ExecutionResult | list[ExecutionResult] | SubscriptionExecutionResult:
        """Trusted documents (persisted queries): the document named by its hash replaces the
        request's ``query``, or the request is answered with the refusal's code, unexecuted."""
        if isinstance(request_data, list):  # batching is off; never a way around the check
            raise HTTPException(400, "Batching is not enabled")
        document = self.trusted.resolve(
            request_data.query, request_data.extensions, await _document_id(request_adapter)
        )
        if isinstance(document, Refusal):
            result: ExecutionResult | list[ExecutionResult] | SubscriptionExecutionResult
            result = ExecutionResult(data=None, errors=[document.error()])
        else:
            request_data.query = document
            result = await super().execute_operation(
                request, request_adapter, request_data, context, root_value, sub_response
            )
        if isinstance(result, ExecutionResult):
            context.release()  # answered: no reference cycles left for the collector
            if sub_response.media_type == GRAPHQL_RESPONSE_JSON and is_request_error(result):
                sub_response.status_code = request_error_status(result)
        return result

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        """Carries the response's media type, negotiated from the request's ``Accept``."""
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = response_media_type(request.headers.get("accept"))
        return sub_response

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """With ``application/graphql-response+json``, a request error (nothing was executed)
        has no ``data`` entry, as GraphQL over HTTP says; ``application/json`` keeps
        ``"data": null``."""
        response = await super().process_result(request, result)
        if is_request_error(result) and (
            response_media_type(request.headers.get("accept")) == GRAPHQL_RESPONSE_JSON
        ):
            response.pop("data", None)
        return response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type == GRAPHQL_RESPONSE_JSON:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
        response.headers["vary"] = "Accept"  # the body and status depend on it
        return response

    def operation_document(self, payload: object) -> str | Refusal | None:
        """The document a WebSocket operation runs: its payload's ``query``, ``extensions`` and
        ``documentId`` resolved by the rule of HTTP requests (``TrustedDocuments.resolve``);
        ``None`` when the payload names no document."""
        if not isinstance(payload, Mapping):
            return Refusal(BAD_USER_INPUT, "The operation's payload must be an object.")
        query, extensions = payload.get("query"), payload.get("extensions")
        if query is not None and not isinstance(query, str):
            return Refusal(BAD_USER_INPUT, "payload.query must be a string.")
        if extensions is not None and not isinstance(extensions, Mapping):
            return Refusal(BAD_USER_INPUT, "payload.extensions must be an object.")
        return self.trusted.resolve(query, extensions, payload.get("documentId"))

    async def on_ws_connect(self, context: RequestContext) -> UnsetType | dict[str, object] | None:
        """graphql-transport-ws: a browser cannot set headers on a WebSocket, so the token may
        come in ``connection_init`` as ``{"Authorization": "Bearer …"}`` instead."""
        params = getattr(context, "connection_params", None)
        if context.principal is None and isinstance(params, dict) and self.runtime.validator:
            value = params.get("Authorization") or params.get("authorization")
            if isinstance(value, str):
                try:
                    token = bearer_token({"authorization": value})
                    if token is not None:
                        context.principal = await self.runtime.validator.validate(token)
                        context.auth_failure = None
                except AuthError as exc:
                    context.auth_failure = f"the access token was refused ({exc.reason})"
        unset: UnsetType = UNSET
        return unset


def response_media_type(accept: str | None) -> str:
    """``application/graphql-response+json`` when the ``Accept`` header names it and values
    nothing more than it (a tie with ``application/json`` goes to it, as GraphQL over HTTP
    says), else ``application/json``: also for no header, ``*/*`` or ``application/*`` alone
    (the spec's rule for legacy clients), and for a header that names neither (no 406)."""
    if not accept or "graphql-response+json" not in accept.lower():
        return JSON
    ranges = _media_ranges(accept)
    wanted = ranges.get(GRAPHQL_RESPONSE_JSON)
    if wanted is None or wanted <= 0:
        return JSON
    json_q = next(
        (ranges[r] for r in (JSON, "application/*", "*/*") if r in ranges),
        0.0,
    )
    return GRAPHQL_RESPONSE_JSON if wanted >= json_q else JSON


def _media_ranges(accept: str) -> dict[str, float]:
    """Media range → its ``q`` (the highest when named twice; 1 when missing or unreadable)."""
    ranges: dict[str, float] = {}
    for item in accept.lower().split(","):
        name, *params = (part.strip() for part in item.split(";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                with contextlib.suppress(ValueError):
                    q = float(value) if 0.0 <= float(value) <= 1.0 else 1.0
        ranges[name] = max(q, ranges.get(name, 0.0))
    return ranges


def is_request_error(result: ExecutionResult) -> bool:
    """Nothing was executed: the document did not parse or validate, the variables did not
    coerce, or it was refused (trusted documents); field errors always carry a ``path``."""
    return (
        result.data is None
        and bool(result.errors)
        and all(error.path is None for error in result.errors or ())
    )


def request_error_status(result: ExecutionResult) -> int:
    """400 for the client's request; 500 when what failed is the server (``INTERNAL``)."""
    codes = {(error.extensions or {}).get("code") for error in result.errors or ()}
    return 500 if "INTERNAL" in codes else 400


async def _document_id(request: AsyncHTTPRequestAdapter) -> object:
    """The request's ``documentId`` (GraphQL over HTTP persisted documents), if any; strawberry
    keeps no unknown keys, so it is read here (the body is already read and cached)."""
    if request.method == "GET":
        return request.query_params.get("documentId")
    body = await request.get_body()
    if b'"documentId"' not in body:
        return None
    data = json.loads(body)
    return data.get("documentId") if isinstance(data, dict) else None


class BodyLimit:
    """Answers 413 before any parsing when a request body is larger than the limit."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = None
        for name, value in scope.get("headers") or ():
            if name == b"content-length":
                length = value  # the last one, as a dict of the headers would keep
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await _too_large(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _BodyTooLarge:
            await _too_large(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse(
        {
            "errors": [
                {"message": "request body too large", "extensions": {"code": "BAD_USER_INPUT"}}
            ]
        },
        status_code=413,
    )
    await response(scope, receive, send)


def create_app(
    settings: Settings,
    adapters: Adapters | None = None,
    *,
    database: Database | None = None,
    jwks_transport: httpx.AsyncBaseTransport | None = None,
    policy: ApplicationPolicy | None = None,
    worker: bool = False,
    metrics_dir: Path | None = None,
) -> Starlette:
    """The gateway ASGI app. ``adapters`` (tests) replaces the real agency adapters;
    ``database`` (tests) an open, migrated database; ``jwks_transport`` routes the identity
    provider's JWKS fetches (tests, in-process); ``policy`` times the applications
    (``gateway.worker.policy_from_env``); ``worker`` also runs the background worker in this
    process (``vemtas serve --with-mocks``); ``metrics_dir``, prometheus-client's
    ``PROMETHEUS_MULTIPROC_DIR`` of this process (``gateway.asgi``, under
    ``vemtas serve --workers N``), makes ``/metrics`` the sum over every process writing
    there rather than this app's own registry."""
    runtime = Runtime(settings=settings, policy=policy or ApplicationPolicy())
    requests_total = Counter(
        "vemtas_graphql_requests_total",
        "GraphQL HTTP requests",
        ["status"],
        registry=runtime.metrics,
    )
    latency = Histogram(
        "vemtas_graphql_request_seconds", "GraphQL HTTP request latency", registry=runtime.metrics
    )
    dev = settings.profile is Profile.DEV
    graphql = GatewayGraphQL(
        runtime,
        schema=build_schema(production=not dev),
        graphql_ide="graphiql" if dev else None,
        allow_queries_via_get=True,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if adapters is None:
                runtime.adapters = await stack.enter_async_context(
                    open_adapters(adapter_config(settings))
                )
            else:
                runtime.adapters = adapters
            jwks_client = await stack.enter_async_context(
                httpx.AsyncClient(transport=jwks_transport, timeout=httpx.Timeout(3.0))
            )
            runtime.validator = TokenValidator(settings, jwks_client)
            if database is not None:
                runtime.database = database
            else:
                if settings.profile is Profile.DEV:
                    from adapters.db.migrate import upgrade

                    await upgrade(settings.database_url)  # prod: `vemtas db upgrade` beforehand
                runtime.database = await stack.enter_async_context(
                    open_database(settings.database_url)
                )
            # decisions still running when the process stops get a moment, then the worker
            # takes them over
            stack.push_async_callback(runtime.background.close)
            # the audit log's chain head, exported so that a truncated log is detected
            await stack.enter_async_context(
                periodic_head_export(AuditLog(runtime.database), settings.var_dir / "audit-heads")
            )
            if settings.profile is Profile.PROD:
                check_prod_safety(settings)
                await runtime.validator.prime()
            if worker:
                from gateway.worker import running_worker

                await stack.enter_async_context(
                    running_worker(
                        runtime.adapters, runtime.database, runtime.policy, runtime.today
                    )
                )
            settle_after_startup()  # gateway/heap.py: no full collection walks the start-up heap
            runtime.ready = True
            log.info("gateway_started", profile=settings.profile.value)
            try:
                yield
            finally:
                runtime.ready = False

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        if not runtime.ready or runtime.database is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        try:
            await runtime.database.ping()
        except DatabaseUnavailable:
            return JSONResponse({"status": "database unavailable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    exported = runtime.metrics
    if metrics_dir is not None:
        if metric_values.ValueClass is metric_values.MutexValue:
            raise RuntimeError(
                "PROMETHEUS_MULTIPROC_DIR must be set before prometheus_client is imported"
            )
        # the metrics above write to this process's files there; the collector reads them all
        exported = CollectorRegistry()
        MultiProcessCollector(exported, path=str(metrics_dir))  # type: ignore[no-untyped-call]

    async def metrics(_: Request) -> Response:
        return PlainTextResponse(generate_latest(exported), media_type=CONTENT_TYPE_LATEST)

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
        ],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.add_middleware(_MetricsMiddleware, latency=latency, counter=requests_total)
    app.add_middleware(BodyLimit)
    return app


class _MetricsMiddleware:
    def __init__(self, app: ASGIApp, latency: Histogram, counter: Counter) -> None:
        self.app = app
        self.latency = latency
        self.counter = counter
        self.by_status: dict[str, Counter] = {}  # the counter's child per status, looked up once

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/graphql"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = "500"

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = str(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.latency.observe(time.perf_counter() - started)
            child = self.by_status.get(status)
            if child is None:
                child = self.by_status[status] = self.counter.labels(status=status)
            child.inc()
