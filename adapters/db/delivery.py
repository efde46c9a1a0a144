"""The worker's side of the outbox (:class:`~adapters.db.repository.Database`: ``next_due``,
``claim_outbox``, ``complete_outbox_items``, ``fail_outbox``, ``due_for_retry``,
``flag_overdue``): what a round records, and its statements, built once per process.

Building a SQLAlchemy statement (coercions, operators, its cache key) cost the worker more
CPU than running it; these are built here at import, with bound parameters for what changes
(as :mod:`adapters.db.audit` does), and reused. Lists of ids go into ``expanding``
parameters; rows of the same shape are written with one ``executemany``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from adapters.db.records import (
    UNDECIDED,
    ApplicationRow,
    CardOrdered,
    CardOrderStatus,
    CardTermsChanged,
    DeliveryKind,
    EventKind,
    MessageChannel,
    MessageSent,
    NotificationKind,
    NotificationStatus,
    OutboxEffect,
    OutboxItem,
    OutboxMessage,
    OutboxStatus,
    OutboxTopic,
)
from adapters.db.tables import (
    application_events,
    applications,
    card_orders,
    notifications,
    outbox,
)
from adapters.db.types import UtcDateTime

#: The last error of an item dead-lettered because its worker died delivering it every time.
DIED_EVERY_TIME = "the worker stopped while delivering it, at every attempt"
#: ``claim_outbox`` without ``max_attempts``: never reached.
NO_LIMIT = 2**31 - 1


@dataclass(frozen=True, slots=True)
class Completion:
    """A delivered item to record: its ``effect`` on its row (card order ORDERED,
    notification SENT) and, for a card order, ``follow_up``: the messages to enqueue with it
    (the card-pickup notices), rendered from the application's row inside the completing
    transaction."""

    item: OutboxItem
    effect: OutboxEffect | None = None
    follow_up: Callable[[ApplicationRow], Sequence[OutboxMessage]] | None = None


@dataclass(frozen=True, slots=True)
class Due:
    """When the worker next has something to do: the earliest time an outbox item is due
    (a PENDING item's ``next_attempt_at``, an IN_FLIGHT item's ``lease_until``) and the
    earliest time an undecided application is due for another attempt; ``None``: nothing."""

    outbox: datetime | None = None
    applications: datetime | None = None

    def outbox_due(self, now: datetime) -> bool:
        return self.outbox is not None and self.outbox <= now

    def applications_due(self, now: datetime) -> bool:
        return self.applications is not None and self.applications <= now

    @property
    def earliest(self) -> datetime | None:
        return earliest(self.outbox, self.applications)


def check_effect(item: OutboxItem, effect: OutboxEffect | None) -> None:
    """``ValueError`` when ``effect`` does not fit ``item`` (a card order's answer for a
    notice, or the other way round): nothing of it may be recorded."""
    if isinstance(effect, CardOrdered) and (
        item.card_order_id is None or item.application_id is None
    ):
        raise ValueError("this outbox item does not order a card")
    if isinstance(effect, MessageSent) and (
        item.notification_id is None or item.application_id is None
    ):
        raise ValueError("this outbox item does not send a notification")
    if isinstance(effect, CardTermsChanged) and (
        item.topic != OutboxTopic.CARD_TERMS.value or item.application_id is None
    ):
        raise ValueError("this outbox item does not change a card's terms")


def earliest(*times: datetime | None) -> datetime | None:
    known = [at for at in times if at is not None]
    return min(known) if known else None


def event_row(
    application_id: str, kind: EventKind, at: datetime, detail: Mapping[str, Any]
) -> dict[str, Any]:
    """The parameters of :data:`INSERT_EVENTS` for one event."""
    return {"application_id": application_id, "at": at, "kind": kind.value, "detail": dict(detail)}


_PENDING = OutboxStatus.PENDING.value
_IN_FLIGHT = OutboxStatus.IN_FLIGHT.value
_DONE = OutboxStatus.DONE.value
_DEAD = OutboxStatus.DEAD.value
_UNDECIDED = [status.value for status in UNDECIDED]


def _at(name: str) -> sa.BindParameter[datetime]:
    return sa.bindparam(name, type_=UtcDateTime())


def _ids(name: str = "ids") -> sa.BindParameter[str]:
    return sa.bindparam(name, expanding=True)


# --- the order of a family's notices ----------------------------------------------------------

_MESSAGE = OutboxTopic.MESSAGE_SEND.value
_earlier = outbox.alias("earlier")
_CARD_ORDER = OutboxTopic.CARD_ORDER.value
_CARD_TERMS = OutboxTopic.CARD_TERMS.value


def _undelivered(topic: str, *conditions: sa.ColumnElement[bool]) -> sa.Exists:
    """An item of ``topic`` of the same application still to be delivered."""
    return sa.exists(
        sa.select(_earlier.c.id).where(
            _earlier.c.application_id == outbox.c.application_id,
            _earlier.c.topic == topic,
            _earlier.c.status.in_([_PENDING, _IN_FLIGHT]),
            *conditions,
        )
    )


#: A notice waits while a notice of the same application enqueued before it (registration,
#: decision, card pickup: by ``created_at``) is still to be delivered (PENDING or IN_FLIGHT), so
#: that the family is told in order whatever failed and when its retry falls due; the SMS and
#: the e-mail of one notice (enqueued together) do not wait for each other. A notice given up
#: (DEAD) or withdrawn holds nothing up.
#: A change of a card's terms waits while the card order itself is still to be delivered: the
#: bank's order number is what it changes.
_WAITS = sa.or_(
    sa.and_(
        outbox.c.topic == _MESSAGE,
        _undelivered(_MESSAGE, _earlier.c.created_at < outbox.c.created_at),
    ),
    sa.and_(outbox.c.topic == _CARD_TERMS, _undelivered(_CARD_ORDER)),
)

# --- is anything due? ------------------------------------------------------------------------

NEXT_DUE = sa.select(
    sa.select(sa.func.min(outbox.c.next_attempt_at))
    .where(outbox.c.status == _PENDING, sa.not_(_WAITS))
    .scalar_subquery(),
    sa.select(sa.func.min(outbox.c.lease_until))
    .where(outbox.c.status == _IN_FLIGHT)
    .scalar_subquery(),
    sa.select(sa.func.min(applications.c.next_attempt_at))
    .where(applications.c.status.in_(_UNDECIDED))
    .scalar_subquery(),
)

# --- claiming --------------------------------------------------------------------------------

_now = _at("now")
_claimable = (
    sa.select(outbox.c.id)
    .where(
        sa.or_(
            sa.and_(
                outbox.c.status == _PENDING,
                outbox.c.next_attempt_at <= _now,
                sa.not_(_WAITS),
            ),
            sa.and_(outbox.c.status == _IN_FLIGHT, outbox.c.lease_until <= _now),
        )
    )
    .order_by(outbox.c.next_attempt_at, outbox.c.id)
    .limit(sa.bindparam("limit", type_=sa.Integer()))
    .with_for_update(skip_locked=True)
)
# an IN_FLIGHT item here has lost its lease: its worker died delivering it
_dies = sa.and_(
    outbox.c.status == _IN_FLIGHT,
    outbox.c.attempts >= sa.bindparam("max_attempts", type_=sa.Integer()),
)
#: Claim due items and, in the same statement, dead-letter those whose worker died delivering
#: them ``max_attempts`` times (status DEAD in the rows returned).
CLAIM = (
    sa.update(outbox)
    .where(outbox.c.id.in_(_claimable.scalar_subquery()))
    .values(
        status=sa.case((_dies, _DEAD), else_=_IN_FLIGHT),
        lease_until=sa.case((_dies, sa.null()), else_=_at("b_lease_until")),
        attempts=sa.case((_dies, outbox.c.attempts), else_=outbox.c.attempts + 1),
        last_error=sa.case(
            (_dies, sa.bindparam("b_died", DIED_EVERY_TIME, type_=sa.String())),
            else_=outbox.c.last_error,
        ),
    )
    .returning(outbox)
)

# --- completing ------------------------------------------------------------------------------

_done = {"status": _DONE, "lease_until": None, "last_error": None}
#: One item delivered (by id): its row, or none if it was DONE already.
COMPLETE_ONE = (
    sa.update(outbox)
    .where(outbox.c.id == sa.bindparam("item_id"), outbox.c.status != _DONE)
    .values(**_done)
    .returning(outbox)
)
#: Items delivered: the ids of those not DONE already.
COMPLETE_MANY = (
    sa.update(outbox)
    .where(outbox.c.id.in_(_ids()), outbox.c.status != _DONE)
    .values(**_done)
    .returning(outbox.c.id)
)
NOTIFICATION_KINDS = sa.select(
    notifications.c.id, notifications.c.kind, notifications.c.channel
).where(notifications.c.id.in_(_ids()))
#: executemany: ``b_id``, ``b_provider_id``, ``b_sent_at``
NOTIFICATION_SENT = (
    sa.update(notifications)
    .where(notifications.c.id == sa.bindparam("b_id"))
    .values(
        status=NotificationStatus.SENT.value,
        provider_message_id=sa.bindparam("b_provider_id"),
        sent_at=_at("b_sent_at"),
    )
)
#: executemany: ``b_id``, ``b_order_id``, ``b_iban``, ``b_branch``, ``b_pickup``, ``b_now``
CARD_ORDERED = (
    sa.update(card_orders)
    .where(card_orders.c.id == sa.bindparam("b_id"))
    .values(
        status=CardOrderStatus.ORDERED.value,
        order_id=sa.bindparam("b_order_id"),
        iban=sa.bindparam("b_iban"),
        branch_address=sa.bindparam("b_branch"),
        pickup_from=sa.bindparam("b_pickup", type_=sa.Date()),
        updated_at=_at("b_now"),
    )
)
#: executemany: ``b_order_id``, ``b_status``, ``b_now``: what the bank says the card pays now
CARD_TERMS_SET = (
    sa.update(card_orders)
    .where(
        card_orders.c.order_id == sa.bindparam("b_order_id"),
        card_orders.c.status.in_([CardOrderStatus.ORDERED.value, CardOrderStatus.STOPPED.value]),
    )
    .values(status=sa.bindparam("b_status"), updated_at=_at("b_now"))
)
#: The card order and terms changes of an application, oldest first.
CARD_ITEMS = (
    sa.select(outbox.c.topic, outbox.c.status, outbox.c.payload)
    .where(
        outbox.c.application_id == sa.bindparam("application_id"),
        outbox.c.topic.in_([_CARD_ORDER, _CARD_TERMS]),
    )
    .order_by(outbox.c.created_at, outbox.c.id)
)
#: The applications whose completed items have follow-up messages (card-pickup notices, rendered
#: from the application's row), read under a share lock taken before anything is completed: a
#: reassessment changing one of them waits for the completion (and then withdraws what it must
#: of those messages), or the completion waits for the reassessment (and reads its outcome).
#: PostgreSQL takes the locks in id order; SQLite has one writer at a time and needs none.
APPLICATIONS_TO_FOLLOW_UP = (
    sa.select(applications)
    .where(applications.c.id.in_(_ids()))
    .order_by(applications.c.id)
    .with_for_update(read=True)
)

# --- enqueuing -------------------------------------------------------------------------------

KNOWN_DEDUPE_KEYS = sa.select(outbox.c.dedupe_key).where(outbox.c.dedupe_key.in_(_ids("keys")))
INSERT_CARD_ORDERS = sa.insert(card_orders)
INSERT_NOTIFICATIONS = sa.insert(notifications)
INSERT_OUTBOX = sa.insert(outbox)
#: executemany: ``application_id``, ``at``, ``kind``, ``detail``
INSERT_EVENTS = sa.insert(application_events)

# --- failing ---------------------------------------------------------------------------------

_dead = outbox.c.attempts >= sa.bindparam("max_attempts", type_=sa.Integer())
_attempt = sa.bindparam("b_attempt", type_=sa.Integer())
#: A failed attempt: back to PENDING until ``b_next`` or, at ``max_attempts``, DEAD. With
#: ``b_attempt`` (the attempt the failing worker claimed), only while that claim holds: a
#: worker whose lease ran out does not undo the claim of the worker that took the item over.
FAIL = (
    sa.update(outbox)
    .where(
        outbox.c.id == sa.bindparam("item_id"),
        outbox.c.status == _IN_FLIGHT,
        sa.or_(_attempt.is_(None), outbox.c.attempts == _attempt),
    )
    .values(
        status=sa.case((_dead, _DEAD), else_=_PENDING),
        next_attempt_at=sa.case((_dead, outbox.c.next_attempt_at), else_=_at("b_next")),
        lease_until=None,
        last_error=sa.bindparam("b_error", type_=sa.String()),
    )
    .returning(outbox)
)
STATUS_OF = sa.select(outbox.c.status).where(outbox.c.id == sa.bindparam("item_id"))
NOTIFICATION_STATUS = (
    sa.update(notifications)
    .where(notifications.c.id == sa.bindparam("b_id"))
    .values(status=sa.bindparam("b_status"))
)
CARD_FAILED = (
    sa.update(card_orders)
    .where(card_orders.c.id == sa.bindparam("b_id"))
    .values(status=CardOrderStatus.FAILED.value, updated_at=_at("b_now"))
)

# --- applications ----------------------------------------------------------------------------

_due_applications = (
    sa.select(applications.c.id)
    .where(applications.c.status.in_(_UNDECIDED), applications.c.next_attempt_at <= _at("now"))
    .order_by(applications.c.next_attempt_at, applications.c.id)
    .limit(sa.bindparam("limit", type_=sa.Integer()))
    .with_for_update(skip_locked=True)
)
#: Lease undecided applications due for another attempt until ``b_until``.
LEASE_DUE_APPLICATIONS = (
    sa.update(applications)
    .where(applications.c.id.in_(_due_applications.scalar_subquery()))
    .values(next_attempt_at=_at("b_until"))
    .returning(applications)
)
#: Flag undecided applications due by ``b_due_by``, once each.
FLAG_OVERDUE = (
    sa.update(applications)
    .where(
        applications.c.status.in_(_UNDECIDED),
        applications.c.flagged_overdue.is_(False),
        applications.c.decision_due_on <= sa.bindparam("b_due_by", type_=sa.Date()),
    )
    .values(flagged_overdue=True, updated_at=_at("b_now"))
    .returning(applications)
)

# --- a reassessment: what its decision makes untrue, or true again ---------------------------

_WITHDRAWN = OutboxStatus.WITHDRAWN.value
#: The application's outbox items, with what each delivers.
ITEMS_OF_APPLICATION = (
    sa.select(
        outbox.c.id,
        outbox.c.status,
        outbox.c.topic,
        outbox.c.card_order_id,
        outbox.c.notification_id,
        notifications.c.kind.label("notification_kind"),
        notifications.c.channel.label("notification_channel"),
    )
    .select_from(outbox.outerjoin(notifications, notifications.c.id == outbox.c.notification_id))
    .where(outbox.c.application_id == sa.bindparam("application_id"))
    .order_by(outbox.c.created_at, outbox.c.id)
)
#: Items not delivered yet (waiting, or held by a worker right now) withdrawn: none is claimed
#: again, and a worker holding one records its delivery if it went out (DONE wins: it did
#: happen) but not its failure (``FAIL`` changes IN_FLIGHT items only).
WITHDRAW = (
    sa.update(outbox)
    .where(outbox.c.id.in_(_ids()), outbox.c.status.in_([_PENDING, _IN_FLIGHT]))
    .values(status=_WITHDRAWN, lease_until=None)
    .returning(outbox.c.id)
)
#: Withdrawn items due again at ``b_now``, counted from their first attempt.
RESTORE = (
    sa.update(outbox)
    .where(outbox.c.id.in_(_ids()), outbox.c.status == _WITHDRAWN)
    .values(
        status=_PENDING, attempts=0, next_attempt_at=_at("b_now"), lease_until=None, last_error=None
    )
    .returning(outbox.c.id)
)


@dataclass(frozen=True, slots=True)
class Reconciled:
    """What a reassessment's decision did to the application's undelivered items: each as
    ``{"outboxId": …, "kind": "card_order" | "sms" | "email"}``, for its REASSESSED event."""

    withdrawn: list[dict[str, str]]
    restored: list[dict[str, str]]


def reconcile_outbox(
    connection: sa.Connection, application_id: str, granted: bool, now: datetime
) -> Reconciled:
    """Make the application's undelivered items agree with a reassessment's decision, in its
    transaction (before the decision's own messages are enqueued):

    - a decision notice not yet delivered tells a decision now superseded: WITHDRAWN (the new
      decision's notices follow), never sent after the new one;
    - not granted: the card order not yet at the bank is CANCELLED and a card-pickup notice not
      yet sent WITHDRAWN: a family refused is neither issued a card nor sent to collect one;
    - granted: a card order or card-pickup notice withdrawn so before goes back PENDING, due
      now, with its own idempotency key (the bank and the gateway do it once).

    What the bank or the gateway already took (DONE) or gave up on (DEAD: an operator's requeue
    judges it) stays as it is."""
    withdraw: list[Any] = []
    restore: list[Any] = []
    for item in connection.execute(ITEMS_OF_APPLICATION, {"application_id": application_id}):
        card = item.topic == OutboxTopic.CARD_ORDER.value
        kind = item.notification_kind
        if kind == NotificationKind.DECIDED.value:
            if item.status in (_PENDING, _IN_FLIGHT):
                withdraw.append(item)
        elif card or kind == NotificationKind.CARD_READY.value:
            if not granted and item.status in (_PENDING, _IN_FLIGHT):
                withdraw.append(item)
            elif granted and item.status == _WITHDRAWN:
                restore.append(item)
    withdrawn = _apply(connection, WITHDRAW, withdraw, now, _WITHDRAWING)
    restored = _apply(connection, RESTORE, restore, now, _RESTORING)
    return Reconciled(withdrawn, restored)


def terms_change(
    connection: sa.Connection,
    application_id: str,
    sequence: int,
    terms: tuple[str, str, str] | None,
) -> OutboxMessage | None:
    """What a reassessment (decision ``sequence``) must tell the bank about the application's
    card, in its transaction: nothing when no card was ordered (a grant orders one with its own
    terms) or when the terms last sent (the latest change, else the order's) are ``terms``
    already; else a ``card.terms`` item (``terms``: amount and period as text; ``None``: stop
    the payments), delivered once the order is (``_WAITS``). The bank applies the highest
    sequence it gets, so changes need no order among themselves."""
    order: Mapping[str, Any] | None = None
    last: tuple[int, tuple[str, str, str] | None] | None = None
    for item in connection.execute(CARD_ITEMS, {"application_id": application_id}):
        found = item.payload
        if item.topic == _CARD_ORDER:
            order = found
        elif (
            isinstance(found, Mapping)
            and isinstance(found.get("sequence"), int)
            and (last is None or found["sequence"] > last[0])
        ):
            last = (found["sequence"], _terms_of(found))
    if order is None:
        return None
    sent = last[1] if last is not None else _terms_of(order)
    if sent == terms:
        return None
    change: dict[str, Any] = {"applicationId": application_id, "sequence": sequence}
    if terms is not None:
        amount, start, end = terms
        change |= {"monthlyAmount": amount, "periodStart": start, "periodEnd": end}
    return OutboxMessage(
        topic=OutboxTopic.CARD_TERMS,
        payload=change,
        dedupe_key=f"card-terms:{application_id}:{sequence}",
    )


def _terms_of(payload: Any) -> tuple[str, str, str] | None:
    """Amount and period of a card order's or terms change's payload; ``None``: stopped."""
    if not isinstance(payload, Mapping) or "monthlyAmount" not in payload:
        return None
    return (
        str(payload["monthlyAmount"]),
        str(payload.get("periodStart")),
        str(payload.get("periodEnd")),
    )


@dataclass(frozen=True, slots=True)
class _Change:
    """Statuses of the effect rows of the items changed: (from, to)."""

    notifications: tuple[tuple[str, ...], str]
    card_orders: tuple[tuple[str, ...], str]


_WITHDRAWING = _Change(
    # a notice that failed an attempt reads FAILED until its next one
    (
        (NotificationStatus.PENDING.value, NotificationStatus.FAILED.value),
        NotificationStatus.WITHDRAWN.value,
    ),
    ((CardOrderStatus.PENDING.value,), CardOrderStatus.CANCELLED.value),
)
_RESTORING = _Change(
    ((NotificationStatus.WITHDRAWN.value,), NotificationStatus.PENDING.value),
    ((CardOrderStatus.CANCELLED.value,), CardOrderStatus.PENDING.value),
)


def _apply(
    connection: sa.Connection,
    statement: sa.Update,
    items: Sequence[Any],
    now: datetime,
    change: _Change,
) -> list[dict[str, str]]:
    if not items:
        return []
    ids = [item.id for item in items]
    changed = set(connection.execute(statement, {"ids": ids, "b_now": now}).scalars())
    done = [item for item in items if item.id in changed]
    notices = [item.notification_id for item in done if item.notification_id is not None]
    orders = [item.card_order_id for item in done if item.card_order_id is not None]
    if notices:
        before, after = change.notifications
        connection.execute(
            sa.update(notifications)
            .where(notifications.c.id.in_(notices), notifications.c.status.in_(before))
            .values(status=after)
        )
    if orders:
        before, after = change.card_orders
        connection.execute(
            sa.update(card_orders)
            .where(card_orders.c.id.in_(orders), card_orders.c.status.in_(before))
            .values(status=after, updated_at=now)
        )
    return [
        {
            "outboxId": item.id,
            "kind": delivery_kind(item.topic, item.notification_channel).value,
        }
        for item in done
    ]


def delivery_kind(
    topic: str, notification_channel: str | None, payload: Any = None
) -> DeliveryKind:
    """What an item delivers, in operators' words (``vemtas outbox --kind``): by its topic and
    its notification's channel (or, without a notification row, its payload's)."""
    if topic == OutboxTopic.CARD_ORDER.value:
        return DeliveryKind.CARD_ORDER
    if topic == OutboxTopic.CARD_TERMS.value:
        return DeliveryKind.CARD_TERMS
    if topic == OutboxTopic.MESSAGE_SEND.value:
        channel = notification_channel
        if channel is None and isinstance(payload, Mapping):
            channel = payload.get("channel")
        if channel == MessageChannel.SMS.value:
            return DeliveryKind.SMS
        if channel == MessageChannel.EMAIL.value:
            return DeliveryKind.EMAIL
    return DeliveryKind.OTHER
