"""The mock server's request path (``mocks/http.py``): the agencies' fixed paths go straight to
their endpoints, and answer exactly as Starlette's router would have them answer."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from mocks.agencies import population

from .agency_world import AYNUR, BASE, fins_xml, soap_envelope, xroad_headers

#: (method, path, headers, body) of calls to fixed agency paths, good and bad
CALLS = [
    ("POST", "/population/persons:batch", {}, b'{"fins": ["5ZX3K8P", "UNKNOWN"]}'),
    ("POST", "/population/persons:batch", {}, b'{"fins": ["5ZX3K8P"], "extra": 1}'),
    ("POST", "/population/persons:batch", {"X-Road-Id": "not-a-uuid"}, b'{"fins": []}'),
    ("GET", "/population/persons:batch", {}, b""),
    (
        "POST",
        "/tax/incomes:batch",
        {},
        b'{"fins": ["5ZX3K8P"], "from": "2025-01", "until": "2026-10"}',
    ),
    (
        "POST",
        "/utilities/electricity/charges:batch",
        {},
        b'{"addresses": ["x"], "from": "2025-01", "until": "2025-02"}',
    ),
    (
        "POST",
        "/messaging/sms",
        {"Idempotency-Key": "k-1"},
        b'{"to": "+994501234567", "text": "Salam"}',
    ),
    (
        "POST",
        "/messaging/sms",
        {"Idempotency-Key": "k-1"},
        b'{"to": "+994501234567", "text": "Salam"}',
    ),
]


def _soap_calls() -> list[tuple[str, str, dict[str, str], bytes]]:
    action = {"SOAPAction": '"urn:az:gov:vemtas:justice:v1/GetSentences"'}
    xml = {"Content-Type": "text/xml; charset=utf-8"}
    envelope = soap_envelope("justice", f"<a:GetSentences>{fins_xml(AYNUR)}</a:GetSentences>")
    return [
        ("POST", "/justice", {**xml, **action}, envelope),
        ("POST", "/justice", {**xml, "SOAPAction": '"other"'}, envelope),
        ("POST", "/justice", xml, b"<not-xml"),
        ("PUT", "/justice", {}, b""),
    ]


async def _answers(
    app: Starlette, calls: list[tuple[str, str, dict[str, str], bytes]], root_path: str
) -> list[tuple[int, list[tuple[bytes, bytes]], bytes]]:
    """Each call's status, raw headers and body; the X-Road-Id of every call is fixed so that
    answers compare. A ``root_path`` takes every call through Starlette's router."""
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 123), root_path=root_path)
    answers = []
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        for method, path, extra, body in calls:
            headers = {
                **xroad_headers(**{"X-Road-Id": "1b4e28ba-2fa1-41d2-883f-0016d3cca427"}),
                "Content-Type": "application/json",
                **extra,
            }
            response = await http.request(method, root_path + path, headers=headers, content=body)
            answers.append((response.status_code, response.headers.raw, response.content))
    return answers


async def test_fixed_paths_answer_as_the_router_does(world) -> None:
    from mocks.app import create_mock_app

    calls = CALLS + _soap_calls()
    direct, routed = create_mock_app(world, base_url=BASE), create_mock_app(world, base_url=BASE)
    assert {path for _, path, _, _ in calls} <= set(direct.exact)  # the table is used

    assert await _answers(direct, calls, "") == await _answers(routed, calls, "/root")


async def test_unknown_and_parameterised_paths_still_go_through_the_router(client) -> None:
    missing = await client.post("/population/nowhere:batch", content=b"{}")
    family = await client.get("/population/families/HH-YAS-000001", headers=xroad_headers())

    assert missing.status_code == 404
    assert missing.json() == {"error": "not_found"}
    assert family.status_code == 200
    assert family.json()["household_id"] == "HH-YAS-000001"


async def test_a_handler_that_fails_unexpectedly_answers_a_plain_500(
    world, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mocks.app import create_mock_app

    def broken(call: object, world: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(population, "persons_batch", broken)
    app = create_mock_app(world, base_url=BASE)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        response = await http.post(
            "/population/persons:batch",
            headers={**xroad_headers(), "Content-Type": "application/json"},
            content=b'{"fins": []}',
        )

    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
