"""What an ordered card pays follows a reassessment: the card order's STOPPED status (the bank
stopped its payments) and the CARD_TERMS_CHANGED application event (the bank took a change).
Outbox items of the new topic ``card.terms`` need nothing: the topic column is free text.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22

Only CHECK constraints change. SQLite cannot alter a constraint: each table is copied (batch
mode), its rows, ids, indexes and foreign keys kept.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CARD_STATUSES = ("PENDING", "ORDERED", "FAILED", "CANCELLED")
EVENT_KINDS = (
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
    "REQUEUED",
)


def _one_of(table: str, column: str, values: Sequence[str]) -> None:
    condition = "{} IN ({})".format(column, ", ".join(f"'{value}'" for value in values))
    name = op.f(f"ck_{table}_{column}")
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(name, type_="check")
        batch.create_check_constraint(name, condition)


def upgrade() -> None:
    _one_of("card_orders", "status", (*CARD_STATUSES, "STOPPED"))
    _one_of("application_events", "kind", (*EVENT_KINDS, "CARD_TERMS_CHANGED"))


def downgrade() -> None:
    # a card whose payments the bank stopped reads as ordered; the changes' events go (the
    # bank keeps its own record of them)
    cards = sa.table("card_orders", sa.column("status"))
    op.execute(sa.update(cards).where(cards.c.status == "STOPPED").values(status="ORDERED"))
    op.execute("DELETE FROM application_events WHERE kind = 'CARD_TERMS_CHANGED'")
    _one_of("card_orders", "status", CARD_STATUSES)
    _one_of("application_events", "kind", EVENT_KINDS)
