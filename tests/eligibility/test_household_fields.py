"""The fields the other agencies feed on Person and Household, who is counted, and how the dry
run batches, stamps and authorizes its agency calls."""

from __future__ import annotations

from .conftest import Stack

NOT_COUNTED_FAMILY = "921A1XZ"

MEMBERS = """query($fin: FIN!) { household(fin: $fin) {
  members { person { fin } counted notCountedReason } } }"""


async def test_members_say_whether_they_are_counted_and_why_not_in_words(stack: Stack) -> None:
    body = await stack.query(MEMBERS, stack.token("auditor"), {"fin": NOT_COUNTED_FAMILY})
    assert "errors" not in body, body
    members = {
        m["person"]["fin"]: (m["counted"], m["notCountedReason"])
        for m in body["data"]["household"]["members"]
    }
    assert members == {
        "921A1XZ": (True, None),
        "921A2XZ": (True, None),
        "921A3XZ": (False, "in active fixed-term military service"),
        "921A4XZ": (False, "a wanted person"),
        "921A5XZ": (False, "living permanently abroad"),
        "921A6XZ": (False, "a foreigner or stateless person"),
        "921A7XZ": (False, "on full state support in a state care institution"),
    }


async def test_a_prisoner_and_a_deceased_member_are_not_counted(stack: Stack) -> None:
    token = stack.token("auditor")
    prison = await stack.query(MEMBERS, token, {"fin": "917A1XZ"})
    died = await stack.query(MEMBERS, token, {"fin": "915A1XZ"})
    reasons = {
        m["person"]["fin"]: m["notCountedReason"]
        for body in (prison, died)
        for m in body["data"]["household"]["members"]
        if not m["counted"]
    }
    assert reasons == {"917A2XZ": "serving a prison sentence", "915A2XZ": "died"}


async def test_when_conscription_is_down_counting_is_presumed_and_the_reason_is_an_error(
    stack: Stack,
) -> None:
    await stack.fault("conscription", "down")
    body = await stack.query(MEMBERS, stack.token("auditor"), {"fin": NOT_COUNTED_FAMILY})
    members = {m["person"]["fin"]: m for m in body["data"]["household"]["members"]}
    # known facts still exclude: the wanted brother (population) and the foreign spouse
    assert members["921A4XZ"] == {
        "person": {"fin": "921A4XZ"},
        "counted": False,
        "notCountedReason": "a wanted person",
    }
    # the conscript cannot be told apart: presumed counted, the reason null with an error
    assert members["921A3XZ"]["counted"] is True
    assert members["921A3XZ"]["notCountedReason"] is None
    assert body["errors"], "an undetermined member must be reported"
    assert {e["extensions"]["agency"] for e in body["errors"]} == {"conscription"}
    assert {e["path"][-1] for e in body["errors"]} == {"notCountedReason"}


async def test_person_fields_come_from_their_agencies(stack: Stack) -> None:
    query = """{
      student: person(fin: "913A3XZ") { studies { fullTime institution from until
        scholarships { month amount } } }
      unemployed: person(fin: "914A1XZ") { taxpayer { voen entrepreneur }
        employment { contracts { employerVoen from until monthlyWage } jobseeker { registeredOn }
          refusedJobOffers unemploymentInsurance { month amount } } }
      disabled: person(fin: "911A2XZ") { disability { percent group child until } }
      refuser: person(fin: "906A1XZ") { employment { refusedJobOffers } }
      abroad: person(fin: "921A5XZ") { migration { livesAbroad } } }"""
    body = await stack.query(query, stack.token("auditor"))
    assert "errors" not in body, body
    d = body["data"]
    study = d["student"]["studies"]
    assert (study["fullTime"], study["institution"]) == (True, "Bakı Dövlət Universiteti")
    assert (study["from"], study["until"]) == ("2024-09-15", "2028-06-30")
    assert len(study["scholarships"]) == 12 and study["scholarships"][0]["amount"] == "50.00"
    employment = d["unemployed"]["employment"]
    assert employment["contracts"] == [
        {
            "employerVoen": "1400000001",
            "from": "2019-01-01",
            "until": "2026-06-30",
            "monthlyWage": "400.00",
        }
    ]
    assert employment["jobseeker"] == {"registeredOn": "2026-07-05"}
    assert employment["refusedJobOffers"] == []
    assert [p["month"] for p in employment["unemploymentInsurance"]] == [
        "2026-07-01",
        "2026-08-01",
        "2026-09-01",
        "2026-10-01",
    ]
    assert d["disabled"]["disability"] == {"percent": 60, "group": 2, "child": False, "until": None}
    assert d["refuser"]["employment"]["refusedJobOffers"] == ["2026-09-01", "2026-11-01"]
    assert d["abroad"]["migration"] == {"livesAbroad": True}


