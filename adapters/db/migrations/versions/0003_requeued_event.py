"""The REQUEUED application event: an operator put a dead-lettered delivery back
(``vemtas outbox requeue``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Only the CHECK constraint on ``application_events.kind`` changes. SQLite cannot alter a
constraint: the table is copied (batch mode), its rows, ids, index and foreign key kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = (
    "REGISTERED",
    "ASSESSMENT_STARTED",
    "AWAITING_DATA",
    "DECIDED",
    "REASSESSED",
    "CARD_ORDERED",
    "NOTIFIED",
    "FLAGGED_OVERDUE",
    "DELIVERY_FAILED",
    "DEAD_LETTERED",
)
AFTER = (*BEFORE, "REQUEUED")


def _kinds(kinds: Sequence[str]) -> None:
    condition = "kind IN ({})".format(", ".join(f"'{kind}'" for kind in kinds))
    name = op.f("ck_application_events_kind")
    with op.batch_alter_table("application_events") as batch:
        batch.drop_constraint(name, type_="check")
        batch.create_check_constraint(name, condition)


def upgrade() -> None:
    _kinds(AFTER)


def downgrade() -> None:
    # the events an operator's requeue wrote cannot be told as another kind: they go
    op.execute("DELETE FROM application_events WHERE kind = 'REQUEUED'")
    _kinds(BEFORE)
