"""The registry's family on the application (``applications.household_fins``): with the
representative, the citizens who may read it. Until now the declared members could, and the
declaration is the representative's word, not the registry's.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

A nullable column: applications assessed before this revision have none until assessed again,
and meanwhile only their representative (and officials) read them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.db.types import Json

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("applications", sa.Column("household_fins", Json, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("household_fins")