async def test_household_incomes_and_charges_come_from_every_source(stack: Stack) -> None:
    query = """{
      imprisoned: household(fin: "917A1XZ") { monthlyIncomes { source agency amount } }
      student: household(fin: "913A1XZ") {
        monthlyIncomes(sources: [SCHOLARSHIP]) { fin source agency } }
      utilities: household(fin: "905A1XZ") { utilityCharges { kind amount fin } }
      vehicles: household(fin: "902A2XZ") { vehicles { fin plate kind role value stateRehabilitation } } }"""
    body = await stack.query(query, stack.token("auditor"))
    assert "errors" not in body, body
    d = body["data"]
    sources = {(i["source"], i["agency"], i["amount"]) for i in d["imprisoned"]["monthlyIncomes"]}
    assert sources == {("WAGE", "tax", "100.00"), ("ALIMONY", "justice", "50.00")}
    scholarships = d["student"]["monthlyIncomes"]
    assert len(scholarships) == 12
    assert {(i["fin"], i["source"], i["agency"]) for i in scholarships} == {
        ("913A3XZ", "SCHOLARSHIP", "education")
    }
    charges = d["utilities"]["utilityCharges"]
    per_kind = {
        kind: sum(float(c["amount"]) for c in charges if c["kind"] == kind)
        for kind in ("ELECTRICITY", "GAS", "WATER", "COMMUNICATION")
    }
    assert per_kind == {"ELECTRICITY": 600.0, "GAS": 300.0, "WATER": 120.0, "COMMUNICATION": 60.0}
    assert {c["fin"] for c in charges if c["kind"] == "COMMUNICATION"} == {"905A1XZ"}
    assert d["vehicles"]["vehicles"] == [
        {
            "fin": "902A1XZ",
            "plate": "10-ZZ-902",
            "kind": "MOTORCYCLE",
            "role": "USER",
            "value": "1500.00",
            "stateRehabilitation": False,
        }
    ]


async def test_a_field_that_needs_one_agency_calls_only_that_agency(stack: Stack) -> None:
    body = await stack.query(
        '{ household(fin: "913A1XZ") { monthlyIncomes(sources: [SCHOLARSHIP]) { amount } } }',
        stack.token("auditor"),
    )
    assert "errors" not in body
    calls = await stack.calls()
    called = {agency for agency, ops in calls.items() if ops}
    assert called == {"population", "education"}


async def test_several_families_in_one_request_cost_one_call_per_agency_operation(
    stack: Stack,
) -> None:
    query = """{ a: household(fin: "911A1XZ") { eligibility { complete } }
                 b: household(fin: "912A1XZ") { eligibility { complete }
                    members { counted } monthlyIncomes { amount } }
                 c: household(fin: "921A1XZ") { eligibility { complete } members { counted } } }"""
    body = await stack.query(query, stack.token("auditor"))
    assert "errors" not in body, body
    assert all(body["data"][k]["eligibility"]["complete"] for k in "abc")
    calls = await stack.calls()
    operations = {(agency, op): n for agency, ops in calls.items() for op, n in ops.items()}
    assert operations, "the agencies were called"
    assert set(operations.values()) == {1}, operations
    # every agency the means test reads was asked (utilities: one call per provider)
    assert {agency for agency, _ in operations} == {
        "population",
        "tax",
        "property",
        "utilities",
        "migration",
        "vehicles",
        "social_insurance",
        "disability",
        "employment",
        "education",
        "conscription",
        "justice",
        "agriculture",
        "telecom",
    }


async def test_the_agencies_are_asked_at_the_same_time(stack: Stack) -> None:
    slow = (
        "tax",
        "property",
        "utilities",
        "migration",
        "vehicles",
        "social_insurance",
        "disability",
        "employment",
        "education",
        "conscription",
        "justice",
        "agriculture",
        "telecom",
    )
    for agency in slow:
        await stack.fault(agency, "slow", latency_ms=30)
    body = await stack.query(
        '{ household(fin: "911A1XZ") { eligibility { complete } } }', stack.token("auditor")
    )
    assert body["data"]["household"]["eligibility"]["complete"] is True
    # 25 operations of 13 agencies after the family lookup; one at a time would peak at 1
    assert stack.transport.peak >= 20


