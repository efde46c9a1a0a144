"""An index for the order of a family's notices: a notice waits while a notice of the same
application enqueued before it is still to be delivered (``adapters/db/delivery.py``), a lookup
by ``(application_id, created_at)`` on every claim.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_outbox_application_id_created_at"


def upgrade() -> None:
    op.create_index(op.f(NAME), "outbox", ["application_id", "created_at"])


def downgrade() -> None:
    op.drop_index(op.f(NAME), table_name="outbox")
