"""The schema as SQLAlchemy Core tables. Migrations (``migrations/versions``) create exactly
this; ``tests/db/test_migrations.py`` compares the two.

Identifiers are UUID strings (portable, and safe to show). Closed sets are short strings with a
CHECK constraint, not native PostgreSQL enums, so that adding a value is a plain migration on
both dialects.
"""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa

from adapters.db.records import (
    ApplicationStatus,
    CardOrderStatus,
    Channel,
    EventKind,
    MessageChannel,
    NotificationKind,
    NotificationStatus,
    OutboxStatus,
    Outcome,
)
from adapters.db.types import Json, Money, UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

Id = sa.String(36)
EventId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite: rowid alias


def one_of(column: str, values: type[StrEnum]) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{member.value}'" for member in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=column)


registration_counters = sa.Table(
    "registration_counters",
    metadata,
    # one row per year: the last registration number handed out that year
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("last_number", sa.Integer, nullable=False),
)

applications = sa.Table(
    "applications",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("number", sa.String(24), nullable=False, unique=True),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("request_digest", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("submitted_by", sa.String(200), nullable=False),
    sa.Column("submitted_role", sa.String(32), nullable=False),
    sa.Column("representative_fin", sa.String(7), nullable=False),
    sa.Column("household_id", sa.String(64), nullable=True),
    sa.Column("district", sa.String(64), nullable=True),
    sa.Column("member_fins", Json, nullable=False),
    # the registry's family, once assessed (who may read the application; member_fins is only
    # what was declared)
    sa.Column("household_fins", Json, nullable=True),
    sa.Column("phone", sa.String(32), nullable=True),
    sa.Column("email", sa.String(254), nullable=True),
    sa.Column("submitted_at", UtcDateTime, nullable=False),
    sa.Column("registered_on", sa.Date, nullable=False),
    sa.Column("decision_due_on", sa.Date, nullable=False),
    sa.Column("missing_data", Json, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("flagged_overdue", sa.Boolean, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    one_of("status", ApplicationStatus),
    one_of("channel", Channel),
    sa.Index(None, "submitted_at", "id"),
    sa.Index(None, "district", "submitted_at", "id"),
    sa.Index(None, "household_id"),
    sa.Index(None, "submitted_by", "submitted_at"),
    sa.Index(None, "status", "next_attempt_at"),
    sa.Index(None, "status", "decision_due_on"),
)

# Who the application concerns: the representative and the declared members, then the registry's
# family once assessed: indexed lookups by FIN for "my applications" and for the active-grant
# check, on both dialects.
application_members = sa.Table(
    "application_members",
    metadata,
    sa.Column("application_id", Id, sa.ForeignKey("applications.id"), primary_key=True),
    sa.Column("fin", sa.String(7), primary_key=True),
    sa.Index(None, "fin"),
)

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("application_id", Id, sa.ForeignKey("applications.id"), nullable=False),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("outcome", sa.String(8), nullable=False),
    sa.Column("monthly_amount", Money, nullable=True),
    sa.Column("period_start", sa.Date, nullable=True),
    sa.Column("period_end", sa.Date, nullable=True),
    sa.Column("record", Json, nullable=False),
    sa.Column("rules_version", sa.String(64), nullable=False),
    sa.Column("decided_at", UtcDateTime, nullable=False),
    sa.Column("superseded", sa.Boolean, nullable=False),
    sa.UniqueConstraint("application_id", "sequence"),
    one_of("outcome", Outcome),
)

application_events = sa.Table(
    "application_events",
    metadata,
    sa.Column("id", EventId, primary_key=True, autoincrement=True),
    sa.Column("application_id", Id, sa.ForeignKey("applications.id"), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("detail", Json, nullable=False),
    sa.Index(None, "application_id", "id"),
    one_of("kind", EventKind),
)

card_orders = sa.Table(
    "card_orders",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("application_id", Id, sa.ForeignKey("applications.id"), nullable=False),
    sa.Column("decision_id", Id, sa.ForeignKey("decisions.id"), nullable=True),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("order_id", sa.String(64), nullable=True),
    sa.Column("iban", sa.String(34), nullable=True),
    sa.Column("branch_address", sa.String(500), nullable=True),
    sa.Column("pickup_from", sa.Date, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index(None, "application_id"),
    one_of("status", CardOrderStatus),
)

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("application_id", Id, sa.ForeignKey("applications.id"), nullable=False),
    sa.Column("channel", sa.String(8), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("recipient", sa.String(254), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("provider_message_id", sa.String(128), nullable=True),
    sa.Column("sent_at", UtcDateTime, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index(None, "application_id"),
    one_of("channel", MessageChannel),
    one_of("kind", NotificationKind),
    one_of("status", NotificationStatus),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("topic", sa.String(64), nullable=False),
    sa.Column("payload", Json, nullable=False),
    sa.Column("dedupe_key", sa.String(200), nullable=False, unique=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("lease_until", UtcDateTime, nullable=True),
    sa.Column("last_error", sa.String(500), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("application_id", Id, sa.ForeignKey("applications.id"), nullable=True),
    sa.Column("card_order_id", Id, sa.ForeignKey("card_orders.id"), nullable=True),
    sa.Column("notification_id", Id, sa.ForeignKey("notifications.id"), nullable=True),
    # the claim query: due PENDING items and expired IN_FLIGHT leases
    sa.Index(None, "status", "next_attempt_at"),
    sa.Index(None, "status", "lease_until"),
    # a notice waits for the notices of its application enqueued before it (adapters/db/delivery)
    sa.Index(None, "application_id", "created_at"),
    one_of("status", OutboxStatus),
)

# --- the audit log (adapters/db/audit.py, docs/trust.md) -------------------------------------

# One row per read of a person's data (by agency and data item) and per decision; append-only
# and hash-chained: each row's hash covers its fields and the previous row's hash.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", EventId, primary_key=True, autoincrement=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("actor_sub", sa.String(255), nullable=False),
    sa.Column("actor_role", sa.String(32), nullable=False),
    sa.Column("actor_institution", sa.String(200), nullable=True),
    sa.Column("subject_fin", sa.String(7), nullable=False),
    sa.Column("agency", sa.String(32), nullable=False),
    sa.Column("data_item", sa.String(64), nullable=False),
    sa.Column("purpose", sa.String(64), nullable=False),
    sa.Column("application_id", sa.String(64), nullable=True),
    sa.Column("allowed", sa.Boolean, nullable=False),
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("xroad_ids", sa.Text, nullable=False),
    sa.Column("correlation_id", sa.String(64), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Index(None, "subject_fin", "seq"),
)

# A single row (id 1): the last sequence number and hash. Appends lock it (PostgreSQL
# SELECT … FOR UPDATE; SQLite's write lock), so that rows are chained one after another.
audit_chain_head = sa.Table(
    "audit_chain_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", EventId, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)
