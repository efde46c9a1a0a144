"""Test controls of the mock server: calls, faults and world replacement, loopback and
development mode only (agencies.md, "Test controls of the mock server")."""

from __future__ import annotations

import asyncio
import json
import random

import httpx
import orjson
import pytest
from lxml import etree

from mocks.agencies.base import AGENCY_KEYS
from mocks.app import create_mock_app
from mocks.faults import FaultBoard, FaultMode, FaultSetting, Outcome

from .agency_world import AYNUR, BASE, fins_xml, soap_fault

NEW_WORLD_YAML = """
households:
  - id: HH-NAR-000009
    district: Nərimanov
    address: "Təbriz küç. 3, Bakı"
    members:
      - fin: 8CD9E2F
        id_card: AA9998887
        first_name: Səbinə
        last_name: Qasımova
        birth_date: 1992-12-01
        sex: F
        citizenship: AZ
        relation: head
"""
NEW_FIN = "8CD9E2F"


async def persons(client: httpx.AsyncClient, headers, *fins: str) -> httpx.Response:
    return await client.post(
        "/population/persons:batch", json={"fins": list(fins)}, headers=headers()
    )


async def set_fault(client: httpx.AsyncClient, agency: str, **setting: object) -> None:
    response = await client.put(f"/_admin/faults/{agency}", json=setting)
    assert response.status_code == 200, response.text


# --- calls --------------------------------------------------------------------------------------


async def test_reports_calls_per_agency_and_operation_with_their_xroad_ids(
    client, headers, soap
) -> None:
    sent = headers()
    await client.post("/population/persons:batch", json={"fins": [AYNUR]}, headers=sent)
    await persons(client, headers, AYNUR)
    await soap(
        "property",
        "GetRealEstateByOwners",
        fins_xml(AYNUR, wrapper="ownerFins"),
        message_id="6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
    )

    calls = (await client.get("/_admin/calls")).json()

    assert set(calls) == set(AGENCY_KEYS)
    assert calls["population"]["persons:batch"]["count"] == 2
    assert calls["population"]["persons:batch"]["last"][0] == {
        "id": sent["X-Road-Id"],
        "userId": "caseworker-17",
        "issue": "APP-2026-000042",
        "client": "AZ/GOV/MLSPP/vemtas",
    }
    assert calls["property"] == {
        "GetRealEstateByOwners": {
            "count": 1,
            "last": [
                {
                    "id": "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
                    "userId": "caseworker-17",
                    "issue": "APP-2026-000042",
                    "client": "AZ/GOV/MLSPP/vemtas",
                }
            ],
        }
    }
    assert calls["tax"] == {} and calls["utilities"] == {}


async def test_forgets_every_call_when_told(client, headers) -> None:
    await persons(client, headers, AYNUR)

    assert (await client.delete("/_admin/calls")).status_code == 204
    calls = (await client.get("/_admin/calls")).json()
    assert calls == {key: {} for key in AGENCY_KEYS}


async def test_counts_a_call_even_when_the_agency_is_down(client, headers) -> None:
    await set_fault(client, "population", mode="down")

    await persons(client, headers, AYNUR)

    assert (await client.get("/_admin/calls")).json()["population"]["persons:batch"]["count"] == 1


async def test_counts_an_unreadable_soap_call_as_unknown(client, soap) -> None:
    await soap("property", "GetRealEstateByOwners", "", content=b"not xml")

    assert (await client.get("/_admin/calls")).json()["property"]["unknown"]["count"] == 1


# --- faults -------------------------------------------------------------------------------------


async def test_a_down_rest_agency_answers_503_and_the_others_keep_answering(
    client, headers
) -> None:
    await set_fault(client, "population", mode="down")

    down = await persons(client, headers, AYNUR)
    healthy = await client.post("/tax/taxpayers:batch", json={"fins": [AYNUR]}, headers=headers())

    assert down.status_code == 503
    assert healthy.status_code == 200


