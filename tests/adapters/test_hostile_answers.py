"""Hostile and broken answers: refused as AGENCY_BAD_RESPONSE, with zero outbound connections
(every request is recorded, and a loopback canary server that hostile XML points at must never
be contacted) and nothing of the payload in the error."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.base import CallContext
from adapters.errors import AgencyBadResponse, AgencyError, AgencyUnavailable
from adapters.registry import AGENCIES, Adapters, open_adapters

CTX = CallContext(user_id="caseworker-17", issue="APP-2026-000123")
AYNUR = "5ZX3K8P"
PAYLOADS = Path(__file__).parent / "payloads"
GOOD = (PAYLOADS / "property_GetRealEstateByOwners.xml").read_text(encoding="utf-8")
SECRET = "TOPSECRET-internal-9f3a"


class Canary:
    """A loopback TCP server that counts connections (none may ever arrive)."""

    def __init__(self) -> None:
        self.connections = 0
        self.port = 0

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.close()


@pytest.fixture
async def canary() -> AsyncIterator[Canary]:
    watcher = Canary()
    server = await asyncio.start_server(watcher._accept, "127.0.0.1", 0)
    watcher.port = server.sockets[0].getsockname()[1]
    async with server:
        yield watcher


class Recording(httpx.AsyncBaseTransport):
    """Answers every request with ``answer(request)`` and records it."""

    def __init__(self, answer: Callable[[httpx.Request], httpx.Response]) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)


def envelope(body: str, prolog: str = "") -> str:
    return (
        f'{prolog}<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        f"<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    )


TNS = 'xmlns:tns="urn:az:gov:vemtas:property:v1"'


def hostile_xml(port: int) -> dict[str, str]:
    laughs = f'<!ENTITY lol0 "{SECRET}">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    return {
        "billion laughs": (
            f'<?xml version="1.0"?><!DOCTYPE lolz [{laughs}]>'
            + GOOD.split("?>", 1)[1].replace("RE-0001", "&lol9;")
        ),
        "external entity to a file": (
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            + GOOD.split("?>", 1)[1].replace("RE-0001", "&xxe;")
        ),
        "external entity over http": (
            f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "http://127.0.0.1:{port}/x">]>'
            + GOOD.split("?>", 1)[1].replace("RE-0001", "&xxe;")
        ),
        "external DTD": (
            f'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1:{port}/evil.dtd">'
            + GOOD.split("?>", 1)[1]
        ),
        "parameter entity": (
            '<?xml version="1.0"?><!DOCTYPE x ['
            f'<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/p"> %p;]>' + GOOD.split("?>", 1)[1]
        ),
        "xinclude": GOOD.replace(
            "<tns:objectId>RE-0001</tns:objectId>",
            '<tns:objectId><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
            f'href="http://127.0.0.1:{port}/inc" parse="text"/></tns:objectId>',
        ),
        "malformed": GOOD[: len(GOOD) // 2],
        "not a SOAP envelope": f"<html><body>{SECRET}</body></html>",
        "schema-invalid value": GOOD.replace("30000.00", f"{SECRET}"),
        "schema-invalid extra element": GOOD.replace(
            "</tns:realEstate>", f"<tns:note>{SECRET}</tns:note></tns:realEstate>"
        ),
        "schema-invalid missing element": GOOD.replace(
            "<tns:purpose>residential</tns:purpose>", ""
        ),
        "negative money": GOOD.replace("30000.00", "-1.00"),
        "SOAP Fault with internals": envelope(
            "<soapenv:Fault><faultcode>soapenv:Server</faultcode>"
            f"<faultstring>java.lang.NullPointerException at {SECRET}</faultstring>"
            f"<detail><trace>{SECRET} at db.internal:5432</trace></detail></soapenv:Fault>"
        ),
        "deep tree": envelope(
            f"<tns:GetRealEstateByOwnersResponse {TNS}>"
            + "<a>" * 100_000
            + "</a>" * 100_000
            + "</tns:GetRealEstateByOwnersResponse>"
        ),
        "two body elements": envelope(
            f"<tns:GetRealEstateByOwnersResponse {TNS}/><tns:GetRealEstateByOwnersResponse {TNS}/>"
        ),
    }


HOSTILE_NAMES = list(hostile_xml(0))


async def property_answering(
    status: int, body: bytes, mocks_config: Any
) -> tuple[Recording, Callable[[], Any]]:
    transport = Recording(
        lambda request: httpx.Response(
            status, content=body, headers={"Content-Type": "text/xml; charset=utf-8"}
        )
    )

    async def call() -> Any:
        async with open_adapters(mocks_config, transport=transport) as adapters:
            return await adapters.property.real_estate([AYNUR], CTX)

    return transport, call


@pytest.mark.parametrize("case", HOSTILE_NAMES)
async def test_hostile_xml_is_a_bad_response_with_no_outbound_connection(
    case: str, canary: Canary, clock: Any, make_config: Any
) -> None:
    body = hostile_xml(canary.port)[case].encode()
    transport, call = await property_answering(200, body, make_config(clock))
    with pytest.raises(AgencyBadResponse) as raised:
        await call()
    assert raised.value.agency == "property"
    assert raised.value.code == "AGENCY_BAD_RESPONSE"
    assert len(transport.requests) == 1  # the call itself, no retry, nothing fetched
    assert canary.connections == 0
    message = str(raised.value)
    assert SECRET not in message and "passwd" not in message and "root" not in message


@pytest.mark.parametrize("case", HOSTILE_NAMES)
async def test_hostile_xml_with_http_500_is_never_parsed_for_entities(
    case: str, canary: Canary, clock: Any, make_config: Any
) -> None:
    body = hostile_xml(canary.port)[case].encode()
    _transport, call = await property_answering(500, body, make_config(clock))
    with pytest.raises(AgencyError) as raised:
        await call()
    # a SOAP Fault is a bad response; any other 500 is the agency failing (retried)
    expected = AgencyBadResponse if "Fault" in case else AgencyUnavailable
    assert type(raised.value) is expected
    assert canary.connections == 0
    assert SECRET not in str(raised.value)


async def test_a_good_captured_answer_passes_the_same_gate(clock: Any, make_config: Any) -> None:
    _transport, call = await property_answering(200, GOOD.encode(), make_config(clock))
    estates = await call()
    assert estates[AYNUR][0].object_id == "RE-0001"


async def test_a_schema_location_hint_is_never_fetched(
    canary: Canary, clock: Any, make_config: Any
) -> None:
    body = GOOD.replace(
        "<tns:GetRealEstateByOwnersResponse ",
        '<tns:GetRealEstateByOwnersResponse xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="urn:az:gov:vemtas:property:v1 http://127.0.0.1:{canary.port}/s.xsd" ',
    )
    transport, call = await property_answering(200, body.encode(), make_config(clock))
    assert (await call())[AYNUR][0].object_id == "RE-0001"
    assert len(transport.requests) == 1
    assert canary.connections == 0


async def test_an_oversized_answer_is_refused_unread(clock: Any, make_config: Any) -> None:
    config = make_config(clock, max_response_bytes=1024)
    _transport, call = await property_answering(200, GOOD.encode() + b" " * 2048, config)
    with pytest.raises(AgencyBadResponse, match="too large"):
        await call()


def rest_answering(status: int, content: bytes, headers: dict[str, str] | None = None) -> Recording:
    return Recording(
        lambda request: httpx.Response(
            status, content=content, headers=headers or {"Content-Type": "application/json"}
        )
    )


@pytest.mark.parametrize(
    ("status", "content"),
    [
        (200, b"<html>" + SECRET.encode() + b"</html>"),
        (200, b'{"persons": [{"fin": "5ZX3K8P"'),
        (200, b'{"persons": "' + SECRET.encode() + b'"}'),
        (200, b"\xff\xfe{"),
        (200, b'{"persons": [], "persons": [1]}'),
        (200, b"NaN"),
        (400, b'{"error": "bad_request", "detail": "' + SECRET.encode() + b'"}'),
        (404, b'{"error": "not_found"}'),
    ],
)
async def test_garbage_json_is_a_bad_response_and_not_retried(
    status: int, content: bytes, clock: Any, make_config: Any
) -> None:
    transport = rest_answering(status, content)
    async with open_adapters(make_config(clock), transport=transport) as adapters:
        with pytest.raises(AgencyBadResponse) as raised:
            await adapters.population.persons([AYNUR], CTX)
    assert SECRET not in str(raised.value)
    assert len(transport.requests) == 1


async def test_a_rest_answer_over_the_size_limit_is_refused(clock: Any, make_config: Any) -> None:
    transport = rest_answering(200, b'{"persons": []}' + b" " * 5000)
    config = make_config(clock, max_response_bytes=4096)
    async with open_adapters(config, transport=transport) as adapters:
        with pytest.raises(AgencyBadResponse, match="too large"):
            await adapters.population.persons([AYNUR], CTX)


def test_the_agency_list_is_the_catalog() -> None:
    assert len(AGENCIES) == 14 and len(set(AGENCIES)) == 14


async def test_adapters_never_follow_redirects(clock: Any, make_config: Any) -> None:
    transport = rest_answering(302, b"", {"Location": "http://127.0.0.1:1/elsewhere"})
    async with open_adapters(make_config(clock), transport=transport) as adapters:
        with pytest.raises(AgencyBadResponse):
            await adapters.population.persons([AYNUR], CTX)
    assert len(transport.requests) == 1


def _unused(adapters: Adapters) -> None:  # keeps the import meaningful for type checkers
    del adapters
