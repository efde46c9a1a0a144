"""An append hands its rows to the driver with the values bound once per append (not through
SQLAlchemy's per-row processing): what the database stores must be exactly what SQLAlchemy's
own INSERT of the same values stores, on both dialects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from adapters.db.audit import AuditEntry, AuditLog, row_hash
from adapters.db.repository import Database
from adapters.db.tables import audit_log
from tests.db.conftest import FakeClock

# the stored values as text, so that a different type or format shows
_COLUMNS = [sa.cast(column, sa.Text).label(column.name) for column in audit_log.c]


def _entries() -> list[AuditEntry]:
    return [
        AuditEntry(
            actor_sub="citizen-1",
            actor_role="citizen",
            actor_institution=institution,
            subject_fin="1234567",
            agency="tax",
            data_item="incomes",
            purpose="application",
            application_id=application_id,
            allowed=allowed,
            reason="read_for_application",
            xroad_ids=xroad_ids,
            correlation_id="corr-1",
        )
        for institution, application_id, allowed, xroad_ids in (
            (None, "app-1", True, ("x-1", "x-2")),
            ("Ministry", None, False, ()),
        )
    ]


async def test_stored_rows_equal_sqlalchemys_own_insert(db: Database, clock: FakeClock) -> None:
    clock.now = datetime(2026, 3, 2, 13, 0, 0, 120, tzinfo=timezone(timedelta(hours=4)))
    log = AuditLog(db)
    head = await log.append(_entries())
    rows = (await log.page(first=10)).rows[::-1]
    async with db.engine.connect() as connection:
        stored = (await connection.execute(sa.select(*_COLUMNS).order_by(audit_log.c.seq))).all()
        await connection.rollback()
        # the same rows through SQLAlchemy's INSERT with its bind processing, then rolled back
        async with connection.begin() as transaction:
            offset = 1000
            for row in rows:
                values: dict[str, Any] = {
                    "seq": row.seq + offset,
                    "at": row.at,
                    "allowed": row.entry.allowed,
                    "xroad_ids": " ".join(row.entry.xroad_ids),
                    "prev_hash": row.prev_hash,
                    "hash": row.hash,
                }
                for name in (
                    "actor_sub",
                    "actor_role",
                    "actor_institution",
                    "subject_fin",
                    "agency",
                    "data_item",
                    "purpose",
                    "application_id",
                    "reason",
                    "correlation_id",
                ):
                    values[name] = getattr(row.entry, name)
                await connection.execute(sa.insert(audit_log), values)
            reference = (
                await connection.execute(
                    sa.select(*_COLUMNS).where(audit_log.c.seq > offset).order_by(audit_log.c.seq)
                )
            ).all()
            await transaction.rollback()
    assert head.seq == 2
    assert [row[1:] for row in stored] == [row[1:] for row in reference]
    assert rows[0].at == datetime(2026, 3, 2, 9, 0, 0, 120, tzinfo=UTC)
    assert [row.entry for row in rows] == _entries()
    assert all(row_hash(r.seq, r.at, r.entry, r.prev_hash) == r.hash for r in rows)
    assert (await log.verify()).intact
