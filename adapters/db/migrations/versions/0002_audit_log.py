"""The audit log: append-only, hash-chained rows and the chain head.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21

Besides the tables, triggers refuse UPDATE and DELETE on ``audit_log`` and DELETE on
``audit_chain_head`` (on both dialects), so that no code path and no careless operator edits
the log; someone with the rights to drop the triggers is caught by the hash chain and the
exported chain heads instead (``vemtas audit verify``, docs/trust.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.db.types import UtcDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
GENESIS = "0" * 64

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION vemtas_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", Seq, autoincrement=False, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("actor_sub", sa.String(255), nullable=False),
        sa.Column("actor_role", sa.String(32), nullable=False),
        sa.Column("actor_institution", sa.String(200), nullable=True),
        sa.Column("subject_fin", sa.String(7), nullable=False),
        sa.Column("agency", sa.String(32), nullable=False),
        sa.Column("data_item", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("application_id", sa.String(64), nullable=True),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("xroad_ids", sa.Text(), nullable=False),
        sa.Column("correlation_id", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_subject_fin_seq"), "audit_log", ["subject_fin", "seq"])
    head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", Seq, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS}])

    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION vemtas_audit_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_chain_head_kept BEFORE DELETE ON audit_chain_head "
            "FOR EACH ROW EXECUTE FUNCTION vemtas_audit_append_only()"
        )
    else:
        for name, event, table in (
            ("audit_log_no_update", "UPDATE", "audit_log"),
            ("audit_log_no_delete", "DELETE", "audit_log"),
            ("audit_chain_head_kept", "DELETE", "audit_chain_head"),
        ):
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            )


def downgrade() -> None:
    # dropping a table drops its triggers and indexes
    op.drop_table("audit_chain_head")
    op.drop_table("audit_log")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS vemtas_audit_append_only()")
