"""`vemtas audit verify`: walk the audit log's hash chain from the first row, compare its end
with the database's chain head and with every chain head exported under
``<VEMTAS_VAR_DIR>/audit-heads`` (or ``--heads DIR``), and name the first broken link.

Exit status 0: the chain is intact (the last row and its hash are printed, to be kept);
1: it is broken (the row and what is wrong there), the exported heads are unreadable, or the
database is unavailable.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--heads",
        help="folder of exported chain heads (default: VEMTAS_VAR_DIR/audit-heads)",
    )
    parser.add_argument(
        "--export",
        action="store_true",
        help="after a successful check, export the current chain head too",
    )


def run(args: argparse.Namespace) -> int:
    import asyncio
    import sys
    from datetime import UTC, datetime
    from pathlib import Path

    from adapters.db import open_database
    from adapters.db.audit import (
        AuditLog,
        UnreadableHeads,
        Verification,
        export_head,
        read_exported_heads,
    )
    from adapters.db.errors import DatabaseUnavailable
    from gateway.settings import Settings

    settings = Settings.from_env()
    heads_dir = Path(args.heads) if args.heads else settings.var_dir / "audit-heads"

    async def verify() -> Verification:
        async with open_database(settings.database_url) as database:
            return await AuditLog(database).verify(read_exported_heads(heads_dir))

    try:
        result = asyncio.run(verify())
    except DatabaseUnavailable:
        print("vemtas audit verify: the database is unavailable", file=sys.stderr)
        return 1
    except UnreadableHeads as exc:
        print(f"vemtas audit verify: exported chain heads: {exc}", file=sys.stderr)
        return 1
    if not result.intact:
        print(
            f"audit log BROKEN at row {result.broken_at}: {result.problem}\n"
            f"{result.rows} rows before it verified; the last good link is row "
            f"{result.head.seq} ({result.head.hash})",
            file=sys.stderr,
        )
        return 1
    print(f"audit log intact: {result.rows} rows; head row {result.head.seq} {result.head.hash}")
    if args.export and result.head.seq > 0:
        export_head(heads_dir, result.head, datetime.now(UTC))
    return 0
