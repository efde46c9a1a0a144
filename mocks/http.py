"""The mock server's request path: lean ASGI endpoints, and an app that sends each request for a
fixed agency path straight to its endpoint.

Every agency operation is an :class:`Endpoint`: a plain ASGI callable that reads what it needs
from the ASGI scope (:class:`Incoming`: the headers as one dict, the body, the path parameters)
and sends its answer itself, so that no Starlette ``Request`` or ``Response`` is built on the
way of an ordinary answer. An endpoint is mounted as usual (a ``Route`` whose app it is), and
:class:`MockApp` (the server) also keeps a table of the exact paths of these routes: a request
for one of them (the ~30 operations the gateway calls, each a fixed path) goes from the table to
its endpoint without walking the router and Starlette's middleware. Everything else (test
controls, the identity provider, paths with parameters, unknown paths and methods, 404 and 405)
goes through Starlette as before; a path only enters the table if Starlette's own matching
routes it to the same endpoint, so the table changes no answer.

An endpoint answers a failure it did not expect as Starlette's error middleware does (``500``
``Internal Server Error`` in plain text, then the exception goes on to the server's log).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import Receive, Scope, Send

#: ``Content-Type`` of JSON answers, as Starlette renders ``media_type="application/json"``.
JSON_CONTENT_TYPE = (b"content-type", b"application/json")


def header_map(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """The request's headers by (lower-case) name; the first of repeated headers wins, as
    Starlette's ``Headers.get`` reads them."""
    if not isinstance(raw, Sequence):
        raw = list(raw)
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in reversed(raw)}


class Incoming:
    """What an endpoint reads of a request: method, headers (lower-case names), path
    parameters, the body, and the ASGI ``receive`` (to notice a disconnect)."""

    __slots__ = ("headers", "receive", "scope")

    def __init__(self, scope: Scope, receive: Receive) -> None:
        self.scope = scope
        self.receive = receive
        self.headers = header_map(scope["headers"])

    @property
    def method(self) -> str:
        return str(self.scope["method"])

    @property
    def path_params(self) -> Mapping[str, str]:
        params: Mapping[str, str] = self.scope.get("path_params", {})
        return params

    async def body(self, limit: int) -> bytes | None:
        """The body, or ``None`` when it is larger than ``limit`` (reading stops there).

        A client that goes away while sending raises ``ClientDisconnect``, as Starlette's
        ``Request.stream`` does."""
        declared = self.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await self.receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                if chunk:
                    size += len(chunk)
                    if size > limit:
                        return None
                    chunks.append(chunk)
                if not message.get("more_body", False):
                    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
            elif message["type"] == "http.disconnect":
                raise ClientDisconnect

    async def wait_for_disconnect(self) -> None:
        """Return when the client goes away (the body must have been read already)."""
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                return


class Reply:
    """An answer as bytes on the wire: status, body and the raw headers Starlette's
    ``Response(body, status, headers, media_type)`` would send (given headers first, then
    ``content-length``, then ``content-type``)."""

    __slots__ = ("body", "headers", "status")

    def __init__(
        self, body: bytes, status: int, headers: list[tuple[bytes, bytes]], content_type: bytes
    ) -> None:
        self.status = status
        self.body = body
        headers.append((b"content-length", str(len(body)).encode("latin-1")))
        headers.append((b"content-type", content_type))
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})


def json_reply(body: bytes, echo: Mapping[str, str], status: int = 200) -> Reply:
    """JSON ``body`` with the echoed headers (``X-Road-Id``, …); ``status`` from 200 to 299
    other than 204 (the statuses that carry a ``content-length``)."""
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in echo.items()]
    return Reply(body, status, headers, b"application/json")


Handle = Callable[[Incoming], Awaitable[Response | Reply]]


class Endpoint:
    """An ASGI endpoint over ``handle(incoming) -> answer``; mount it as a ``Route``'s app."""

    __slots__ = ("handle",)

    def __init__(self, handle: Handle) -> None:
        self.handle = handle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            answer = await self.handle(Incoming(scope, receive))
        except Exception:
            # as ServerErrorMiddleware (not in debug mode) answers before re-raising
            await PlainTextResponse("Internal Server Error", status_code=500)(scope, receive, send)
            raise
        if type(answer) is Reply:  # the usual answer, sent here rather than by one more call
            await send(
                {"type": "http.response.start", "status": answer.status, "headers": answer.headers}
            )
            await send({"type": "http.response.body", "body": answer.body})
        else:
            await answer(scope, receive, send)


def _starlette_pick(routes: Sequence[BaseRoute], scope: Scope) -> BaseRoute | None:
    """The route Starlette's router hands a request to, when one matches fully."""
    for route in routes:
        match, child = route.matches(scope)
        if match is Match.FULL:
            if isinstance(route, Mount):
                return _starlette_pick(route.routes, {**scope, **child})
            return route
    return None


def _endpoint_routes(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, Route]]:
    for route in routes:
        if isinstance(route, Mount) and "{" not in route.path:
            yield from _endpoint_routes(route.routes, prefix + route.path)
        elif (
            isinstance(route, Route)
            and isinstance(route.app, Endpoint)
            and not route.param_convertors
            and route.methods
        ):
            yield prefix + route.path, route


def exact_endpoints(routes: Sequence[BaseRoute]) -> dict[str, dict[str, Endpoint]]:
    """``{path: {method: endpoint}}`` for every :class:`Endpoint` route without path
    parameters that Starlette's matching itself routes that method and path to."""
    table: dict[str, dict[str, Endpoint]] = {}
    for path, route in _endpoint_routes(routes):
        assert isinstance(route.app, Endpoint) and route.methods
        for method in route.methods:
            scope: dict[str, Any] = {"type": "http", "method": method, "path": path}
            if _starlette_pick(routes, scope) is route:
                table.setdefault(path, {})[method] = route.app
    return table


class MockApp(Starlette):
    """The mock server: a Starlette app whose fixed agency paths skip the router."""

    def __init__(self, routes: Sequence[BaseRoute], **kwargs: Any) -> None:
        super().__init__(routes=routes, **kwargs)
        self.exact = exact_endpoints(self.router.routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            by_method = self.exact.get(scope["path"])
            if by_method is not None:
                endpoint = by_method.get(scope["method"])
                if endpoint is not None:
                    scope["app"] = self
                    await endpoint(scope, receive, send)
                    return
        await super().__call__(scope, receive, send)
