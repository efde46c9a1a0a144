"""Apollo Federation v2: `_service { sdl }` and batched `_entities` for Household and Person."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Stack


async def test_the_subgraph_publishes_its_sdl_with_keys(stack: Stack) -> None:
    body = await stack.query("{ _service { sdl } }", stack.token("service"))
    sdl = body["data"]["_service"]["sdl"]
    assert 'type Household @key(fields: "id")' in sdl
    assert 'type Person @key(fields: "fin")' in sdl


async def test_entities_for_many_persons_cost_one_call_per_agency_operation(stack: Stack) -> None:
    representations = [
        {"__typename": "Person", "fin": f} for f in ("5ZX3K8P", "7QWE2RT", "3KLM9NP", "8XYZ4WV")
    ]
    body = await stack.query(
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { fin lastName taxpayer { voen } } } }",
        stack.token("auditor"),
        {"r": representations},
    )
    assert "errors" not in body, body
    assert [e["fin"] for e in body["data"]["_entities"]] == [
        "5ZX3K8P",
        "7QWE2RT",
        "3KLM9NP",
        "8XYZ4WV",
    ]
    calls = await stack.calls()
    assert calls["population"] == {"families:batch": 1, "persons:batch": 1}
    assert sum(calls["tax"].values()) == 1


async def test_entities_for_many_households_cost_one_call_per_agency_operation(
    stack: Stack,
) -> None:
    representations = [
        {"__typename": "Household", "id": i}
        for i in ("HH-YAS-000001", "HH-NSM-000002", "HH-SBL-000003")
    ]
    body = await stack.query(
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Household { id district properties { id } } } }",
        stack.token("auditor"),
        {"r": representations},
    )
    assert "errors" not in body, body
    assert [e["district"] for e in body["data"]["_entities"]] == ["Yasamal", "Nəsimi", "Səbail"]
    calls = await stack.calls()
    assert calls["population"] == {"families:by-id": 1}
    assert sum(calls["property"].values()) == 1
