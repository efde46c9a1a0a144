"""The audit trail of an application: every agency read made to identify the representative and
to decide is in the log exactly once, with the X-Road id of the agency message and (for the
decision's reads) the application's id, whichever way the flow ends — decided, waiting for data,
identification failed, or beaten by another decider; the rows ride in the flow's own write
transactions, so a decision never exists without its rows, nor its rows without it; and when
the log cannot take the rows, nothing is answered."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.db import ApplicationStatus
from adapters.db.audit import AuditEntry, AuditLog, AuditRow, CarriedRows, ChainHead
from resolvers import audit
from resolvers.applications import decide
from tests.applications.conftest import Stack, granted_family

#: agencies whose answers are personal data read (the bank and the messaging gateway are told,
#: not asked; the identity provider is the gateway's own)
NOT_READS = {"identity", "bank", "messaging"}

REFUSED = {
    "representativeFin": "R01A1XZ",
    "representativeIdCard": "AA6010001",
    "members": ["R01A1XZ", "R01A2XZ"],
    "phone": "+994551234567",
}

TRACKER = """
{ myDataAccessLog(first: 100) {
    edges { node { agency dataItem purpose applicationId allowed } } } }"""


async def _rows(stack: Stack) -> list[AuditRow]:
    return [row async for row in AuditLog(stack.database).rows()]


async def _messages(stack: Stack, *, agency: str | None = None) -> dict[str, str]:
    """Every message the reading agencies (or ``agency``) received: its X-Road id → its X-Road
    issue."""
    raw: dict[str, Any] = (await stack.mocks.get("/_admin/calls")).json()
    found: dict[str, str] = {}
    for name, operations in raw.items():
        if name in NOT_READS or agency not in (None, name):
            continue
        for operation in operations.values():
            assert operation["count"] == len(operation["last"])  # small scenarios: all kept
            for call in operation["last"]:
                found[call["id"]] = call["issue"]
    return found


def _reads(rows: Sequence[AuditRow]) -> list[AuditEntry]:
    return [r.entry for r in rows if r.entry.data_item != "decision"]


def _once_each(reads: Sequence[AuditEntry]) -> None:
    """One row per person, agency, data item and attempt (a request, a worker round)."""
    keys = Counter(
        (e.subject_fin, e.agency, e.data_item, e.application_id, e.correlation_id) for e in reads
    )
    assert max(keys.values()) == 1, [k for k, n in keys.items() if n > 1]


def _issued_as_recorded(reads: Sequence[AuditEntry], messages: dict[str, str]) -> None:
    """Each row's X-Road ids are messages the agencies got, issued for what the row says:
    the application's id, or the caller's purpose."""
    for e in reads:
        for xroad_id in e.xroad_ids:
            assert messages[xroad_id] == (e.application_id or e.purpose), e


async def _intact(stack: Stack) -> None:
    assert (await AuditLog(stack.database).verify()).intact


@pytest.mark.parametrize(
    ("fields", "outcome"),
    [(granted_family(1), "GRANTED"), (REFUSED, "REFUSED")],
    ids=["granted", "refused"],
)
async def test_every_read_of_a_decided_application_is_in_the_log_once_with_its_id(
    stack: Stack, fields: dict[str, Any], outcome: str
) -> None:
    fin, members = fields["representativeFin"], fields["members"]
    token = stack.citizen(fin)
    payload = await stack.submit(token, idempotencyKey="audited-1", **fields)
    application = payload["application"]
    assert application["status"] == outcome
    rows = await _rows(stack)
    messages = await _messages(stack)

    reads = _reads(rows)
    # every message an agency received is accounted for in the log, and nothing else is
    assert {x for e in reads for x in e.xroad_ids} == set(messages)
    _once_each(reads)
    _issued_as_recorded(reads, messages)
    identification = [e for e in reads if e.application_id is None]
    assessment = [e for e in reads if e.application_id == application["id"]]
    assert len(identification) + len(assessment) == len(reads)
    assert {e.purpose for e in identification} == {"self-service"}
    assert {e.purpose for e in assessment} == {"application"}
    assert {(fin, "population", "persons")} <= {
        (e.subject_fin, e.agency, e.data_item) for e in identification
    }
    assert {"population", "tax", "property", "vehicles"} <= {e.agency for e in assessment}
    assert {e.subject_fin for e in assessment} == set(members)
    # the decision: one row per member, after the reads it rests on
    decided = [r for r in rows if r.entry.data_item == "decision"]
    assert sorted(r.entry.subject_fin for r in decided) == sorted(members)
    assert {(r.entry.application_id, r.entry.reason) for r in decided} == {
        (application["id"], "decided")
    }
    assert max(r.seq for r in rows if r.entry.data_item != "decision") < min(r.seq for r in decided)
    await _intact(stack)

    # and the family sees who read what for the application
    tracker = await stack.query(TRACKER, token)
    nodes = [e["node"] for e in tracker["data"]["myDataAccessLog"]["edges"]]
    for_application = {(n["agency"], n["dataItem"]) for n in nodes if n["applicationId"]}
    assert ("vemtas", "decision") in for_application
    assert {("tax", "incomes"), ("vehicles", "vehicles")} <= for_application


async def test_an_application_waiting_for_data_has_its_reads_in_the_log_at_every_attempt(
    stack: Stack,
) -> None:
    await stack.fault("property", "down")
    token = stack.citizen("G13A1XZ")
    payload = await stack.submit(token, idempotencyKey="audited-2", **granted_family(13))
    application = payload["application"]
    assert application["status"] == "AWAITING_DATA"
    waiting = await _rows(stack)
    assert not [r for r in waiting if r.entry.data_item == "decision"]
    messages = await _messages(stack)
    failed = await _messages(stack, agency="property")
    # every message but the property registry's (it failed: nothing was read) is accounted for
    assert failed
    assert {x for e in _reads(waiting) for x in e.xroad_ids} == set(messages) - set(failed)
    assert "property" not in {e.agency for e in _reads(waiting)}
    assert {"tax", "vehicles"} <= {
        e.agency for e in _reads(waiting) if e.application_id == application["id"]
    }
    _once_each(_reads(waiting))
    _issued_as_recorded(_reads(waiting), messages)
    await _intact(stack)

    await stack.heal()
    stack.clock.later(3600)
    await stack.settle()
    decided_row = await stack.database.get_application(application["id"])
    assert decided_row is not None and decided_row.status is ApplicationStatus.GRANTED
    rows = await _rows(stack)
    later = _reads(rows[len(waiting) :])
    assert {e.actor_sub for e in later} == {"vemtas-worker"}
    assert {e.application_id for e in later} == {application["id"]}
    assert ("property", "real_estate") in {(e.agency, e.data_item) for e in later}
    _once_each(_reads(rows))
    messages = await _messages(stack)
    _issued_as_recorded(_reads(rows), messages)
    assert {x for e in _reads(rows) for x in e.xroad_ids} == set(messages) - set(failed)
    decided = [r.entry for r in rows if r.entry.data_item == "decision"]
    assert sorted(e.subject_fin for e in decided) == ["G13A1XZ", "G13A2XZ"]
    assert {e.actor_sub for e in decided} == {"vemtas-worker"}
    await _intact(stack)


async def test_a_failed_identification_is_answered_after_its_read_is_in_the_log(
    stack: Stack,
) -> None:
    fields = {**granted_family(3), "representativeIdCard": "AA0000000"}
    payload = await stack.submit(stack.citizen("G03A1XZ"), idempotencyKey="audited-3", **fields)
    assert payload["application"] is None
    assert [e["code"] for e in payload["userErrors"]] == ["IDENTIFICATION_FAILED"]

    reads = _reads(await _rows(stack))
    messages = await _messages(stack)
    assert [(e.subject_fin, e.agency, e.data_item, e.allowed) for e in reads] == [
        ("G03A1XZ", "population", "persons", True)
    ]
    assert set(reads[0].xroad_ids) == set(messages)
    _issued_as_recorded(reads, messages)
    assert await stack.database.applications_for_fin("G03A1XZ") == []
    await _intact(stack)


class _LogAway(AuditLog):
    """An audit log that cannot take rows, standalone or carried."""

    async def append(self, entries: Sequence[AuditEntry]) -> ChainHead:
        raise OSError("the disk is full")

    def carried(self, entries: Sequence[AuditEntry]) -> CarriedRows:
        return _Refused(self._db, tuple(entries))


class _Refused(CarriedRows):
    async def __call__(self, connection: AsyncConnection) -> None:
        raise OSError("the disk is full")


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        # the registration that was to carry the rows fails with them: the database's error
        (granted_family(4), "DATABASE_UNAVAILABLE"),
        # nothing carries them: they are appended on their own, and that fails
        ({**granted_family(4), "representativeIdCard": "AA0000000"}, "audit_unavailable"),
    ],
    ids=["identified", "identification-failed"],
)
async def test_without_the_audit_log_nothing_is_answered_and_nothing_registered(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, fields: dict[str, Any], error: str
) -> None:
    monkeypatch.setattr(audit, "AuditLog", _LogAway)
    body = await stack.query(
        """mutation($input: SubmitApplicationInput!) {
             submitApplication(input: $input) { application { id } userErrors { code } } }""",
        stack.citizen("G04A1XZ"),
        {"input": {"idempotencyKey": "audited-4", **fields}},
    )

    assert body["data"] is None or body["data"]["submitApplication"] is None
    [found] = body["errors"]
    assert error in (found["extensions"]["code"], found["extensions"].get("reason"))
    assert "IDENTIFICATION_FAILED" not in str(body)  # not even whether the ID card matched
    assert await stack.database.applications_for_fin("G04A1XZ") == []
    assert await _rows(stack) == []


async def test_a_decision_another_decider_made_first_leaves_the_losers_reads_and_no_decision(
    stack: Stack,
) -> None:
    payload = await stack.submit(
        stack.citizen("G05A1XZ"), idempotencyKey="audited-5", **granted_family(5)
    )
    application_id = payload["application"]["id"]
    current = await stack.database.get_application(application_id)
    assert current is not None and current.status is ApplicationStatus.GRANTED
    before = len(await _rows(stack))

    # the worker took it up while it was still registered; the submitter decided first
    stale = replace(current, status=ApplicationStatus.REGISTERED, version=1)
    result = await decide(stack.worker.context(), stale)

    assert result.status is ApplicationStatus.GRANTED
    assert len(await stack.database.decisions(application_id)) == 1
    new = [r.entry for r in (await _rows(stack))[before:]]
    # the family lookup it made is in the log; no second decision
    assert {(e.subject_fin, e.agency, e.data_item) for e in new} == {
        ("G05A1XZ", "population", "families"),
        ("G05A2XZ", "population", "families"),
    }
    assert {(e.actor_sub, e.application_id) for e in new} == {("vemtas-worker", application_id)}
    await _intact(stack)


class _DecisionFails(AuditLog):
    """The transaction that carries a decision's rows fails after appending them."""

    def carried(self, entries: Sequence[AuditEntry]) -> CarriedRows:
        if any(e.data_item == "decision" for e in entries):
            return _FailsAfter(self._db, tuple(entries))
        return super().carried(entries)


