"""Every agency read of a person's data in a request leaves exactly one audit row per person,
agency and data item, written before the data is returned and carrying the X-Road ids of the
agency messages; denials are rows too; no audit, no data."""

from __future__ import annotations

from collections import Counter

from adapters.db import open_database

from .conftest import AYNUR, ELSHAN, GULNARA, RASHAD, Stack

FULL = """
query($fin: FIN!) {
  household(fin: $fin) {
    id
    members { person { fin firstName taxpayer { voen } migration { livesAbroad } } }
    monthlyIncomes { amount }
    properties { id }
    vehicles { plate }
    utilityCharges { amount }
    borderCrossings { country }
    eligibility { complete }
  }
}
"""


def xroad_ids_seen_by_the_agencies(raw_calls: dict[str, object]) -> Counter[str]:
    seen: Counter[str] = Counter()
    for agency, operations in raw_calls.items():
        if agency == "identity":
            continue
        assert isinstance(operations, dict)
        for operation in operations.values():
            # the mock keeps the identifiers of the last calls: enough for these small scenarios
            assert operation["count"] == len(operation["last"])
            for call in operation["last"]:
                seen[call["id"]] += 1
    return seen


async def test_every_agency_read_of_a_scenario_has_exactly_one_row_per_person_and_item(
    stack: Stack,
) -> None:
    body = await stack.query(FULL, stack.caseworker("Yasamal"), {"fin": AYNUR})
    assert body["data"]["household"]["id"] == "HH-YAS-000001", body

    rows = await stack.audit_rows()
    seen = xroad_ids_seen_by_the_agencies(await stack.raw_calls())
    recorded = Counter(xroad for row in rows for xroad in row.entry.xroad_ids)

    # every message an agency received is accounted for in the log, and nothing else is
    assert set(recorded) == set(seen)
    keys = Counter((r.entry.subject_fin, r.entry.agency, r.entry.data_item) for r in rows)
    assert max(keys.values()) == 1, [k for k, n in keys.items() if n > 1]
    # both members' data from every agency the means test reads, the family's utilities
    assert {fin for fin, _, _ in keys} == {AYNUR, RASHAD}
    agencies = {agency for _, agency, _ in keys}
    assert {"population", "tax", "property", "utilities", "vehicles", "migration"} <= agencies
    assert (RASHAD, "utilities", "gas_charges") in keys
    assert all(r.entry.allowed and r.entry.purpose == "case-review" for r in rows)
    assert all(r.entry.actor_sub == "caseworker-7" for r in rows)


async def test_answers_from_the_cache_are_reads_too(stack: Stack) -> None:
    query = '{ household(fin: "5ZX3K8P") { properties { id } } }'
    await stack.query(query, stack.caseworker("Yasamal"))
    calls_before = await stack.agency_calls()
    rows_before = len(await stack.audit_rows())

    body = await stack.query(query, stack.caseworker("Yasamal"))

    assert body["data"]["household"]["properties"] == [{"id": "RE-0001"}]
    assert await stack.agency_calls() == calls_before  # all from the cache
    new = (await stack.audit_rows())[rows_before:]
    assert sorted((r.entry.subject_fin, r.entry.data_item) for r in new) == [
        (AYNUR, "families"),
        (AYNUR, "real_estate"),
        (RASHAD, "families"),
        (RASHAD, "real_estate"),
    ]
    assert all(r.entry.xroad_ids == () for r in new)


async def test_a_refused_citizen_leaves_denied_rows_and_no_allowed_one(stack: Stack) -> None:
    body = await stack.query(
        '{ household(fin: "3KLM9NP") { id properties { id } } }', stack.citizen(AYNUR)
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    rows = await stack.audit_rows()
    assert rows, "the refusal must be recorded"
    assert all(not r.entry.allowed for r in rows)
    assert {r.entry.reason for r in rows} == {"not_own_family"}
    assert ELSHAN in {r.entry.subject_fin for r in rows}
    assert {r.entry.data_item for r in rows} == {"families"}
    # the family lookup the check needed is the only agency message, and it is on the row
    assert set(xroad_ids_seen_by_the_agencies(await stack.raw_calls())) == {
        x for r in rows for x in r.entry.xroad_ids
    }


async def test_a_caseworker_outside_their_districts_is_recorded_as_denied(stack: Stack) -> None:
    body = await stack.query(
        '{ person(fin: "8XYZ4WV") { firstName } }', stack.caseworker("Yasamal")
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    rows = await stack.audit_rows()
    assert [(r.entry.subject_fin, r.entry.allowed, r.entry.reason) for r in rows] == [
        (GULNARA, False, "outside_districts")
    ]


async def test_the_same_family_asked_twice_in_one_request_is_one_read(stack: Stack) -> None:
    body = await stack.query(
        '{ a: household(fin: "5ZX3K8P") { id } b: household(fin: "7QWE2RT") { id } '
        'p: person(fin: "5ZX3K8P") { firstName } }',
        stack.citizen(AYNUR),
    )

    assert "errors" not in body, body
    keys = Counter(
        (r.entry.subject_fin, r.entry.data_item, r.entry.xroad_ids)
        for r in await stack.audit_rows()
    )
    assert max(keys.values()) == 1


async def test_no_personal_data_is_returned_when_the_audit_log_cannot_be_written(
    stack: Stack,
) -> None:
    runtime = stack.app.state.runtime
    # a database that refuses connections (port 1 on loopback)
    async with open_database("postgresql+asyncpg://postgres@127.0.0.1:1/none") as away:
        runtime.database = away
        body = await stack.query(
            '{ household(fin: "5ZX3K8P") { id address members { person { firstName } } } }',
            stack.caseworker("Yasamal"),
        )

    assert body["data"] == {"household": None}
    assert body["errors"][0]["extensions"] == {
        "code": "INTERNAL",
        "reason": "audit_unavailable",
    }
    text = str(body)
    assert "Aynur" not in text and "Şərifzadə" not in text and "HH-YAS" not in text


async def test_agency_calls_carry_the_actor_and_the_purpose_as_x_road_user_and_issue(
    stack: Stack,
) -> None:
    await stack.query('{ household(fin: "5ZX3K8P") { properties { id } } }', stack.citizen(AYNUR))
    await stack.query(
        '{ household(fin: "7QWE2RT") { monthlyIncomes { amount } } }', stack.caseworker("Yasamal")
    )

    raw = await stack.raw_calls()
    population = raw["population"]["families:batch"]["last"]
    assert [(c["userId"], c["issue"]) for c in population] == [
        ("citizen-5ZX3K8P", "self-service"),
        ("caseworker-7", "case-review"),
    ]
    (property_call,) = raw["property"]["GetRealEstateByOwners"]["last"]
    assert (property_call["userId"], property_call["issue"]) == ("citizen-5ZX3K8P", "self-service")
    (tax_call,) = raw["tax"]["incomes:batch"]["last"]
    assert (tax_call["userId"], tax_call["issue"]) == ("caseworker-7", "case-review")
