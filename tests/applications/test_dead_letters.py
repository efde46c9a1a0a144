"""Dead letters, the operator's side: what the worker gave up on is listed by `vemtas outbox dead`
and put back by `vemtas outbox requeue`, then delivered on the worker's next round exactly once
(the item's own idempotency key goes with it); an item that is not dead, or an unknown id, is
refused and nothing changes."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.db import DeliveryKind, NewDecision, Outcome
from gateway.cli import build_parser
from gateway.commands import outbox as command
from tests.applications.conftest import Stack, Target

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"

REASSESS = """
mutation($id: ID!) {
  reassessApplication(id: $id) {
    application { decisionHistory { outcome } }
    userErrors { field code message }
  }
}"""


async def _refused_now(stack: Stack, application_id: str) -> None:
    """A reassessment refuses the application now (its decision recorded as one is)."""
    row = await stack.database.get_application(application_id)
    assert row is not None
    await stack.database.record_decision(
        row.id,
        NewDecision(Outcome.REFUSED, None, None, None, {}, "test", datetime.now(UTC)),
        [],
        row.version,
        reassessment=True,
    )


async def _dead(stack: Stack, **options: Any) -> list[dict[str, Any]]:
    """`vemtas outbox dead --json`, parsed."""
    out = io.StringIO()
    assert await command.show_dead(stack.database, as_json=True, out=out, **options) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


async def _requeue(stack: Stack, *ids: str, **options: Any) -> tuple[int, str, str]:
    """`vemtas outbox requeue`: exit status, standard output, standard error."""
    out, err = io.StringIO(), io.StringIO()
    status = await command.requeue(stack.database, ids, out=out, err=err, **options)
    return status, out.getvalue(), err.getvalue()


async def _keys(stack: Stack) -> list[str]:
    return [message["idempotency_key"] for message in await stack.messages()]


async def _snapshot(stack: Stack, application_id: str) -> tuple[object, ...]:
    """Everything a requeue could change, as the repository reads it."""
    return (
        await stack.database.events(application_id),
        await stack.database.notifications(application_id),
        await stack.database.card_order(application_id),
        await stack.database.dead_letters(),
    )


async def test_notices_dead_while_the_gateway_was_down_are_listed_requeued_and_sent_once(
    stack: Stack,
) -> None:
    await stack.fault("messaging", "down")
    token, application = await stack.grant(24)
    await stack.settle()
    assert await stack.messages() == []

    dead = await _dead(stack)
    assert sorted(d["kind"] for d in dead) == ["email", "email", "email", "sms", "sms", "sms"]
    assert {d["applicationNumber"] for d in dead} == {application["number"]}
    assert {d["applicationId"] for d in dead} == {application["id"]}
    assert {d["attempts"] for d in dead} == {stack.policy.outbox_max_attempts}
    assert all(d["lastError"].startswith("messaging: ") for d in dead)
    died = [d["deadAt"] for d in dead]
    assert None not in died and died == sorted(died, reverse=True)  # newest first
    table = io.StringIO()
    assert await command.show_dead(stack.database, out=table) == 0
    assert application["number"] in table.getvalue() and dead[0]["id"] in table.getvalue()
    seen = await stack.application(token, application["id"])
    assert {n["status"] for n in seen["notifications"]} == {"DEAD"}

    await stack.agency_back("messaging")
    status, out, _ = await _requeue(stack, *(d["id"] for d in dead))
    assert status == 0
    assert "requeued 6 item(s)" in out
    assert await _dead(stack) == []
    seen = await stack.application(token, application["id"])
    assert {n["status"] for n in seen["notifications"]} == {"PENDING"}

    rounds = await stack.settle()  # the next rounds deliver them, each notice after the last
    assert sum(r.delivered for r in rounds) == 6 and sum(r.dead for r in rounds) == 0
    keys = await _keys(stack)
    assert len(keys) == 6 and len(set(keys)) == 6
    assert [key.split(":")[2] for key in keys if key.endswith(":sms")] == [
        "registered",
        "decided-1",
        "card-ready",
    ]
    seen = await stack.application(token, application["id"])
    assert {n["status"] for n in seen["notifications"]} == {"SENT"}
    kinds = [e["kind"] for e in seen["events"]]
    requeued = [e["detail"] for e in seen["events"] if e["kind"] == "REQUEUED"]
    assert sorted(r["outboxId"] for r in requeued) == sorted(d["id"] for d in dead)
    assert {r["kind"] for r in requeued} == {"sms", "email"}
    assert kinds.index("REQUEUED") > max(i for i, k in enumerate(kinds) if k == "DEAD_LETTERED")
    assert kinds.count("NOTIFIED") == 6


async def test_a_card_order_whose_answer_was_lost_is_requeued_without_a_second_card(
    stack: Stack,
) -> None:
    await stack.fault("bank", "malformed")  # the bank orders the card, every answer is garbled
    token, application = await stack.grant(25)
    await stack.settle()
    assert len(await stack.orders()) == 1
    assert (await stack.application(token, application["id"]))["cardOrder"]["status"] == "FAILED"
    [dead] = await _dead(stack, kind=DeliveryKind.CARD_ORDER)
    assert dead["topic"] == "card.order" and dead["lastError"].startswith("bank: ")

    await stack.agency_back("bank")
    assert (await _requeue(stack, dead["id"]))[0] == 0
    order = await stack.database.card_order(application["id"])
    assert order is not None and order.status.value == "PENDING"
    await stack.settle()

    [ordered] = await stack.orders()  # the bank answered from its record: one card
    seen = await stack.application(token, application["id"])
    assert seen["cardOrder"]["status"] == "ORDERED"
    assert seen["cardOrder"]["orderId"] == ordered["order_id"]
    assert [n["kind"] for n in seen["notifications"]].count("CARD_READY") == 2
    assert len(set(await _keys(stack))) == len(await _keys(stack)) == 6
    [requeued] = [e["detail"] for e in seen["events"] if e["kind"] == "REQUEUED"]
    assert requeued["outboxId"] == dead["id"] and requeued["kind"] == "card_order"
    assert [e["kind"] for e in seen["events"]].count("CARD_ORDERED") == 1


async def test_a_notice_the_gateway_took_but_never_confirmed_is_not_sent_twice(
    stack: Stack,
) -> None:
    await stack.fault("messaging", "malformed")
    _, application = await stack.grant(26)
    await stack.settle()
    taken = await _keys(stack)
    dead = await _dead(stack)
    assert len(dead) == 6 and len(taken) == 6  # each went out once; no answer was readable

    await stack.agency_back("messaging")
    assert (await _requeue(stack, every=True))[0] == 0
    await stack.settle()

    assert sorted(await _keys(stack)) == sorted(taken)
    statuses = {n.status.value for n in await stack.database.notifications(application["id"])}
    assert statuses == {"SENT"}


async def test_requeueing_all_of_one_kind_leaves_the_others_dead(stack: Stack) -> None:
    await stack.fault("messaging", "down")
    _, application = await stack.grant(27)
    await stack.settle()
    await stack.agency_back("messaging")

    status, out, _ = await _requeue(stack, every=True, kind=DeliveryKind.SMS)
    await stack.settle()

    assert status == 0 and "requeued 3 item(s)" in out
    assert {d["kind"] for d in await _dead(stack)} == {"email"}
    assert [d["kind"] for d in await _dead(stack, kind=DeliveryKind.EMAIL, limit=2)] == [
        "email"
    ] * 2
    sent = await _keys(stack)
    assert len(sent) == 3 and all(key.endswith(":sms") for key in sent)
    notices = await stack.database.notifications(application["id"])
    assert {(n.channel.value, n.status.value) for n in notices} == {
        ("SMS", "SENT"),
        ("EMAIL", "DEAD"),
    }


async def test_requeueing_an_item_that_is_not_dead_or_unknown_changes_nothing(
    stack: Stack,
) -> None:
    await stack.fault("messaging", "down")
    _, application = await stack.grant(28)
    await stack.settle()
    await stack.agency_back("messaging")
    dead = await _dead(stack)
    sms = next(d["id"] for d in dead if d["kind"] == "sms")
    email = next(d["id"] for d in dead if d["kind"] == "email")
    assert (await _requeue(stack, sms))[0] == 0

    async def refused(*ids: str) -> str:
        before = await _snapshot(stack, application["id"])
        status, out, err = await _requeue(stack, *ids)
        assert status == 1 and out == ""
        assert "nothing requeued" in err
        assert await _snapshot(stack, application["id"]) == before
        return err

    # pending (requeued, not yet delivered): a second requeue would be a second delivery
    err = await refused(email, sms)
    assert f"{sms}: it is PENDING, not dead-lettered" in err and email not in err
    # leased by a worker that is delivering it
    [claimed] = await stack.database.claim_outbox(
        stack.clock.now(), 10, stack.policy.outbox_lease, max_attempts=4
    )
    assert claimed.id == sms
    assert f"{sms}: it is IN_FLIGHT" in await refused(sms)
    # delivered (the lease ran out; the next round delivered it)
    stack.clock.later(stack.policy.outbox_lease + 1)
    await stack.settle()
    assert await _keys(stack) == [claimed.dedupe_key]
    assert f"{sms}: it is DONE" in await refused(sms)
    # unknown
    assert f"{UNKNOWN_ID}: no such outbox item" in await refused(email, UNKNOWN_ID)

    await stack.settle()
    assert await _keys(stack) == [claimed.dedupe_key]  # the refusals delivered nothing more
    assert email in {d["id"] for d in await _dead(stack)}
    events = await stack.database.events(application["id"])
    assert [e.detail["outboxId"] for e in events if e.kind.value == "REQUEUED"] == [sms]


async def test_a_card_order_is_not_requeued_once_the_grant_is_gone(stack: Stack) -> None:
    await stack.fault("bank", "down")
    await stack.fault("messaging", "down")
    _, application = await stack.grant(29)
    await stack.settle()
    await stack.agency_back("bank")
    await stack.agency_back("messaging")
    card = next(d for d in await _dead(stack) if d["kind"] == "card_order")
    await _refused_now(stack, application["id"])

    status, _, err = await _requeue(stack, card["id"])
    assert status == 1 and "now REFUSED" in err

    status, out, err = await _requeue(stack, every=True)
    await stack.settle()

    # the registration notices go; the grant's notices are as untrue as its card now
    assert status == 0 and "requeued 2 item(s)" in out
    assert card["id"] in err and "left dead: 3" in err
    left = await _dead(stack)
    assert card["id"] in {d["id"] for d in left}
    assert sorted(d["kind"] for d in left) == ["card_order", "email", "sms"]
    assert await stack.orders() == []
    sent = await _keys(stack)
    assert len(sent) == 2 and all(":registered:" in key for key in sent)


async def _reassess(stack: Stack, application: dict[str, Any], district: str) -> dict[str, Any]:
    """``reassessApplication`` as a caseworker of the family's district; the application."""
    caseworker = stack.token("caseworker", sub=f"cw-{district}", districts=[district])
    body = await stack.query(REASSESS, caseworker, {"id": application["id"]})
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["reassessApplication"]
    assert payload["userErrors"] == []
    reassessed: dict[str, Any] = payload["application"]
    return reassessed