class _FailsAfter(CarriedRows):
    async def __call__(self, connection: AsyncConnection) -> None:
        await super().__call__(connection)
        raise RuntimeError("the decision's transaction fails")


async def test_a_decision_whose_transaction_fails_leaves_neither_it_nor_its_rows(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "AuditLog", _DecisionFails)
    token = stack.citizen("G06A1XZ")
    payload = await stack.submit(token, idempotencyKey="audited-6", **granted_family(6))
    application_id = payload["application"]["id"]

    # the caller gets the application as far as it got; the worker will take it over
    assert payload["application"]["status"] == "ASSESSING"
    assert await stack.database.decisions(application_id) == []
    assert await stack.database.card_order(application_id) is None
    assert {n.kind.value for n in await stack.database.notifications(application_id)} == {
        "REGISTERED"
    }
    rows = await _rows(stack)
    assert not [r for r in rows if r.entry.data_item == "decision"]
    # the reads the failed decision rested on are in the log (appended on their own), once
    reads = _reads(rows)
    assert {"tax", "vehicles"} <= {e.agency for e in reads if e.application_id == application_id}
    _once_each(reads)
    assert {x for e in reads for x in e.xroad_ids} == set(await _messages(stack))
    await _intact(stack)

    monkeypatch.undo()
    stack.clock.later(stack.policy.takeover_after + 1)
    await stack.settle()
    decided_row = await stack.database.get_application(application_id)
    assert decided_row is not None and decided_row.status is ApplicationStatus.GRANTED
    decided = [r.entry for r in await _rows(stack) if r.entry.data_item == "decision"]
    assert sorted(e.subject_fin for e in decided) == ["G06A1XZ", "G06A2XZ"]
    await _intact(stack)