async def test_a_down_soap_agency_answers_http_503(client, soap) -> None:
    await set_fault(client, "property", mode="down")

    response = await soap("property", "GetRealEstateByOwners", fins_xml(AYNUR, wrapper="ownerFins"))

    assert response.status_code == 503


async def test_a_hanging_agency_never_answers_until_restored(client, headers) -> None:
    await set_fault(client, "population", mode="hang")

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(persons(client, headers, AYNUR), timeout=0.2)
    await client.delete("/_admin/faults")

    assert (await persons(client, headers, AYNUR)).status_code == 200


async def test_a_hanging_soap_agency_never_answers(client, soap) -> None:
    await set_fault(client, "justice", mode="hang")

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(soap("justice", "GetSentences", fins_xml(AYNUR)), timeout=0.2)


async def test_a_slow_agency_holds_its_answer_for_the_latency_set(client, headers) -> None:
    await set_fault(client, "population", mode="slow", latency_ms=30_000)

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(persons(client, headers, AYNUR), timeout=0.1)


async def test_latency_applies_in_ok_mode_too(client, headers) -> None:
    await set_fault(client, "population", mode="ok", latency_ms=30_000)

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(persons(client, headers, AYNUR), timeout=0.1)


async def test_a_slow_agency_still_answers_correctly(client, headers) -> None:
    await set_fault(client, "population", mode="slow", latency_ms=1)

    response = await persons(client, headers, AYNUR)

    assert response.json()["persons"][0]["fin"] == AYNUR


async def test_an_erring_rest_agency_answers_500_at_every_call_when_no_rate_is_given(
    client, headers
) -> None:
    await set_fault(client, "population", mode="error")

    statuses = {(await persons(client, headers, AYNUR)).status_code for _ in range(5)}

    assert statuses == {500}


async def test_an_erring_soap_agency_answers_a_server_fault_that_shows_no_internals(
    client, soap
) -> None:
    await set_fault(client, "vehicles", mode="error", error_rate=1.0)

    response = await soap("vehicles", "GetVehiclesByPersons", fins_xml(AYNUR))

    assert response.status_code == 500
    assert soap_fault(response.content) == ("soapenv:Server", "Service failed; try again later")


async def test_an_error_rate_fails_some_calls_and_not_others() -> None:
    board = FaultBoard(["tax"], rng=random.Random(7))
    board.set("tax", FaultSetting(FaultMode.ERROR, error_rate=0.3))

    async def never() -> None:
        raise AssertionError("only hang waits for a disconnect")

    outcomes = [await board.before_answer("tax", never) for _ in range(200)]

    errors = outcomes.count(Outcome.ERROR)
    assert 20 < errors < 120
    assert outcomes.count(Outcome.ANSWER) == 200 - errors


async def test_a_malformed_rest_answer_is_not_json(client, headers) -> None:
    await set_fault(client, "population", mode="malformed")

    response = await persons(client, headers, AYNUR)

    assert response.status_code == 200
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(response.content)


async def test_a_malformed_soap_answer_is_not_well_formed_xml(client, soap) -> None:
    await set_fault(client, "migration", mode="malformed")

    response = await soap("migration", "GetBorderCrossings", fins_xml(AYNUR))

    assert response.status_code == 200
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(response.content)


async def test_a_throttling_agency_answers_429_with_retry_after(client, headers) -> None:
    await set_fault(client, "population", mode="throttle")

    response = await persons(client, headers, AYNUR)

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"


async def test_restores_every_agency_when_told(client, headers) -> None:
    await set_fault(client, "population", mode="down")
    await set_fault(client, "tax", mode="error")

    assert (await client.get("/_admin/faults")).json() == {
        "population": {"mode": "down", "latency_ms": 0, "error_rate": 0.0},
        "tax": {"mode": "error", "latency_ms": 0, "error_rate": 0.0},
    }
    assert (await client.delete("/_admin/faults")).status_code == 204

    assert (await persons(client, headers, AYNUR)).status_code == 200
    assert (await client.get("/_admin/faults")).json() == {}