def _named(err: str, why: str) -> set[str]:
    """The outbox ids that the command's standard error gives ``why`` for."""
    return {line.split()[0].rstrip(":") for line in err.splitlines() if why in line}


async def test_a_decision_notice_is_not_requeued_once_a_reassessment_has_superseded_it(
    stack: Stack,
) -> None:
    await stack.fault("messaging", "down")
    token, application = await stack.grant(31)  # Nəsimi
    await stack.settle()
    dead = await _dead(stack)
    assert len(dead) == 6  # registered, decided, card ready: SMS and e-mail each
    await stack.agency_back("messaging")
    reassessed = await _reassess(stack, application, "Nəsimi")  # the same facts: granted again
    assert [d["outcome"] for d in reassessed["decisionHistory"]] == ["GRANTED", "GRANTED"]
    await stack.settle()
    told = await _keys(stack)
    assert sorted(told) == [f"msg:{application['id']}:decided-2:{c}" for c in ("email", "sms")]

    # named: all or none; the first decision's notices are refused, nothing changes
    before = await _snapshot(stack, application["id"])
    status, out, err = await _requeue(stack, *(d["id"] for d in dead))
    assert status == 1 and out == "" and "nothing requeued" in err
    outdated = _named(err, "a notice of decision 1, superseded by decision 2 (reassessed)")
    assert len(outdated) == 2 and outdated < {d["id"] for d in dead}
    assert await _snapshot(stack, application["id"]) == before

    # all: the rest goes, the outdated ones stay dead and are reported
    status, out, err = await _requeue(stack, every=True)
    assert status == 0 and "requeued 4 item(s)" in out
    assert "left dead: 2 item(s)" in err and _named(err, "superseded by decision 2") == outdated
    await stack.settle()

    assert {d["id"] for d in await _dead(stack)} == outdated
    sent = await _keys(stack)
    assert len(sent) == len(set(sent)) == 6 and not any(":decided-1:" in key for key in sent)
    notices = await stack.database.notifications(application["id"])
    assert {n.idempotency_key for n in notices if n.status.value == "DEAD"} == {
        f"msg:{application['id']}:decided-1:{c}" for c in ("sms", "email")
    }
    seen = await stack.application(token, application["id"])
    requeued = [e["detail"]["outboxId"] for e in seen["events"] if e["kind"] == "REQUEUED"]
    assert len(requeued) == 4 and not outdated & set(requeued)
    status, _, err = await _requeue(stack, *outdated)  # still refused, one by one
    assert status == 1 and _named(err, "superseded by decision 2") == outdated


