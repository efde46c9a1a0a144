"""Queries only over GET: a mutation sent over GET is refused before anything runs, whether
written out or named by the hash of a trusted document."""

from __future__ import annotations

import json

from schema.trusted_documents import FOLDER, document_hash
from tests.hardening.conftest import AYNUR, Stack

SUBMIT = (FOLDER / "SubmitApplication.graphql").read_text(encoding="utf-8")
INPUT = {
    "idempotencyKey": "get-is-not-for-mutations",
    "representativeFin": AYNUR,
    "representativeIdCard": "AA1234567",
    "members": [AYNUR],
    "phone": "+994501234567",
}


async def applications(stack: Stack) -> list[object]:
    body = await stack.query("{ applications(first: 10) { nodes { id } } }", stack.token("auditor"))
    nodes: list[object] = body["data"]["applications"]["nodes"]
    return nodes


async def test_a_mutation_over_get_is_refused_and_changes_nothing(stack: Stack) -> None:
    token = stack.token("citizen", fin=AYNUR)
    response = await stack.client.get(
        "/graphql",
        params={"query": SUBMIT, "variables": json.dumps({"input": INPUT})},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert response.text == "mutations are not allowed when using GET"
    assert await stack.agency_calls() == 0
    assert await applications(stack) == []


async def test_a_trusted_mutation_named_by_hash_over_get_is_refused_too(stack: Stack) -> None:
    response = await stack.client.get(
        "/graphql",
        params={
            "documentId": f"sha256:{document_hash(SUBMIT)}",
            "variables": json.dumps({"input": INPUT}),
        },
        headers={"Authorization": f"Bearer {stack.token('citizen', fin=AYNUR)}"},
    )
    assert response.status_code == 400
    assert await stack.agency_calls() == 0
    assert await applications(stack) == []


async def test_the_same_mutation_over_post_is_accepted(stack: Stack) -> None:
    _, body = await stack.post(
        {"documentId": f"sha256:{document_hash(SUBMIT)}", "variables": {"input": INPUT}},
        stack.token("citizen", fin=AYNUR),
    )
    payload = body["data"]["submitApplication"]
    assert payload["userErrors"] == [] and payload["application"]["number"], body
    assert len(await applications(stack)) == 1