@pytest.mark.parametrize(
    ("setting", "detail"),
    [
        ({"mode": "flaky"}, "mode must be one of"),
        ({"mode": "slow", "latency_ms": -1}, "latency_ms must be from 0"),
        ({"mode": "slow", "latency_ms": "100"}, "latency_ms must be an integer"),
        ({"mode": "error", "error_rate": 1.5}, "error_rate must be from 0.0 to 1.0"),
        ({"mode": "down", "retry": True}, "unknown fields: retry"),
    ],
)
async def test_refuses_an_invalid_fault_setting(
    client, setting: dict[str, object], detail: str
) -> None:
    response = await client.put("/_admin/faults/population", json=setting)

    assert response.status_code == 400
    assert detail in response.json()["detail"]


async def test_refuses_a_fault_for_an_agency_it_does_not_serve(client) -> None:
    response = await client.put("/_admin/faults/weather", json={"mode": "down"})

    assert response.status_code == 404


# --- world --------------------------------------------------------------------------------------


async def test_replaces_the_world_with_a_yaml_world_file(client, headers) -> None:
    response = await client.put(
        "/_admin/world",
        content=NEW_WORLD_YAML.encode(),
        headers={"Content-Type": "application/yaml"},
    )

    assert response.json() == {"households": 1}
    body = (await persons(client, headers, AYNUR, NEW_FIN)).json()
    assert [p["fin"] for p in body["persons"]] == [NEW_FIN]
    assert body["not_found"] == [AYNUR]


async def test_merges_a_json_world_file_into_the_world(client, headers) -> None:
    import yaml

    as_json = json.dumps(yaml.safe_load(NEW_WORLD_YAML), default=str)
    response = await client.post(
        "/_admin/world", content=as_json.encode(), headers={"Content-Type": "application/json"}
    )

    assert response.json() == {"households": 3}
    body = (await persons(client, headers, AYNUR, NEW_FIN)).json()
    assert [p["fin"] for p in body["persons"]] == [AYNUR, NEW_FIN]


async def test_refuses_an_invalid_world_file_and_keeps_the_world(client, headers) -> None:
    broken = NEW_WORLD_YAML.replace("8CD9E2F", "not-a-fin")
    response = await client.put(
        "/_admin/world", content=broken.encode(), headers={"Content-Type": "application/yaml"}
    )

    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert (await client.get("/_admin/world")).json() == {"households": 2}


# --- who may use the controls -------------------------------------------------------------------

ADMIN_CALLS = [
    ("GET", "/_admin/calls"),
    ("DELETE", "/_admin/calls"),
    ("PUT", "/_admin/world"),
    ("POST", "/_admin/world"),
    ("PUT", "/_admin/faults/population"),
    ("DELETE", "/_admin/faults"),
]


@pytest.mark.parametrize(("method", "path"), ADMIN_CALLS)
async def test_refuses_the_controls_to_a_client_that_is_not_on_loopback(
    app, method: str, path: str
) -> None:
    transport = httpx.ASGITransport(app=app, client=("192.0.2.10", 5555))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as outsider:
        response = await outsider.request(method, path, json={"mode": "down"})

    assert response.status_code == 403
    assert app.state.mock.faults.get("population").mode is FaultMode.OK


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
async def test_accepts_every_loopback_address(app, host: str) -> None:
    transport = httpx.ASGITransport(app=app, client=(host, 5555))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as local:
        response = await local.get("/_admin/calls")

    assert response.status_code == 200


@pytest.mark.parametrize(("method", "path"), ADMIN_CALLS)
async def test_has_no_controls_outside_development_mode(world, method: str, path: str) -> None:
    app = create_mock_app(world, dev=False, base_url=BASE)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5555))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as local:
        response = await local.request(method, path, json={"mode": "down"})

    assert response.status_code == 404
    assert app.state.mock.faults.get("population").mode is FaultMode.OK
