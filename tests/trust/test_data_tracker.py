"""`myDataAccessLog`: a citizen sees who read their data (by role and institution, never an
official's own identifiers), which data from which agency, when and why, newest first, page by
page; and nobody else's entries. Auditors read the whole log; nobody else does."""

from __future__ import annotations

import pytest

from .conftest import AYNUR, ELSHAN, RASHAD, Stack

TRACKER = """
query($first: Int!, $after: String) {
  myDataAccessLog(first: $first, after: $after) {
    edges { cursor node {
      reference at actorRole institution bySelf agency agencyName dataItem description
      purpose purposeText applicationId allowed
    } }
    pageInfo { endCursor hasNextPage }
  }
}
"""


async def tracker(stack: Stack, token: str, first: int = 100, after: str | None = None) -> dict:
    body = await stack.query(TRACKER, token, {"first": first, "after": after})
    assert "errors" not in body, body
    return body["data"]["myDataAccessLog"]


async def test_a_citizen_sees_the_reads_a_caseworker_made_a_moment_before(stack: Stack) -> None:
    await stack.query(
        '{ household(fin: "7QWE2RT") { monthlyIncomes { amount } properties { id } } }',
        stack.caseworker("Yasamal", sub="caseworker-ali.mammadli"),
    )

    log = await tracker(stack, stack.citizen(AYNUR))

    nodes = [edge["node"] for edge in log["edges"]]
    items = {(n["agency"], n["dataItem"]) for n in nodes}
    # monthly incomes come from several agencies
    assert items == {
        ("population", "families"),
        ("tax", "incomes"),
        ("social_insurance", "payments"),
        ("employment", "insurance_payments"),
        ("education", "scholarships"),
        ("justice", "alimony"),
        ("property", "real_estate"),
    }
    for node in nodes:
        assert node["actorRole"] == "CASEWORKER"
        assert node["institution"] == "Ministry of Labour and Social Protection of Population"
        assert node["bySelf"] is False and node["allowed"] is True
        assert node["purpose"] == "CASE_REVIEW"
        assert node["purposeText"] == "review of a case by a social protection caseworker"
    income = next(n for n in nodes if n["dataItem"] == "incomes")
    assert income["agencyName"] == "State Tax Service"
    assert income["description"] == "income declared to the tax service"
    # the official is shown by role and institution only
    assert "ali.mammadli" not in str(log)


