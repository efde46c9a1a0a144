"""The lazy, batched, concurrent, partial Household graph, observed through the mock agencies'
own call counters."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Stack

HEAD = "5ZX3K8P"
OTHER_FAMILY_HEAD = "3KLM9NP"

MEMBERS = """query($fin: FIN!) { household(fin: $fin) { id district address
  members { relation person { fin firstName lastName patronymic birthDate sex citizenship } } } }"""

EVERYTHING = """query($fin: FIN!) { household(fin: $fin) { id
  members { person { fin firstName } }
  monthlyIncomes { fin month source amount }
  properties { id purpose address share value acquiredOn }
  utilityCharges { kind month amount }
  borderCrossings { fin exitDate entryDate country } } }"""


async def test_a_caseworker_reads_a_family_of_their_district_from_the_population_registry(
    stack: Stack,
) -> None:
    token = stack.token("caseworker", districts=("Yasamal",))
    body = await stack.query(MEMBERS, token, {"fin": HEAD})
    assert "errors" not in body
    household = body["data"]["household"]
    assert household["id"] == "HH-YAS-000001"
    assert household["district"] == "Yasamal"
    people = {m["person"]["fin"]: m for m in household["members"]}
    assert people[HEAD]["person"]["lastName"] == "Məmmədova"
    assert people[HEAD]["person"]["patronymic"] == "Əli qızı"
    assert people[HEAD]["relation"] == "HEAD"
    assert people["7QWE2RT"]["relation"] == "CHILD"


async def test_a_query_for_members_only_calls_no_other_agency(stack: Stack) -> None:
    token = stack.token("caseworker", districts=("Yasamal",))
    await stack.query(MEMBERS, token, {"fin": HEAD})
    calls = await stack.calls()
    assert sum(calls["population"].values()) >= 1
    for agency in ("tax", "property", "utilities", "migration"):
        assert calls[agency] == {}, agency


async def test_every_agency_field_answers_from_its_agency_with_money_as_strings(
    stack: Stack,
) -> None:
    token = stack.token("caseworker", districts=("Yasamal",))
    body = await stack.query(EVERYTHING, token, {"fin": HEAD})
    assert "errors" not in body, body
    h = body["data"]["household"]
    wages = [i for i in h["monthlyIncomes"] if i["source"] == "WAGE"]
    assert len(wages) == 12  # the 12 full months before November 2026
    assert {w["amount"] for w in wages} == {"450.00"}
    assert wages[0]["month"] == "2025-11-01" and wages[-1]["month"] == "2026-10-01"
    assert h["properties"] == [
        {
            "id": "RE-0001",
            "purpose": "RESIDENTIAL",
            "address": "Şərifzadə küç. 12, mənzil 5, Bakı",
            "share": "1.00",
            "value": "30000.00",
            "acquiredOn": "2012-05-01",
        }
    ]
    kinds = {c["kind"] for c in h["utilityCharges"]}
    assert kinds == {"ELECTRICITY", "GAS", "WATER"}
    assert h["borderCrossings"] == [
        {"fin": HEAD, "exitDate": "2026-01-05", "entryDate": "2026-01-20", "country": "TR"}
    ]


async def test_independent_agency_fields_are_fetched_at_the_same_time(stack: Stack) -> None:
    token = stack.token("caseworker", districts=("Yasamal",))
    for agency in ("tax", "property", "utilities", "migration"):
        await stack.fault(agency, "slow", latency_ms=50)
    body = await stack.query(EVERYTHING, token, {"fin": HEAD})
    assert "errors" not in body
    # tax, property, migration and the three utility providers were all in flight together
    assert stack.in_flight_peak() >= 6


async def test_one_agency_down_costs_only_its_own_fields(stack: Stack) -> None:
    token = stack.token("caseworker", districts=("Yasamal",))
    await stack.fault("property", "down")
    body = await stack.query(EVERYTHING, token, {"fin": HEAD})
    h = body["data"]["household"]
    assert h["properties"] is None
    assert len(h["monthlyIncomes"]) > 0 and len(h["utilityCharges"]) > 0 and len(h["members"]) == 2
    [error] = body["errors"]
    assert error["path"] == ["household", "properties"]
    assert error["extensions"] == {"code": "AGENCY_UNAVAILABLE", "agency": "property"}


async def test_a_hanging_agency_gives_a_timeout_for_its_fields_only(stack: Stack) -> None:
    token = stack.token("caseworker", districts=("Yasamal",))
    await stack.fault("migration", "hang")
    body = await stack.query(EVERYTHING, token, {"fin": HEAD})
    assert body["data"]["household"]["borderCrossings"] is None
    assert body["data"]["household"]["properties"] is not None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "AGENCY_TIMEOUT", "agency": "migration"}


async def test_malformed_agency_answers_are_reported_as_bad_responses(stack: Stack) -> None:
    token = stack.token("caseworker", districts=("Yasamal",))
    await stack.fault("tax", "malformed")
    body = await stack.query(EVERYTHING, token, {"fin": HEAD})
    assert body["data"]["household"]["monthlyIncomes"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "AGENCY_BAD_RESPONSE", "agency": "tax"}


async def test_several_families_in_one_request_cost_one_call_per_agency_operation(
    stack: Stack,
) -> None:
    token = stack.token("auditor")
    query = """{ a: household(fin: "5ZX3K8P") { monthlyIncomes { amount } properties { id } }
                 b: household(fin: "3KLM9NP") { monthlyIncomes { amount } properties { id } }
                 c: household(fin: "8XYZ4WV") { monthlyIncomes { amount } properties { id } } }"""
    body = await stack.query(query, token)
    assert "errors" not in body
    calls = await stack.calls()
    assert calls["population"] == {"families:batch": 1}
    assert sum(calls["tax"].values()) == 1
    assert sum(calls["property"].values()) == 1


async def test_a_repeated_query_is_served_from_the_cache(stack: Stack) -> None:
    token = stack.token("caseworker", districts=("Yasamal",))
    first = await stack.query(EVERYTHING, token, {"fin": HEAD})
    await stack.reset_calls()
    second = await stack.query(EVERYTHING, token, {"fin": HEAD})
    assert second == first
    calls = await stack.calls()
    assert all(ops == {} for ops in calls.values()), calls


async def test_months_out_of_range_is_a_user_error_naming_the_argument(stack: Stack) -> None:
    token = stack.token("caseworker", districts=("Yasamal",))
    body = await stack.query(
        '{ household(fin: "5ZX3K8P") { monthlyIncomes(months: 0) { amount } } }', token
    )
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == ["months"]


async def test_an_unknown_fin_gives_no_household(stack: Stack) -> None:
    body = await stack.query('{ household(fin: "1234567") { id } }', stack.token("auditor"))
    assert body == {"data": {"household": None}}


async def test_a_malformed_fin_is_refused_before_any_agency_call(stack: Stack) -> None:
    body = await stack.query('{ household(fin: "abc") { id } }', stack.token("auditor"))
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert all(ops == {} for ops in (await stack.calls()).values())
