"""Reading applications (who sees what), the caseworkers' list as a cursor connection, and
``reassessApplication``: a new decision on fresh agency data, the old one kept."""

from __future__ import annotations

from typing import Any

import yaml

from tests.applications.conftest import (
    Stack,
    granted_family,
    granted_family_by_spouse,
    granted_household,
)

LIST = """
query($filter: ApplicationFilter, $first: Int, $after: String) {
  applications(filter: $filter, first: $first, after: $after) {
    edges { cursor node { number status household { district } } }
    nodes { number }
    pageInfo { endCursor hasNextPage }
  }
}"""

MINE = "{ myApplications { number status decision { outcome } } }"

HOUSEHOLD = """
query($fin: FIN!) { household(fin: $fin) { id applications { number status } } }"""

REASSESS = """
mutation($id: ID!) {
  reassessApplication(id: $id) {
    application { status decision { outcome monthlyAmount } decisionHistory { outcome }
                  cardOrder { status } }
    userErrors { field code message }
  }
}"""


async def _apply(stack: Stack, n: int) -> dict[str, Any]:
    payload = await stack.submit(
        stack.citizen(f"G{n:02d}A1XZ"), idempotencyKey=f"reads-{n}", **granted_family(n)
    )
    application: dict[str, Any] = payload["application"]
    return application


async def _code(stack: Stack, query: str, token: str, variables: dict[str, Any]) -> str:
    body = await stack.query(query, token, variables)
    code: str = body["errors"][0]["extensions"]["code"]
    return code


async def test_who_may_read_an_application(stack: Stack) -> None:
    application = await _apply(stack, 24)  # G24 lives in Yasamal
    query = "query($id: ID!) { application(id: $id) { number decision { outcome } } }"
    variables = {"id": application["id"]}
    allowed = [
        stack.citizen("G24A1XZ"),
        stack.citizen("G24A2XZ"),  # a member of the family
        stack.token("caseworker", sub="cw-y", districts=["Yasamal"]),
        stack.token("auditor", sub="auditor-1"),
    ]
    for token in allowed:
        body = await stack.query(query, token, variables)
        assert body["data"]["application"]["decision"] == {"outcome": "GRANTED"}
    denied = [
        stack.citizen("G25A1XZ"),
        stack.token("caseworker", sub="cw-n", districts=["Nəsimi"]),
        stack.token("operator", sub="operator-x"),  # did not submit it
    ]
    for token in denied:
        assert await _code(stack, query, token, variables) == "FORBIDDEN"
    assert await _code(stack, query, None, variables) == "UNAUTHENTICATED"  # type: ignore[arg-type]
    body = await stack.query(query, stack.token("auditor", sub="a"), {"id": "no-such-id"})
    assert body["data"]["application"] is None


async def test_a_fin_declared_among_the_members_reads_nothing_of_that_family(
    stack: Stack,
) -> None:
    """Who may read is the registry's family, not the declaration: a neighbour's FIN typed into
    `members` gives the neighbour nothing (the figures, the phone, the e-mail stay private),
    and a registered member left out of `members` still reads the family's application."""
    family = granted_family(5)
    family["members"] = [*family["members"], "G07A1XZ"]  # the neighbour, declared
    payload = await stack.submit(stack.citizen("G05A1XZ"), idempotencyKey="plus-one", **family)
    neighbour_app = payload["application"]
    assert neighbour_app["status"] == "REFUSED"  # DECLARATION_MISMATCH
    query = "query($id: ID!) { application(id: $id) { number notifications { recipient } } }"
    variables = {"id": neighbour_app["id"]}
    neighbour = stack.citizen("G07A1XZ")
    assert await _code(stack, query, neighbour, variables) == "FORBIDDEN"
    body = await stack.query(MINE, neighbour)
    assert body["data"]["myApplications"] == []
    body = await stack.query(query, stack.citizen("G05A2XZ"), variables)  # the spouse
    assert body["data"]["application"]["number"] == neighbour_app["number"]

    family = granted_family(9)
    family["members"] = ["G09A1XZ"]  # the spouse left out
    payload = await stack.submit(
        stack.citizen("G09A1XZ"), idempotencyKey="spouse-left-out", **family
    )
    spouse = stack.citizen("G09A2XZ")
    body = await stack.query(query, spouse, {"id": payload["application"]["id"]})
    assert body["data"]["application"]["number"] == payload["application"]["number"]
    body = await stack.query(MINE, spouse)
    assert [a["number"] for a in body["data"]["myApplications"]] == [
        payload["application"]["number"]
    ]
    body = await stack.query(HOUSEHOLD, spouse, {"fin": "G09A2XZ"})
    assert [a["number"] for a in body["data"]["household"]["applications"]] == [
        payload["application"]["number"]
    ]


