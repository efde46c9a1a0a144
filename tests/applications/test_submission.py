"""``submitApplication``: validation at the edge, identification, who may submit, and
idempotency (the same key and input give one application, however many times and however
concurrently it is sent)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa

from adapters.db.audit import AuditLog
from adapters.db.tables import applications, outbox
from tests.applications.conftest import SUBMIT, Stack, granted_family


async def _count(stack: Stack, table: sa.Table) -> int:
    async with stack.database.engine.connect() as connection:
        return int(await connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


def _errors(payload: dict[str, Any]) -> list[tuple[list[str], str]]:
    assert payload["application"] is None
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"phone": "0501234567"}, ["input", "phone"], "INVALID_FORMAT"),
        ({"phone": "+994411234567"}, ["input", "phone"], "INVALID_FORMAT"),
        ({"phone": None, "email": None}, ["input", "phone"], "CONTACT_REQUIRED"),
        ({"email": "not an address"}, ["input", "email"], "INVALID_FORMAT"),
        (
            {"representativeIdCard": "AB1234567"},
            ["input", "representativeIdCard"],
            "INVALID_FORMAT",
        ),
        (
            {"representativeIdCard": "AA7010001\u202e"},
            ["input", "representativeIdCard"],
            "INVALID_CHARACTERS",
        ),
        ({"idempotencyKey": "short"}, ["input", "idempotencyKey"], "INVALID_FORMAT"),
        ({"members": ["G05A2XZ"]}, ["input", "members"], "REPRESENTATIVE_NOT_DECLARED"),
        ({"members": ["G05A1XZ", "G05A1XZ"]}, ["input", "members", "1"], "DUPLICATE"),
    ],
)
async def test_bad_input_is_named_by_field_and_registers_nothing(
    stack: Stack, change: dict[str, Any], field: list[str], code: str
) -> None:
    fields = {"idempotencyKey": "bad-input-1", **granted_family(5), **change}
    payload = await stack.submit(stack.citizen("G05A1XZ"), **fields)
    assert (field, code) in _errors(payload)
    assert await _count(stack, applications) == 0
    assert not any((await stack.calls()).values())  # no agency was asked


async def test_a_malformed_fin_is_refused_before_anything_runs(stack: Stack) -> None:
    fields = {"idempotencyKey": "bad-fin-1", **granted_family(5), "members": ["G05A1XZ", "g05"]}
    body = await stack.query(SUBMIT, stack.citizen("G05A1XZ"), {"input": fields})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await _count(stack, applications) == 0


async def test_an_id_card_of_someone_else_fails_identification(stack: Stack) -> None:
    fields = {
        **granted_family(5),
        "idempotencyKey": "wrong-card",
        "representativeIdCard": "AA7050002",
    }
    payload = await stack.submit(stack.citizen("G05A1XZ"), **fields)
    assert _errors(payload) == [(["input", "representativeIdCard"], "IDENTIFICATION_FAILED")]
    assert await _count(stack, applications) == 0
    assert await _count(stack, outbox) == 0


async def test_a_child_cannot_represent_the_family(stack: Stack) -> None:
    payload = await stack.submit(
        stack.citizen("M01A3XZ"),
        idempotencyKey="child-applies",
        representativeFin="M01A3XZ",
        representativeIdCard="AA6030003",
        members=["M01A1XZ", "M01A2XZ", "M01A3XZ"],
        phone="+994501110000",
    )
    assert _errors(payload) == [(["input", "representativeFin"], "REPRESENTATIVE_NOT_ADULT")]


async def test_a_member_serving_a_sentence_cannot_represent_the_family(stack: Stack) -> None:
    payload = await stack.submit(
        stack.citizen("M01A2XZ"),
        idempotencyKey="prisoner-applies",
        representativeFin="M01A2XZ",
        representativeIdCard="AA6030002",
        members=["M01A1XZ", "M01A2XZ", "M01A3XZ"],
        phone="+994501110001",
    )
    assert _errors(payload) == [(["input", "representativeFin"], "REPRESENTATIVE_NOT_COUNTED")]


async def test_a_registered_guardian_may_represent_the_children(stack: Stack) -> None:
    """The guardian acts for the children but is not of their family: the guardian's own car
    and second flat (bought in the income window) are not held against them, and the
    agencies are asked about the guardian only whether the family's assistance is registered
    to them (and the registry for who they are)."""
    payload = await stack.submit(
        stack.citizen("W01A3XZ"),
        idempotencyKey="guardian-applies",
        representativeFin="W01A3XZ",
        representativeIdCard="AA6040003",
        members=["W01A1XZ", "W01A2XZ", "W01A3XZ"],
        phone="+994501110002",
    )
    assert payload["userErrors"] == []
    assert payload["application"]["status"] == "GRANTED"
    assert {r["code"] for r in payload["application"]["decision"]["reasons"]} == {
        "NO_ABLE_BODIED_MEMBER"
    }
    about_guardian = {
        (row.entry.agency, row.entry.data_item)
        async for row in AuditLog(stack.database).rows()
        if row.entry.subject_fin == "W01A3XZ" and row.entry.application_id is not None
    }
    of_the_household = {("population", "families")} | {
        ("utilities", f"{kind}_charges") for kind in ("electricity", "gas", "water")
    }
    assert about_guardian - of_the_household == {
        ("population", "persons"),
        ("social_insurance", "assignments"),
        ("vemtas", "decision"),
    }


async def test_a_citizen_submits_only_as_the_representative(stack: Stack) -> None:
    fields = {"idempotencyKey": "for-neighbour", **granted_family(6)}
    body = await stack.query(SUBMIT, stack.citizen("G07A1XZ"), {"input": fields})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await _count(stack, applications) == 0


async def test_a_citizen_applies_online_or_by_the_mobile_app(stack: Stack) -> None:
    fields = {"idempotencyKey": "citizen-kiosk", "channel": "HELP_DESK", **granted_family(6)}
    payload = await stack.submit(stack.citizen("G06A1XZ"), **fields)
    assert _errors(payload) == [(["input", "channel"], "CHANNEL_NOT_ALLOWED")]
    # a channel given as null is the default, ONLINE (api.md: `channel: Channel = ONLINE`)
    fields = {"idempotencyKey": "citizen-null", "channel": None, **granted_family(6)}
    payload = await stack.submit(stack.citizen("G06A1XZ"), **fields)
    assert payload["userErrors"] == [] and payload["application"]["channel"] == "ONLINE"


async def test_an_auditor_submits_nothing(stack: Stack) -> None:
    fields = {"idempotencyKey": "auditor-try", **granted_family(6)}
    body = await stack.query(SUBMIT, stack.token("auditor", sub="auditor-1"), {"input": fields})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_an_operator_submits_for_a_citizen_and_sees_only_the_status(stack: Stack) -> None:
    operator = stack.token("operator", sub="operator-7", institution="ASAN xidmət 3")
    fields = {"idempotencyKey": "desk-0001", "channel": "POST_OFFICE", **granted_family(8)}
    payload = await stack.submit(operator, **fields)
    application = payload["application"]
    assert (application["status"], application["channel"]) == ("GRANTED", "POST_OFFICE")
    assert application["decision"] is None  # the status, nothing of the family's data
    seen = await stack.application(operator, application["id"])
    assert seen["status"] == "GRANTED"
    assert (seen["decision"], seen["household"], seen["cardOrder"]) == (None, None, None)
    assert seen["notifications"] == [] and seen["events"] == []
    # the citizen sees everything, including where it was submitted
    mine = await stack.application(stack.citizen("G08A1XZ"), application["id"])
    registered = mine["events"][0]
    assert registered["kind"] == "REGISTERED"
    assert registered["detail"]["institution"] == "ASAN xidmət 3"
    assert registered["detail"]["role"] == "operator"


async def test_the_same_key_and_input_give_the_same_application(stack: Stack) -> None:
    token = stack.citizen("G09A1XZ")
    fields = {"idempotencyKey": "once-only-1", **granted_family(9)}
    first = await stack.submit(token, **fields)
    again = await stack.submit(token, **{**fields, "members": list(reversed(fields["members"]))})
    assert again == first
    assert await _count(stack, applications) == 1


async def test_the_same_key_with_other_input_is_refused(stack: Stack) -> None:
    token = stack.citizen("G10A1XZ")
    fields = {"idempotencyKey": "once-only-2", **granted_family(10)}
    await stack.submit(token, **fields)
    other = await stack.submit(token, **{**fields, "phone": "+994709998877"})
    assert _errors(other) == [(["input", "idempotencyKey"], "IDEMPOTENCY_KEY_REUSED")]
    assert await _count(stack, applications) == 1


async def test_two_submitters_keys_never_meet(stack: Stack) -> None:
    fields = {"idempotencyKey": "shared-key-1", **granted_family(11)}
    mine = await stack.submit(stack.citizen("G11A1XZ"), **fields)
    operator = stack.token("operator", sub="operator-9")
    theirs = await stack.submit(operator, **fields)
    assert mine["application"]["id"] != theirs["application"]["id"]


async def test_fifty_concurrent_submissions_with_one_key_make_one_application(
    stack: Stack,
) -> None:
    token = stack.citizen("G12A1XZ")
    fields = {"idempotencyKey": "fifty-at-once", **granted_family(12)}
    answers = await asyncio.gather(*(stack.submit(token, **fields) for _ in range(50)))
    ids = {answer["application"]["id"] for answer in answers}
    assert len(ids) == 1
    assert {answer["application"]["status"] for answer in answers} == {"GRANTED"}
    assert await _count(stack, applications) == 1
    await stack.settle()
    assert len(await stack.orders()) == 1
    assert len(await stack.messages()) == 6  # registered, decided, card ready × SMS, e-mail
