"""The authorization matrix: every role against every query and mutation, on the citizen's own
family and another, in a caseworker's district and outside it. A refusal is FORBIDDEN, costs no
agency call beyond the family lookup the check needs, and leaves a denied row in the audit log.
And the operator channel: an operator submits on a citizen's behalf (FIN and ID card) and sees
only the status of what they submitted."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import AYNUR, ELSHAN, RASHAD, Stack

ALL_SCOPES = (
    "households:read",
    "persons:read",
    "applications:read",
    "applications:submit",
    "applications:reassess",
)

PRINCIPALS: dict[str, tuple[str, dict[str, Any]]] = {
    "citizen of the family": ("citizen", {"sub": "citizen-own", "fin": AYNUR}),
    "citizen of another family": ("citizen", {"sub": "citizen-other", "fin": ELSHAN}),
    "caseworker in the district": ("caseworker", {"sub": "cw-in", "districts": ("Yasamal",)}),
    "caseworker outside it": ("caseworker", {"sub": "cw-out", "districts": ("Səbail",)}),
    "operator": ("operator", {"sub": "operator-9", "institution": "DOST centre no. 1"}),
    "auditor": ("auditor", {"sub": "auditor-1"}),
    "service with scopes": ("service", {"sub": "router", "scopes": ALL_SCOPES}),
    "service without scopes": ("service", {"sub": "stranger"}),
}

SUBMIT = """
mutation($input: SubmitApplicationInput!) {
  submitApplication(input: $input) {
    application { id status }
    userErrors { field code }
  }
}"""


def family_input(key: str, **changes: Any) -> dict[str, Any]:
    return {
        "idempotencyKey": key,
        "representativeFin": AYNUR,
        "representativeIdCard": "AA1234567",
        "members": [AYNUR, RASHAD],
        "phone": "+994501234567",
        **changes,
    }


async def submitted_by_the_family(stack: Stack) -> str:
    body = await stack.query(SUBMIT, stack.citizen(AYNUR), {"input": family_input("own-key-1")})
    payload = body["data"]["submitApplication"]
    assert payload["userErrors"] == [], body
    application_id: str = payload["application"]["id"]
    return application_id


# operation → (document, variables(application_id), roles allowed)
OPERATIONS: dict[str, tuple[str, Any, set[str]]] = {
    "household": (
        '{ household(fin: "7QWE2RT") { id properties { id } } }',
        None,
        {"citizen of the family", "caseworker in the district", "auditor", "service with scopes"},
    ),
    "person": (
        '{ person(fin: "7QWE2RT") { firstName taxpayer { voen } } }',
        None,
        {"citizen of the family", "caseworker in the district", "auditor", "service with scopes"},
    ),
    "application": (
        "query($id: ID!) { application(id: $id) { id status household { id } } }",
        lambda application_id: {"id": application_id},
        {"citizen of the family", "caseworker in the district", "auditor", "service with scopes"},
    ),
    "applications": (
        "{ applications(first: 10) { edges { node { id } } } }",
        None,
        # a listing shows each role what it may read; roles with nothing to list are refused
        {
            "caseworker in the district",
            "caseworker outside it",
            "auditor",
            "service with scopes",
            "operator",
        },
    ),
    "myApplications": (
        "{ myApplications { id } }",
        None,
        {"citizen of the family", "citizen of another family"},
    ),
    "myDataAccessLog": (
        "{ myDataAccessLog(first: 5) { edges { node { reference } } } }",
        None,
        {"citizen of the family", "citizen of another family"},
    ),
    "auditLog": ("{ auditLog(first: 5) { edges { node { seq } } } }", None, {"auditor"}),
    "submitApplication": (
        SUBMIT,
        lambda _: {"input": family_input("matrix-key-1")},
        {"citizen of the family", "operator", "service with scopes"},
    ),
    "reassessApplication": (
        "mutation($id: ID!) { reassessApplication(id: $id) { application { id } } }",
        lambda application_id: {"id": application_id},
        {"caseworker in the district", "service with scopes"},
    ),
}

# reads of a family's data whose refusal the family lookup precedes
FAMILY_READS = {"household", "person"}
# refusals about one application, recorded against its family
APPLICATION_ACTS = {"application", "reassessApplication", "submitApplication"}

CASES = [
    pytest.param(operation, principal, principal in allowed, id=f"{operation}-{principal}")
    for operation, (_, _, allowed) in OPERATIONS.items()
    for principal in PRINCIPALS
]


@pytest.mark.parametrize(("operation", "principal", "allowed"), CASES)
async def test_each_role_may_do_exactly_what_its_role_allows(
    stack: Stack, operation: str, principal: str, allowed: bool
) -> None:
    document, variables, _ = OPERATIONS[operation]
    application_id = await submitted_by_the_family(stack)
    await stack.reset_calls()
    rows_before = len(await stack.audit_rows())
    role, claims = PRINCIPALS[principal]

    body = await stack.query(
        document,
        stack.token(role, **claims),
        variables(application_id) if variables else None,
    )

    codes = [error["extensions"]["code"] for error in body.get("errors", [])]
    if allowed:
        assert "FORBIDDEN" not in codes and "UNAUTHENTICATED" not in codes, body
        return
    assert codes and codes[0] == "FORBIDDEN", body
    calls = await stack.calls()
    beyond_the_family_lookup = {
        agency: ops
        for agency, ops in calls.items()
        if ops and agency not in ("identity",) and ops != {"families:batch": 1}
    }
    assert beyond_the_family_lookup == {}
    new_rows = (await stack.audit_rows())[rows_before:]
    assert all(not row.entry.allowed for row in new_rows)
    if operation in FAMILY_READS | APPLICATION_ACTS:
        denied = [r.entry for r in new_rows if r.entry.actor_sub == claims["sub"]]
        assert denied, "a refusal about a family's data is recorded"
        assert {e.subject_fin for e in denied} & {AYNUR, RASHAD}


@pytest.mark.parametrize(
    ("scope", "reads_household", "reads_person"),
    [("households:read", True, False), ("persons:read", False, True)],
)
async def test_a_service_reads_what_its_scope_names(
    stack: Stack, scope: str, reads_household: bool, reads_person: bool
) -> None:
    """``persons:read`` is what ``person(fin)`` (and the Person entity) asks of a service,
    ``households:read`` what ``household(fin)`` asks: neither scope stands in for the other."""
    token = stack.token("service", sub=f"client-{scope}", scopes=(scope,))
    for document, allowed in (
        (OPERATIONS["household"][0], reads_household),
        (OPERATIONS["person"][0], reads_person),
    ):
        body = await stack.query(document, token)
        codes = [error["extensions"]["code"] for error in body.get("errors", [])]
        assert codes == ([] if allowed else ["FORBIDDEN"]), (document, body)


# --- the operator channel ---------------------------------------------------------------------

STATUS = """
query($id: ID!) {
  application(id: $id) { id status household { id } decision { outcome } declaredMembers }
}"""


async def test_an_operator_submits_on_a_citizens_behalf_with_fin_and_id_card(stack: Stack) -> None:
    operator = stack.token("operator", sub="operator-9", institution="DOST centre no. 1")

    body = await stack.query(
        SUBMIT, operator, {"input": family_input("desk-key-1", channel="HELP_DESK")}
    )

    payload = body["data"]["submitApplication"]
    assert payload["userErrors"] == []
    assert payload["application"]["status"] in {"GRANTED", "REFUSED", "AWAITING_DATA"}
    # the family sees the help desk (by institution) in its data tracker, not the operator
    tracker = await stack.query(
        "{ myDataAccessLog(first: 100) { edges { node { actorRole institution purpose } } } }",
        stack.citizen(AYNUR),
    )
    nodes = [e["node"] for e in tracker["data"]["myDataAccessLog"]["edges"]]
    assert {
        "actorRole": "OPERATOR",
        "institution": "DOST centre no. 1",
        "purpose": "APPLICATION_INTAKE",
    } in nodes
    assert "operator-9" not in str(tracker)


async def test_an_operator_needs_the_id_card_that_goes_with_the_fin(stack: Stack) -> None:
    body = await stack.query(
        SUBMIT,
        stack.token("operator", sub="operator-9"),
        {
            "input": family_input(
                "desk-key-2", representativeIdCard="AA0000000", channel="HELP_DESK"
            )
        },
    )

    payload = body["data"]["submitApplication"]
    assert payload["application"] is None
    assert any(e["field"][-1] == "representativeIdCard" for e in payload["userErrors"])


async def test_an_operator_sees_only_the_status_of_what_they_submitted(stack: Stack) -> None:
    operator = stack.token("operator", sub="operator-9")
    body = await stack.query(
        SUBMIT, operator, {"input": family_input("desk-key-3", channel="POST_OFFICE")}
    )
    mine = body["data"]["submitApplication"]["application"]["id"]
    theirs = await submitted_by_the_family(stack)

    seen = await stack.query(STATUS, operator, {"id": mine})
    refused = await stack.query(STATUS, operator, {"id": theirs})

    application = seen["data"]["application"]
    assert application["status"]
    assert application["household"] is None and application["decision"] is None
    assert application["declaredMembers"] == []
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    denied = [r.entry for r in await stack.audit_rows() if not r.entry.allowed]
    assert {(e.actor_sub, e.data_item, e.subject_fin) for e in denied} >= {
        ("operator-9", "applications", AYNUR)
    }


async def test_every_decision_is_in_the_audit_log_for_each_member(stack: Stack) -> None:
    application_id = await submitted_by_the_family(stack)
    status = await stack.query(STATUS, stack.citizen(AYNUR), {"id": application_id})
    assert status["data"]["application"]["status"] in {"GRANTED", "REFUSED"}

    decisions = [r.entry for r in await stack.audit_rows() if r.entry.data_item == "decision"]

    assert sorted(e.subject_fin for e in decisions) == sorted([AYNUR, RASHAD])
    assert {e.application_id for e in decisions} == {application_id}
    assert {(e.purpose, e.agency, e.reason) for e in decisions} == {
        ("application", "vemtas", "decided")
    }
    reads = [r.entry for r in await stack.audit_rows() if r.entry.purpose == "application"]
    assert reads and {e.application_id for e in reads} == {application_id}


async def test_a_decision_is_logged_for_the_registered_family_not_for_whoever_was_declared(
    stack: Stack,
) -> None:
    """The declared members are the representative's word: a stranger typed among them gets no
    "decision on an application" row (and would see it in their data tracker), a registered
    member left out does; so do the rows of a refused read of the application."""
    fields = {**family_input("declared-1"), "members": [AYNUR, ELSHAN]}  # RASHAD left out
    body = await stack.query(SUBMIT, stack.citizen(AYNUR), {"input": fields})
    application_id = body["data"]["submitApplication"]["application"]["id"]
    decisions = [r.entry for r in await stack.audit_rows() if r.entry.data_item == "decision"]
    assert sorted(e.subject_fin for e in decisions) == sorted([AYNUR, RASHAD])
    tracker = await stack.query(
        "{ myDataAccessLog(first: 100) { edges { node { dataItem applicationId } } } }",
        stack.citizen(ELSHAN),
    )
    assert tracker["data"]["myDataAccessLog"]["edges"] == []

    before = len(await stack.audit_rows())
    refused = await stack.query(
        STATUS, stack.caseworker("Səbail", sub="cw-out"), {"id": application_id}
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    denied = [r.entry for r in (await stack.audit_rows())[before:]]
    assert {e.subject_fin for e in denied} == {AYNUR, RASHAD}
    assert not any(e.allowed for e in denied)