async def test_a_card_ready_notice_is_not_requeued_once_the_grant_is_gone(stack: Stack) -> None:
    await stack.fault("messaging", "down")
    _, application = await stack.grant(32)
    await stack.settle()
    assert len(await stack.orders()) == 1  # the bank made the card; the notices died
    await stack.agency_back("messaging")
    await _refused_now(stack, application["id"])

    status, out, err = await _requeue(stack, every=True)
    await stack.settle()

    assert status == 0 and "requeued 2 item(s)" in out and "left dead: 4 item(s)" in err
    assert len(_named(err, "a card-ready notice of an application now REFUSED")) == 2
    assert len(_named(err, "a notice of decision 1, superseded by decision 2")) == 2
    sent = await _keys(stack)
    assert len(sent) == 2 and all(":registered:" in key for key in sent)
    notices = await stack.database.notifications(application["id"])
    assert {(n.kind.value, n.status.value) for n in notices} == {
        ("REGISTERED", "SENT"),
        ("DECIDED", "DEAD"),
        ("CARD_READY", "DEAD"),
    }


# --- the command as the operator runs it ----------------------------------------------------


@pytest.mark.parametrize("target", ["sqlite"], indirect=True)  # the URL names the database
async def test_vemtas_outbox_lists_and_requeues_the_configured_database(
    stack: Stack,
    target: Target,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("VEMTAS_DATABASE_URL", target.url)
    await stack.fault("messaging", "down")
    _, application = await stack.grant(30)
    await stack.settle()
    await stack.agency_back("messaging")

    def vemtas(*words: str) -> int:
        args = build_parser().parse_args(["outbox", *words])
        status: int = args._run(args)
        return status

    capsys.readouterr()  # the stack's own log lines so far
    assert await asyncio.to_thread(vemtas, "dead", "--json", "--limit", "2") == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(listed) == 2 and listed[0]["applicationNumber"] == application["number"]

    assert await asyncio.to_thread(vemtas, "dead") == 0
    table = capsys.readouterr().out
    assert table.startswith("DIED (UTC)") and "more (--limit)" not in table
    assert table.count(application["number"]) == 6
    assert await asyncio.to_thread(vemtas, "dead", "--limit", "2") == 0
    assert capsys.readouterr().out.endswith("… and 4 more (--limit)\n")

    assert await asyncio.to_thread(vemtas, "requeue", listed[0]["id"], UNKNOWN_ID) == 1
    assert f"{UNKNOWN_ID}: no such outbox item" in capsys.readouterr().err
    assert await asyncio.to_thread(vemtas, "requeue", listed[0]["id"]) == 0
    assert "requeued 1 item(s)" in capsys.readouterr().out
    assert await asyncio.to_thread(vemtas, "requeue") == 2
    assert "--all" in capsys.readouterr().err
    assert await asyncio.to_thread(vemtas, "requeue", "--kind", "sms", listed[1]["id"]) == 2

    await stack.settle()
    [sent] = await _keys(stack)
    assert sent.startswith(f"msg:{application['id']}:") and sent.endswith(f":{listed[0]['kind']}")
    assert listed[0]["id"] not in {d["id"] for d in await _dead(stack)}
    assert len(await _dead(stack)) == 5


def test_vemtas_outbox_dead_refuses_a_limit_below_one(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["outbox", "dead", "--limit", "0"])
    assert exit_.value.code == 2
    assert "--limit: must be a whole number from 1, not '0'" in capsys.readouterr().err


def test_vemtas_outbox_reports_a_database_that_is_away(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VEMTAS_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:1/none")
    args = argparse.Namespace(action="dead", limit=5, kind=None, json=False)

    assert command.run(args) == 1
    assert "vemtas outbox dead: the database is unavailable" in capsys.readouterr().err
