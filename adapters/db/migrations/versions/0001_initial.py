"""Applications, decisions, events, card orders, notifications and the outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.db.types import Json, Money, UtcDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.String(36)
EventId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def check(table: str, column: str, *values: str) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=op.f(f"ck_{table}_{column}"))


def fk(table: str, column: str, referred: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.id"], name=op.f(f"fk_{table}_{column}_{referred}")
    )


def index(table: str, *columns: str) -> None:
    op.create_index(op.f(f"ix_{table}_{'_'.join(columns)}"), table, list(columns))


def upgrade() -> None:
    op.create_table(
        "registration_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_registration_counters")),
    )

    op.create_table(
        "applications",
        sa.Column("id", Id, nullable=False),
        sa.Column("number", sa.String(24), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("request_digest", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("submitted_by", sa.String(200), nullable=False),
        sa.Column("submitted_role", sa.String(32), nullable=False),
        sa.Column("representative_fin", sa.String(7), nullable=False),
        sa.Column("household_id", sa.String(64), nullable=True),
        sa.Column("district", sa.String(64), nullable=True),
        sa.Column("member_fins", Json, nullable=False),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("submitted_at", UtcDateTime(), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("decision_due_on", sa.Date(), nullable=False),
        sa.Column("missing_data", Json, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("flagged_overdue", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        check(
            "applications",
            "status",
            "REGISTERED",
            "ASSESSING",
            "AWAITING_DATA",
            "GRANTED",
            "REFUSED",
        ),
        check("applications", "channel", "ONLINE", "MOBILE", "KIOSK", "POST_OFFICE", "HELP_DESK"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_applications_idempotency_key")),
        sa.UniqueConstraint("number", name=op.f("uq_applications_number")),
    )
    index("applications", "submitted_at", "id")
    index("applications", "district", "submitted_at", "id")
    index("applications", "household_id")
    index("applications", "submitted_by", "submitted_at")
    index("applications", "status", "next_attempt_at")
    index("applications", "status", "decision_due_on")

    op.create_table(
        "application_members",
        sa.Column("application_id", Id, nullable=False),
        sa.Column("fin", sa.String(7), nullable=False),
        fk("application_members", "application_id", "applications"),
        sa.PrimaryKeyConstraint("application_id", "fin", name=op.f("pk_application_members")),
    )
    index("application_members", "fin")

    op.create_table(
        "decisions",
        sa.Column("id", Id, nullable=False),
        sa.Column("application_id", Id, nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(8), nullable=False),
        sa.Column("monthly_amount", Money(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("record", Json, nullable=False),
        sa.Column("rules_version", sa.String(64), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=False),
        sa.Column("superseded", sa.Boolean(), nullable=False),
        check("decisions", "outcome", "GRANTED", "REFUSED"),
        fk("decisions", "application_id", "applications"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint(
            "application_id", "sequence", name=op.f("uq_decisions_application_id_sequence")
        ),
    )

    op.create_table(
        "application_events",
        sa.Column("id", EventId, autoincrement=True, nullable=False),
        sa.Column("application_id", Id, nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("detail", Json, nullable=False),
        check(
            "application_events",
            "kind",
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
        ),
        fk("application_events", "application_id", "applications"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_events")),
    )
    index("application_events", "application_id", "id")

    op.create_table(
        "card_orders",
        sa.Column("id", Id, nullable=False),
        sa.Column("application_id", Id, nullable=False),
        sa.Column("decision_id", Id, nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=True),
        sa.Column("iban", sa.String(34), nullable=True),
        sa.Column("branch_address", sa.String(500), nullable=True),
        sa.Column("pickup_from", sa.Date(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        check("card_orders", "status", "PENDING", "ORDERED", "FAILED"),
        fk("card_orders", "application_id", "applications"),
        fk("card_orders", "decision_id", "decisions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_orders")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_card_orders_idempotency_key")),
    )
    index("card_orders", "application_id")

    op.create_table(
        "notifications",
        sa.Column("id", Id, nullable=False),
        sa.Column("application_id", Id, nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("provider_message_id", sa.String(128), nullable=True),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        check("notifications", "channel", "SMS", "EMAIL"),
        check("notifications", "kind", "REGISTERED", "DECIDED", "CARD_READY"),
        check("notifications", "status", "PENDING", "SENT", "FAILED", "DEAD"),
        fk("notifications", "application_id", "applications"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_notifications_idempotency_key")),
    )
    index("notifications", "application_id")

    op.create_table(
        "outbox",
        sa.Column("id", Id, nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("payload", Json, nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("lease_until", UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("application_id", Id, nullable=True),
        sa.Column("card_order_id", Id, nullable=True),
        sa.Column("notification_id", Id, nullable=True),
        check("outbox", "status", "PENDING", "IN_FLIGHT", "DONE", "DEAD"),
        fk("outbox", "application_id", "applications"),
        fk("outbox", "card_order_id", "card_orders"),
        fk("outbox", "notification_id", "notifications"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    index("outbox", "status", "next_attempt_at")
    index("outbox", "status", "lease_until")


def downgrade() -> None:
    # dependents first; dropping a table drops its indexes and constraints
    for table in (
        "outbox",
        "notifications",
        "card_orders",
        "application_events",
        "decisions",
        "application_members",
        "applications",
        "registration_counters",
    ):
        op.drop_table(table)
