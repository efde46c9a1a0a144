"""Tokens and roles at the gateway: unauthenticated and forbidden requests cost no agency call
beyond the family lookup the check itself needs."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Stack

QUERY = '{ household(fin: "%s") { id properties { id } monthlyIncomes { amount } } }'


async def test_a_request_without_a_token_is_unauthenticated_and_calls_no_agency(
    stack: Stack,
) -> None:
    body = await stack.query(QUERY % "5ZX3K8P", None)
    assert body["data"] == {"household": None}
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert all(ops == {} for ops in (await stack.calls()).values())


async def test_an_expired_token_is_unauthenticated(stack: Stack) -> None:
    token = stack.token("auditor", ttl=-120)
    body = await stack.query(QUERY % "5ZX3K8P", token)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_token_for_another_audience_is_unauthenticated(stack: Stack) -> None:
    from mocks.identity import issue_token

    token = issue_token(issuer=stack.settings.oidc_issuer, role="auditor", audience="someone-else")
    body = await stack.query(QUERY % "5ZX3K8P", token)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_citizen_reads_their_own_family(stack: Stack) -> None:
    body = await stack.query(QUERY % "7QWE2RT", stack.token("citizen", fin="5ZX3K8P"))
    assert "errors" not in body
    assert body["data"]["household"]["id"] == "HH-YAS-000001"


async def test_a_citizen_asking_for_another_family_is_forbidden_after_only_the_family_lookup(
    stack: Stack,
) -> None:
    body = await stack.query(QUERY % "3KLM9NP", stack.token("citizen", fin="5ZX3K8P"))
    assert body["data"] == {"household": None}
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    calls = await stack.calls()
    assert calls["population"] == {"families:batch": 1}
    assert calls["tax"] == {} and calls["property"] == {}


async def test_a_caseworker_outside_their_districts_is_forbidden(stack: Stack) -> None:
    body = await stack.query(QUERY % "3KLM9NP", stack.token("caseworker", districts=("Yasamal",)))
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await stack.calls())["tax"] == {}


async def test_an_operator_cannot_browse_households(stack: Stack) -> None:
    body = await stack.query(QUERY % "5ZX3K8P", stack.token("operator"))
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