async def test_a_citizen_lists_their_own_applications_newest_first(stack: Stack) -> None:
    first = await _apply(stack, 26)
    refused = await stack.submit(
        stack.citizen("G26A2XZ"),
        idempotencyKey="reads-26-again",
        **granted_family_by_spouse(26, phone="+994501234001"),
    )
    body = await stack.query(MINE, stack.citizen("G26A1XZ"))
    numbers = [a["number"] for a in body["data"]["myApplications"]]
    assert numbers == [refused["application"]["number"], first["number"]]
    assert await _code(stack, MINE, stack.token("caseworker", sub="c", districts=["X"]), {}) == (
        "FORBIDDEN"
    )
    body = await stack.query(HOUSEHOLD, stack.citizen("G26A1XZ"), {"fin": "G26A1XZ"})
    assert [a["status"] for a in body["data"]["household"]["applications"]] == [
        "REFUSED",
        "GRANTED",
    ]


async def test_caseworkers_page_through_the_applications_of_their_districts(
    stack: Stack,
) -> None:
    numbers = [(await _apply(stack, n))["number"] for n in (27, 28, 29, 30, 31, 32)]
    yasamal = [numbers[i] for i in (1, 3, 5)]  # even-numbered families live in Yasamal
    caseworker = stack.token("caseworker", sub="cw-y", districts=["Yasamal"])
    seen: list[str] = []
    after = None
    while True:
        body = await stack.query(LIST, caseworker, {"first": 2, "after": after})
        page = body["data"]["applications"]
        seen += [edge["node"]["number"] for edge in page["edges"]]
        assert [n["number"] for n in page["nodes"]] == [e["node"]["number"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]
    assert seen == yasamal

    # asking for another district narrows to nothing, never widens
    body = await stack.query(LIST, caseworker, {"filter": {"districts": ["Nəsimi"]}})
    assert body["data"]["applications"]["edges"] == []
    auditor = stack.token("auditor", sub="a")
    body = await stack.query(
        LIST, auditor, {"filter": {"statuses": ["GRANTED"], "registeredFrom": "2026-11-15"}}
    )
    assert [e["node"]["number"] for e in body["data"]["applications"]["edges"]] == numbers
    # first given as null is the default page, 20 (api.md: `first: Int = 20`)
    body = await stack.query(LIST, auditor, {"first": None})
    assert [e["node"]["number"] for e in body["data"]["applications"]["edges"]] == numbers
    body = await stack.query(LIST, auditor, {"filter": {"registeredBefore": "2026-11-15"}})
    assert body["data"]["applications"]["edges"] == []
    assert await _code(stack, LIST, auditor, {"first": 0}) == "BAD_USER_INPUT"
    assert await _code(stack, LIST, auditor, {"after": "bm90IGEgY3Vyc29y"}) == "BAD_USER_INPUT"
    for districts, index in (
        (["Yasamal\u200f"], "0"),
        (["Yasamal", "Yas\x00amal"], "1"),
        ([""], "0"),
    ):
        body = await stack.query(LIST, auditor, {"filter": {"districts": districts}})
        [error] = body["errors"]
        assert error["extensions"] == {
            "code": "BAD_USER_INPUT",
            "field": ["filter", "districts", index],
        }
    body = await stack.query(LIST, auditor, {"filter": {"districts": ["X"] * 101}})
    assert body["errors"][0]["extensions"]["field"] == ["filter", "districts"]
    # a cursor continues the list it came from: with another filter it would skip rows
    body = await stack.query(LIST, auditor, {"filter": {"districts": ["Yasamal"]}, "first": 1})
    elsewhere = {
        "filter": {"districts": ["Nəsimi"]},
        "after": body["data"]["applications"]["pageInfo"]["endCursor"],
    }
    body = await stack.query(LIST, auditor, elsewhere)
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": ["after"]}
    assert await _code(stack, LIST, stack.citizen("G27A1XZ"), {}) == "FORBIDDEN"


async def test_an_operator_lists_only_what_they_submitted_and_only_its_status(
    stack: Stack,
) -> None:
    operator = stack.token("operator", sub="operator-list")
    payload = await stack.submit(
        operator, idempotencyKey="desk-list-1", channel="HELP_DESK", **granted_family(33)
    )
    await _apply(stack, 34)
    body = await stack.query(LIST, operator, {})
    [edge] = body["data"]["applications"]["edges"]
    assert edge["node"]["number"] == payload["application"]["number"]
    assert edge["node"]["household"] is None


async def test_reassessment_decides_again_on_fresh_data_and_keeps_the_old_decision(
    stack: Stack,
) -> None:
    application = await _apply(stack, 35)  # Nəsimi
    await stack.settle()
    # the spouse's pension rises: the family is above the threshold now
    changed = {"households": [granted_household(35, pension="500.00")]}
    response = await stack.mocks.post(
        "/_admin/world",
        content=yaml.safe_dump(changed, allow_unicode=True),
        headers={"content-type": "application/yaml"},
    )
    assert response.status_code in (200, 204), response.text
    variables = {"id": application["id"]}
    assert await _code(stack, REASSESS, stack.citizen("G35A1XZ"), variables) == "FORBIDDEN"
    outside = stack.token("caseworker", sub="cw-y", districts=["Yasamal"])
    assert await _code(stack, REASSESS, outside, variables) == "FORBIDDEN"
    auditor = stack.token("auditor", sub="a")
    assert await _code(stack, REASSESS, auditor, variables) == "FORBIDDEN"

    caseworker = stack.token("caseworker", sub="cw-n", districts=["Nəsimi"])
    body = await stack.query(REASSESS, caseworker, variables)
    payload = body["data"]["reassessApplication"]
    assert payload["userErrors"] == []
    reassessed = payload["application"]
    assert reassessed["status"] == "REFUSED"
    assert [d["outcome"] for d in reassessed["decisionHistory"]] == ["GRANTED", "REFUSED"]
    assert reassessed["cardOrder"]["status"] == "ORDERED"  # the card already ordered stays
    await stack.settle()
    assert len(await stack.orders()) == 1
    seen = await stack.application(caseworker, application["id"])
    kinds = [e["kind"] for e in seen["events"]]
    assert kinds.count("DECIDED") == 2 and kinds.count("REASSESSED") == 1
    decided = [n for n in seen["notifications"] if n["kind"] == "DECIDED"]
    assert len(decided) == 4  # granted, then refused: SMS and e-mail each


async def test_a_reassessment_without_every_agency_leaves_the_decision_standing(
    stack: Stack,
) -> None:
    application = await _apply(stack, 36)  # Yasamal
    await stack.fault("justice", "down")
    caseworker = stack.token("caseworker", sub="cw-y", districts=["Yasamal"])
    body = await stack.query(REASSESS, caseworker, {"id": application["id"]})
    payload = body["data"]["reassessApplication"]
    assert [e["code"] for e in payload["userErrors"]] == ["DATA_INCOMPLETE"]
    assert "justice" in payload["userErrors"][0]["message"]
    assert payload["application"]["status"] == "GRANTED"
    assert [d["outcome"] for d in payload["application"]["decisionHistory"]] == ["GRANTED"]