async def test_a_dry_run_is_reproducible_and_names_its_evidence(stack: Stack) -> None:
    query = """{ household(fin: "912A1XZ") { eligibility { decision { decidedAt
                 evidence { agency operation fetchedAt digest } } } } }"""
    first = await stack.query(query, stack.token("auditor"))
    second = await stack.query(query, stack.token("caseworker", districts=("Nəsimi",)))
    assert first == second
    decision = first["data"]["household"]["eligibility"]["decision"]
    assert decision["decidedAt"] == "2026-11-15T00:00:00+00:00"
    evidence = decision["evidence"]
    assert {e["fetchedAt"] for e in evidence} == {"2026-11-15T00:00:00+00:00"}
    assert all(e["digest"].startswith("sha256:") and len(e["digest"]) == 71 for e in evidence)
    assert len({(e["agency"], e["operation"]) for e in evidence}) == len(evidence) == 26
    assert {e["agency"] for e in evidence} >= {"population", "property", "justice", "telecom"}


async def test_evidence_digests_differ_when_the_answers_differ(stack: Stack) -> None:
    query = """query($fin: FIN!) { household(fin: $fin) { eligibility { decision {
                 evidence { agency operation digest } } } } }"""
    token = stack.token("auditor")

    async def digests(fin: str) -> dict[tuple[str, str], str]:
        body = await stack.query(query, token, {"fin": fin})
        evidence = body["data"]["household"]["eligibility"]["decision"]["evidence"]
        return {(e["agency"], e["operation"]): e["digest"] for e in evidence}

    one, other = await digests("911A1XZ"), await digests("912A1XZ")
    assert one[("tax", "incomes:batch")] != other[("tax", "incomes:batch")]


async def test_the_application_date_defaults_to_today(stack: Stack) -> None:
    body = await stack.query(
        """{ household(fin: "911A1XZ") { eligibility { decision {
             calculation { applicationDate incomeWindowStart incomeWindowEnd } } } } }""",
        stack.token("auditor"),
    )
    calculation = body["data"]["household"]["eligibility"]["decision"]["calculation"]
    assert calculation == {
        "applicationDate": "2026-11-15",
        "incomeWindowStart": "2025-11-01",
        "incomeWindowEnd": "2026-10-31",
    }


async def test_an_application_date_before_2021_is_a_user_error_naming_the_argument(
    stack: Stack,
) -> None:
    body = await stack.query(
        '{ household(fin: "911A1XZ") { id eligibility(on: "2020-12-31") { complete } } }',
        stack.token("auditor"),
    )
    assert body["data"]["household"] == {"id": "HH-Q01-DISABLED", "eligibility": None}
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": ["on"]}


async def test_a_citizen_may_dry_run_their_own_family_only(stack: Stack) -> None:
    own = await stack.query(
        '{ household(fin: "911A2XZ") { eligibility { decision { outcome } } } }',
        stack.token("citizen", fin="911A1XZ"),
    )
    assert own["data"]["household"]["eligibility"]["decision"]["outcome"] == "GRANTED"
    await stack.reset_calls()
    other = await stack.query(
        '{ household(fin: "912A1XZ") { eligibility { decision { outcome } } } }',
        stack.token("citizen", fin="911A1XZ"),
    )
    assert other["data"] == {"household": None}
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    calls = await stack.calls()
    assert calls["population"] == {"families:batch": 1}
    assert all(ops == {} for agency, ops in calls.items() if agency != "population")


PARAMETERS = """query($on: Date!) { meansTestParameters(on: $on) { on rulesVersion
  parameters { name value unit inForceFrom status reference }
  needCriterion: parameter(name: "need_criterion") { value inForceFrom status } } }"""


async def test_the_parameters_in_force_on_a_date_carry_status_and_reference(stack: Stack) -> None:
    body = await stack.query(
        PARAMETERS, stack.token("citizen", fin="911A1XZ"), {"on": "2026-11-15"}
    )
    assert "errors" not in body, body
    found = body["data"]["meansTestParameters"]
    assert found["needCriterion"] == {
        "value": "300.00",
        "inForceFrom": "2026-01-01",
        "status": "CONFIRMED",
    }
    by_name = {p["name"]: p for p in found["parameters"]}
    assert by_name["utility_cap_share"]["value"] == "0.15"
    assert by_name["farm_income_per_hectare"]["status"] == "ASSUMED"
    assert by_name["child_under_one_supplement"]["value"] == "140.00"
    assert all(p["reference"] for p in found["parameters"])
    earlier = await stack.query(PARAMETERS, stack.token("auditor"), {"on": "2021-06-01"})
    by_name = {p["name"]: p for p in earlier["data"]["meansTestParameters"]["parameters"]}
    assert by_name["need_criterion"]["value"] == "170.00"
    assert "child_under_one_supplement" not in by_name  # no supplement before 2023


async def test_parameters_before_the_legislation_begins_are_a_user_error(stack: Stack) -> None:
    body = await stack.query(PARAMETERS, stack.token("auditor"), {"on": "2010-01-01"})
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": ["on"]}


async def test_parameters_need_a_signed_in_caller(stack: Stack) -> None:
    body = await stack.query(PARAMETERS, None, {"on": "2026-11-15"})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
