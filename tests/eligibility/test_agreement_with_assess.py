"""The API and `vemtas assess` agree: over a generated world of 500 families, every family's
`eligibility(on:)` decided from the mock agencies' answers equals the decision the engine makes
from the world file itself (`gateway.world_facts`, what `vemtas assess --json` prints), field for
field, except the evidence and `decidedAt`, which say when and from what answers each was made."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from assessment import InsufficientData, assess, decision_to_json, missing_to_json
from gateway.world_facts import household_facts
from mocks.generate import generate_world
from mocks.world import World

from .conftest import open_stack, settings_for
from .shapes import ASSESSMENT_FRAGMENT

ON = date(2026, 11, 16)
HOUSEHOLDS = 500
SEED = 4242
CHUNK = 50

QUERY = (
    """query($r: [_Any!]!, $on: Date!) { _entities(representations: $r) {
      ... on Household { id eligibility(on: $on) { ...Full } } } }"""
    + ASSESSMENT_FRAGMENT
)

DIFFERS = ("evidence", "decidedAt")


def expected_from_world(world: World) -> dict[str, dict[str, Any]]:
    """What `vemtas assess --json` gives for each household, as an `Assessment`."""
    stamp = datetime.combine(ON, datetime.min.time(), tzinfo=UTC)
    found: dict[str, dict[str, Any]] = {}
    for household in world.households:
        result = assess(household_facts(household, ON, stamp), ON, stamp)
        if isinstance(result, InsufficientData):
            found[household.id] = {"complete": False, "decision": None, **missing_to_json(result)}
        else:
            found[household.id] = {
                "complete": True,
                "decision": decision_to_json(result),
                "missingData": [],
            }
    return found


def comparable(assessment: dict[str, Any]) -> dict[str, Any]:
    decision = assessment["decision"]
    if decision is None:
        return assessment
    return {**assessment, "decision": {k: v for k, v in decision.items() if k not in DIFFERS}}


async def test_the_api_decides_every_generated_family_exactly_as_vemtas_assess() -> None:
    world = generate_world(HOUSEHOLDS, SEED)
    expected = expected_from_world(world)
    outcomes = {e["decision"]["outcome"] for e in expected.values() if e["decision"]}
    assert outcomes == {"GRANTED", "REFUSED"}, "the world mixes grants and refusals"

    answered: dict[str, dict[str, Any]] = {}
    ids = [h.id for h in world.households]
    async with open_stack(world, settings_for(ON)) as stack:
        token = stack.token("auditor")
        for start in range(0, len(ids), CHUNK):
            representations = [
                {"__typename": "Household", "id": i} for i in ids[start : start + CHUNK]
            ]
            body = await stack.query(QUERY, token, {"r": representations, "on": ON.isoformat()})
            assert "errors" not in body, body["errors"][:3]
            for entity in body["data"]["_entities"]:
                answered[entity["id"]] = entity["eligibility"]

    assert answered.keys() == expected.keys()
    disagreements = [
        household_id
        for household_id in ids
        if comparable(answered[household_id]) != comparable(expected[household_id])
    ]
    assert disagreements == [], (
        disagreements[:5],
        comparable(answered[disagreements[0]]) if disagreements else None,
        comparable(expected[disagreements[0]]) if disagreements else None,
    )
    # and both are stamped as asked: by the request's (pinned) time
    decided = {a["decision"]["decidedAt"] for a in answered.values() if a["decision"]}
    assert decided == {"2026-11-16T00:00:00+00:00"}
