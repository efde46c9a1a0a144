"""`vemtas outbox dead` and `vemtas outbox requeue`: the outbox items the worker gave up on (card
orders to the bank, SMS and e-mail notices), for operators.

    vemtas outbox dead [--json] [--limit N] [--kind card_order|card_terms|sms|email]
    vemtas outbox requeue ID... | --all [--kind card_order|card_terms|sms|email]

An item is dead-lettered after ``VEMTAS_OUTBOX_MAX_ATTEMPTS`` failed deliveries, or at once when
the bank or the messaging gateway refuses it or the worker cannot read it. ``dead`` lists them,
the most recently dead first; ``requeue`` puts them back for the worker's next round (its own
idempotency key goes with it, so nothing is delivered twice) and writes a REQUEUED event on the
application. Only dead items are requeued, and only while what they deliver is still true: not
a card order (or card-ready notice) of an application no longer granted, nor a decision notice
of a decision a reassessment has superseded. Naming one that is unknown, not dead or no longer
true changes nothing; ``--all`` leaves those dead and reports them on standard error.
Configuration as the gateway's (``VEMTAS_DATABASE_URL``).

Exit status 0: done; 1: refused (nothing changed) or the database is unavailable; 2: bad usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # the command loads the database stack only when it runs
    from adapters.db import Database, DeadLetter, DeliveryKind

KINDS = ("card_order", "card_terms", "sms", "email")
DEFAULT_LIMIT = 50


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="{dead,requeue}")
    dead = actions.add_parser("dead", help="list dead-lettered items, the most recently dead first")
    dead.add_argument("--json", action="store_true", help="one JSON object per line")
    dead.add_argument(
        "--limit",
        type=_positive,
        default=DEFAULT_LIMIT,
        help=f"at most N items (default {DEFAULT_LIMIT})",
    )
    dead.add_argument("--kind", choices=KINDS, help="only items of this kind")
    requeue = actions.add_parser(
        "requeue", help="put dead items back to be delivered on the worker's next round"
    )
    requeue.add_argument("ids", nargs="*", metavar="ID", help="outbox item ids (from `dead`)")
    requeue.add_argument("--all", dest="every", action="store_true", help="every dead item")
    requeue.add_argument("--kind", choices=KINDS, help="with --all: only items of this kind")


def _positive(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1, not {raw!r}")
    return value


def run(args: argparse.Namespace) -> int:
    import asyncio
    import os

    from adapters.db import DeliveryKind, open_database
    from adapters.db.errors import DatabaseUnavailable
    from gateway.settings import Settings

    name = f"vemtas outbox {args.action}"
    kind = DeliveryKind(args.kind) if args.kind else None
    if args.action == "requeue":
        problem = requeue_usage(args.ids, every=args.every, kind=kind)
        if problem is not None:
            print(f"{name}: {problem}", file=sys.stderr)
            return 2
    settings = Settings.from_env(os.environ)

    async def main() -> int:
        async with open_database(settings.database_url) as database:
            if args.action == "dead":
                return await show_dead(database, limit=args.limit, kind=kind, as_json=args.json)
            return await requeue(database, args.ids, every=args.every, kind=kind)

    try:
        return asyncio.run(main())
    except DatabaseUnavailable:
        print(f"{name}: the database is unavailable", file=sys.stderr)
        return 1


def requeue_usage(ids: Sequence[str], *, every: bool, kind: DeliveryKind | None) -> str | None:
    """What is wrong with the arguments of ``requeue``, or None."""
    if every and ids:
        return "give either outbox item ids or --all, not both"
    if not every and not ids:
        return "give the ids of dead items (see `vemtas outbox dead`), or --all"
    if kind is not None and not every:
        return "--kind chooses among --all; named items are requeued as named"
    return None


async def show_dead(
    database: Database,
    *,
    limit: int = DEFAULT_LIMIT,
    kind: DeliveryKind | None = None,
    as_json: bool = False,
    out: TextIO | None = None,
) -> int:
    """Print the dead-lettered items, the most recently dead first: a table, or with
    ``as_json`` one JSON object per line (nothing else)."""
    out = out or sys.stdout
    letters = await database.dead_letters(kind=kind)
    shown = letters[:limit]
    if as_json:
        import json

        for letter in shown:
            print(json.dumps(dead_letter_json(letter), ensure_ascii=False), file=out)
        return 0
    if not letters:
        print("no dead-lettered outbox items", file=out)
        return 0
    rows = [("DIED (UTC)", "KIND", "ATTEMPTS", "APPLICATION", "ID", "LAST ERROR")]
    rows += [
        (
            _when(letter.dead_at),
            letter.kind.value,
            str(letter.attempts),
            letter.application_number or "-",
            letter.id,
            letter.last_error or "-",
        )
        for letter in shown
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(5)]
    for *cells, error in rows:
        padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        print("  ".join((*padded, error)), file=out)
    if len(letters) > len(shown):
        print(f"… and {len(letters) - len(shown)} more (--limit)", file=out)
    return 0


async def requeue(
    database: Database,
    ids: Sequence[str],
    *,
    every: bool = False,
    kind: DeliveryKind | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Requeue the named dead items (all or none), or with ``every`` all dead items (of
    ``kind``); print what was requeued, and what was refused or kept dead and why."""
    from adapters.db import RequeueRefused

    out, err = out or sys.stdout, err or sys.stderr
    problem = requeue_usage(ids, every=every, kind=kind)
    if problem is not None:
        print(f"vemtas outbox requeue: {problem}", file=err)
        return 2
    try:
        done = await database.requeue_dead_letters(None if every else ids, kind=kind)
    except RequeueRefused as refused:
        print("vemtas outbox requeue: nothing requeued", file=err)
        for item_id, why in refused.refused.items():
            print(f"  {item_id}: {why}", file=err)
        return 1
    if done.requeued:
        print(
            f"requeued {len(done.requeued)} item(s); the worker delivers them on its next round:",
            file=out,
        )
        for letter in done.requeued:
            print(f"  {_describe(letter)}", file=out)
    else:
        print("no dead-lettered outbox items to requeue", file=out)
    if done.kept:
        print(f"left dead: {len(done.kept)} item(s)", file=err)
        for letter, why in done.kept:
            print(f"  {_describe(letter)}: {why}", file=err)
    return 0


def dead_letter_json(letter: DeadLetter) -> dict[str, object]:
    """One dead letter as ``vemtas outbox dead --json`` prints it."""
    return {
        "id": letter.id,
        "kind": letter.kind.value,
        "topic": letter.topic,
        "applicationId": letter.application_id,
        "applicationNumber": letter.application_number,
        "attempts": letter.attempts,
        "lastError": letter.last_error,
        "deadAt": None if letter.dead_at is None else letter.dead_at.isoformat(),
        "createdAt": letter.created_at.isoformat(),
    }


def _describe(letter: DeadLetter) -> str:
    return f"{letter.id}  {letter.kind.value}  {letter.application_number or '-'}"


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
