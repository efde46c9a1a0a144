"""Deadline, retries, concurrency limit and batching, seen through ``httpx.MockTransport``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from adapters.base import CallContext
from adapters.errors import AgencyTimeout, AgencyUnavailable
from adapters.registry import SOAP_AGENCIES, open_adapters

CTX = CallContext(user_id="caseworker-17", issue="APP-2026-000123")
AYNUR = "5ZX3K8P"
HERE = Path(__file__).parent
ROOT = HERE.parent.parent


def person(fin: str) -> dict[str, Any]:
    return {
        "fin": fin,
        "id_card": "AA1234567",
        "first_name": "Aynur",
        "last_name": "Məmmədova",
        "patronymic": None,
        "birth_date": "1988-04-02",
        "sex": "F",
        "citizenship": "AZ",
        "address": "Bakı",
        "wanted": False,
        "died_on": None,
    }


def answer_persons(request: httpx.Request) -> httpx.Response:
    fins = orjson.loads(request.content)["fins"]
    return httpx.Response(200, json={"persons": [person(f) for f in fins], "not_found": []})


async def test_a_refused_connection_is_unavailable_after_three_attempts(
    clock: Any, make_config: Any
) -> None:
    attempts: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        raise httpx.ConnectError("connection refused", request=request)

    async with open_adapters(make_config(clock), transport=httpx.MockTransport(refuse)) as a:
        with pytest.raises(AgencyUnavailable) as raised:
            await a.population.persons([AYNUR], CTX)
    assert raised.value.agency == "population"
    assert len(attempts) == 3
    assert len({r.headers["X-Road-Id"] for r in attempts}) == 3  # a new id per attempt


async def test_a_transient_503_is_retried_and_the_answer_used(clock: Any, make_config: Any) -> None:
    statuses = iter([503, 502])

    def flaky(request: httpx.Request) -> httpx.Response:
        status = next(statuses, 200)
        return answer_persons(request) if status == 200 else httpx.Response(status)

    async with open_adapters(make_config(clock), transport=httpx.MockTransport(flaky)) as a:
        persons = await a.population.persons([AYNUR], CTX)
    assert persons[AYNUR].first_name == "Aynur"


async def test_a_read_timeout_is_retried_then_reported_as_a_timeout(
    clock: Any, make_config: Any
) -> None:
    attempts = 0

    def slow(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        raise httpx.ReadTimeout("read timed out", request=request)

    async with open_adapters(make_config(clock), transport=httpx.MockTransport(slow)) as a:
        with pytest.raises(AgencyTimeout):
            await a.tax.taxpayers([AYNUR], CTX)
    assert attempts == 3


async def test_the_rest_headers_carry_the_x_road_identifiers(clock: Any, make_config: Any) -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer_persons(request)

    async with open_adapters(make_config(clock), transport=httpx.MockTransport(record)) as a:
        await a.population.persons([AYNUR], CTX)
    headers = seen[0].headers
    assert headers["X-Road-Client"] == "AZ/GOV/MLSPP/vemtas"
    assert headers["X-Road-UserId"] == "caseworker-17"
    assert headers["X-Road-Issue"] == "APP-2026-000123"
    assert len(headers["X-Road-Id"]) == 36
    assert str(seen[0].url) == "http://mocks/population/persons:batch"


async def test_no_more_than_the_concurrency_limit_is_in_flight(
    clock: Any, make_config: Any
) -> None:
    in_flight = 0
    most = 0
    release = asyncio.Event()

    class Holding(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            nonlocal in_flight, most
            in_flight += 1
            most = max(most, in_flight)
            await release.wait()
            in_flight -= 1
            await request.aread()
            return answer_persons(request)

    config = make_config(clock, max_concurrency=2)
    async with open_adapters(config, transport=Holding()) as a:
        calls = [asyncio.create_task(a.population.persons([f"A{n:06d}"], CTX)) for n in range(6)]
        for _ in range(20):
            await asyncio.sleep(0)
        assert most == 2
        release.set()
        answers = await asyncio.gather(*calls)
    assert all(len(answer) == 1 for answer in answers)
    assert most == 2


async def test_more_than_500_keys_are_split_into_calls_of_at_most_500(
    clock: Any, make_config: Any
) -> None:
    sizes: list[int] = []

    def record(request: httpx.Request) -> httpx.Response:
        sizes.append(len(orjson.loads(request.content)["fins"]))
        return answer_persons(request)

    fins = [f"A{n:06d}" for n in range(1203)]
    async with open_adapters(make_config(clock), transport=httpx.MockTransport(record)) as a:
        persons = await a.population.persons(fins + fins[:10], CTX)
    assert sorted(sizes) == [203, 500, 500]
    assert list(persons) == fins


async def test_an_empty_batch_asks_nobody(clock: Any, make_config: Any) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no call expected")

    async with open_adapters(make_config(clock), transport=httpx.MockTransport(fail)) as a:
        assert await a.population.persons([], CTX) == {}


def test_the_vendored_wsdl_and_xsd_equal_the_agencies_originals() -> None:
    for agency in SOAP_AGENCIES:
        for suffix in ("wsdl", "xsd"):
            vendored = ROOT / "adapters" / agency / "wsdl" / f"{agency}.{suffix}"
            original = ROOT / "mocks" / "wsdl" / f"{agency}.{suffix}"
            assert vendored.read_bytes() == original.read_bytes(), vendored


async def test_the_network_transport_talks_http_on_loopback(clock: Any, make_config: Any) -> None:
    """Without a test transport the adapters use httpx-aiohttp; a raw loopback server sees the
    request as any agency would."""
    requests: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(
            next(
                line.split(b":")[1]
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
        )
        body = await reader.readexactly(length)
        requests.append(head + body)
        payload = orjson.dumps({"persons": [person(AYNUR)], "not_found": []})
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
            + payload
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        config = make_config(clock)
        config = type(config)(
            **{
                **config.__dict__,
                "agency_urls": {
                    **config.agency_urls,
                    "population": f"http://127.0.0.1:{port}/population",
                },
            }
        )
        async with open_adapters(config) as a:
            persons = await a.population.persons([AYNUR], CTX)
    assert persons[AYNUR].last_name == "Məmmədova"
    assert requests[0].startswith(b"POST /population/persons:batch HTTP/1.1")
    assert b"x-road-userid: caseworker-17" in requests[0].lower()


def test_the_wsdl_loader_never_fetches_remote_documents() -> None:
    from adapters.soap import _LocalFilesOnly

    with pytest.raises(ValueError, match="must not refer to remote documents"):
        _LocalFilesOnly().load("http://127.0.0.1:9/evil.xsd")  # type: ignore[no-untyped-call]