async def test_entries_are_newest_first_and_page_with_a_cursor(stack: Stack) -> None:
    caseworker = stack.caseworker("Yasamal")
    await stack.query('{ household(fin: "5ZX3K8P") { properties { id } } }', caseworker)
    await stack.query('{ household(fin: "5ZX3K8P") { vehicles { plate } } }', caseworker)
    citizen = stack.citizen(AYNUR)

    everything = await tracker(stack, citizen)
    first = await tracker(stack, citizen, first=2)
    rest = await tracker(stack, citizen, first=100, after=first["pageInfo"]["endCursor"])

    references = [e["node"]["reference"] for e in everything["edges"]]
    assert [int(r.removeprefix("AUD-")) for r in references] == sorted(
        (int(r.removeprefix("AUD-")) for r in references), reverse=True
    )
    assert everything["edges"][0]["node"]["dataItem"] == "vehicles"  # the latest read
    assert first["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["reference"] for e in first["edges"] + rest["edges"]] == references
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_a_citizen_sees_only_their_own_entries(stack: Stack) -> None:
    await stack.query('{ household(fin: "3KLM9NP") { properties { id } } }', stack.token("auditor"))
    await stack.query('{ person(fin: "5ZX3K8P") { firstName } }', stack.citizen(AYNUR))

    elshan = await tracker(stack, stack.citizen(ELSHAN))
    aynur = await tracker(stack, stack.citizen(AYNUR))

    assert {e["node"]["actorRole"] for e in elshan["edges"]} == {"AUDITOR"}
    assert all(e["node"]["bySelf"] for e in aynur["edges"])
    assert {e["node"]["purpose"] for e in aynur["edges"]} == {"SELF_SERVICE"}
    rows = await stack.audit_rows()
    shown = {e["node"]["reference"] for e in aynur["edges"]}
    assert shown == {f"AUD-{r.seq}" for r in rows if r.entry.subject_fin == AYNUR}


async def test_a_family_member_sees_a_relatives_read_of_the_family(stack: Stack) -> None:
    await stack.query('{ household(fin: "5ZX3K8P") { id } }', stack.citizen(AYNUR))

    rashad = await tracker(stack, stack.citizen(RASHAD))

    (node,) = [e["node"] for e in rashad["edges"]]
    assert (node["actorRole"], node["bySelf"], node["dataItem"]) == ("CITIZEN", False, "families")
    assert node["institution"] is None


async def test_refused_attempts_on_your_data_are_shown_as_not_allowed(stack: Stack) -> None:
    await stack.query('{ household(fin: "3KLM9NP") { id } }', stack.citizen(AYNUR))

    (node,) = [e["node"] for e in (await tracker(stack, stack.citizen(ELSHAN)))["edges"]]

    assert node["allowed"] is False and node["actorRole"] == "CITIZEN"


async def test_purpose_texts_name_no_one_and_no_facts(stack: Stack) -> None:
    await stack.query(
        '{ household(fin: "5ZX3K8P") { members { person { firstName lastName } } '
        "monthlyIncomes { amount } } }",
        stack.caseworker("Yasamal"),
    )

    log = await tracker(stack, stack.citizen(RASHAD))

    texts = " ".join(e["node"]["purposeText"] + e["node"]["description"] for e in log["edges"])
    for private in ("Aynur", "Məmmədov", AYNUR, RASHAD, "Şərifzadə", "240", "HH-YAS"):
        assert private not in texts


@pytest.mark.parametrize(
    "role, claims",
    [
        ("caseworker", {"districts": ("Yasamal",)}),
        ("operator", {}),
        ("auditor", {}),
        ("service", {"scopes": ("households:read",)}),
    ],
)
async def test_only_a_citizen_has_a_data_access_log(stack: Stack, role: str, claims: dict) -> None:
    body = await stack.query(TRACKER, stack.token(role, **claims), {"first": 10})

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_foreign_cursor_and_an_absurd_page_size_are_bad_input(stack: Stack) -> None:
    citizen = stack.citizen(AYNUR)
    bad_cursor = await stack.query(TRACKER, citizen, {"first": 10, "after": "bm90LW91cnM="})
    too_many = await stack.query(TRACKER, citizen, {"first": 100000})

    assert bad_cursor["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": ["after"]}
    assert too_many["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": ["first"]}


AUDIT_LOG = """
query($fin: FIN) {
  auditLog(first: 100, fin: $fin) {
    edges { node { seq actorSubject actorRole subjectFin agency dataItem allowed reason xroadIds
                   correlationId prevHash hash } }
  }
}
"""


async def test_an_auditor_reads_every_column_and_the_reading_is_recorded(stack: Stack) -> None:
    await stack.query(
        '{ household(fin: "5ZX3K8P") { properties { id } } }', stack.caseworker("Yasamal")
    )

    body = await stack.query(AUDIT_LOG, stack.token("auditor", sub="auditor-3"), {"fin": AYNUR})

    nodes = [e["node"] for e in body["data"]["auditLog"]["edges"]]
    assert {n["actorSubject"] for n in nodes} == {"caseworker-7"}
    assert all(n["subjectFin"] == AYNUR and len(n["hash"]) == 64 for n in nodes)
    assert any(n["xroadIds"] for n in nodes)
    last = (await stack.audit_rows())[-1].entry
    assert (last.actor_sub, last.subject_fin, last.data_item) == ("auditor-3", AYNUR, "audit_log")


@pytest.mark.parametrize(
    "role, claims",
    [("citizen", {"fin": AYNUR}), ("caseworker", {"districts": ("Yasamal",)}), ("operator", {})],
)
async def test_nobody_but_an_auditor_reads_the_audit_log(
    stack: Stack, role: str, claims: dict
) -> None:
    body = await stack.query(AUDIT_LOG, stack.token(role, **claims), {"fin": AYNUR})

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
