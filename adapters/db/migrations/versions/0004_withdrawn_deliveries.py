"""Deliveries a reassessment withdraws: a notice (and its outbox item) WITHDRAWN, a card order
CANCELLED, when the new decision makes them untrue before they went out.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

The ``status`` columns of ``card_orders`` and ``notifications`` widen from 8 to 16 characters
(as ``outbox.status`` is) and the CHECK constraints of all three admit the new status. SQLite
cannot alter a column or a constraint: each table is copied (batch mode), rows, ids, indexes and
foreign keys kept.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table: (statuses before, the one added, what it becomes on a downgrade)
STATUSES = {
    "card_orders": (("PENDING", "ORDERED", "FAILED"), "CANCELLED", "FAILED"),
    "notifications": (("PENDING", "SENT", "FAILED", "DEAD"), "WITHDRAWN", "DEAD"),
    "outbox": (("PENDING", "IN_FLIGHT", "DONE", "DEAD"), "WITHDRAWN", "DEAD"),
}
WIDENED = ("card_orders", "notifications")


def _statuses(table: str, statuses: Sequence[str], width: tuple[int, int] | None) -> None:
    """The CHECK constraint of ``table.status`` admits ``statuses``; ``width``: (from, to)."""
    condition = "status IN ({})".format(", ".join(f"'{status}'" for status in statuses))
    name = op.f(f"ck_{table}_status")
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(name, type_="check")
        if width is not None:
            batch.alter_column(
                "status",
                existing_type=sa.String(width[0]),
                type_=sa.String(width[1]),
                existing_nullable=False,
            )
        batch.create_check_constraint(name, condition)


def upgrade() -> None:
    for table, (before, added, _) in STATUSES.items():
        _statuses(table, (*before, added), (8, 16) if table in WIDENED else None)


def downgrade() -> None:
    # a withdrawn delivery was not made: it reads as given up (an operator's requeue refuses
    # it, as it refuses any delivery a reassessment made untrue)
    for table, (before, added, back) in STATUSES.items():
        rows = sa.table(table, sa.column("status"))
        op.execute(sa.update(rows).where(rows.c.status == added).values(status=back))
        _statuses(table, before, (16, 8) if table in WIDENED else None)
