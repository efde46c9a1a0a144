"""What the repository takes and gives: enums for every closed set, frozen dataclasses for rows.

Callers never see ORM objects or SQLAlchemy rows. Timestamps are timezone-aware (UTC), dates are
``date``, money is ``Decimal`` with two places. JSON documents (a decision record, an outbox
payload, an event's detail) are plain JSON values: ``Decimal`` and ``date`` inside them are
written as strings (see :mod:`adapters.db.types`) and come back as strings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeAlias

# A JSON document as stored: dicts, lists, strings, numbers, booleans, None.
JsonObject: TypeAlias = Mapping[str, Any]


class ApplicationStatus(StrEnum):
    REGISTERED = "REGISTERED"
    ASSESSING = "ASSESSING"
    AWAITING_DATA = "AWAITING_DATA"
    GRANTED = "GRANTED"
    REFUSED = "REFUSED"

    @property
    def decided(self) -> bool:
        return self in (ApplicationStatus.GRANTED, ApplicationStatus.REFUSED)


UNDECIDED: tuple[ApplicationStatus, ...] = (
    ApplicationStatus.REGISTERED,
    ApplicationStatus.ASSESSING,
    ApplicationStatus.AWAITING_DATA,
)


class Channel(StrEnum):
    """Where the application was submitted."""

    ONLINE = "ONLINE"
    MOBILE = "MOBILE"
    KIOSK = "KIOSK"
    POST_OFFICE = "POST_OFFICE"
    HELP_DESK = "HELP_DESK"


class Outcome(StrEnum):
    GRANTED = "GRANTED"
    REFUSED = "REFUSED"


class EventKind(StrEnum):
    """What happened to an application; the event log is append-only."""

    REGISTERED = "REGISTERED"
    ASSESSMENT_STARTED = "ASSESSMENT_STARTED"
    AWAITING_DATA = "AWAITING_DATA"
    DECIDED = "DECIDED"
    REASSESSED = "REASSESSED"
    CARD_ORDERED = "CARD_ORDERED"
    NOTIFIED = "NOTIFIED"
    FLAGGED_OVERDUE = "FLAGGED_OVERDUE"
    DELIVERY_FAILED = "DELIVERY_FAILED"
    DEAD_LETTERED = "DEAD_LETTERED"
    REQUEUED = "REQUEUED"  # an operator put a dead letter back (`vemtas outbox requeue`)
    # the bank took a reassessment's change of what the card pays (new terms, or stopped)
    CARD_TERMS_CHANGED = "CARD_TERMS_CHANGED"


class CardOrderStatus(StrEnum):
    PENDING = "PENDING"
    ORDERED = "ORDERED"
    FAILED = "FAILED"  # dead-lettered: the bank never confirmed the order
    # a reassessment refused the application before the order reached the bank: not sent (a
    # grant again puts it back PENDING, with the same idempotency key)
    CANCELLED = "CANCELLED"
    # the bank stopped the card's payments: a reassessment refused the family after the card
    # was ordered (a grant again resumes them: ORDERED)
    STOPPED = "STOPPED"


class MessageChannel(StrEnum):
    SMS = "SMS"
    EMAIL = "EMAIL"


class NotificationKind(StrEnum):
    REGISTERED = "REGISTERED"
    DECIDED = "DECIDED"
    CARD_READY = "CARD_READY"


class NotificationStatus(StrEnum):
    PENDING = "PENDING"
    SENT = "SENT"
    FAILED = "FAILED"  # the last attempt failed; another is scheduled
    DEAD = "DEAD"  # given up after the maximum number of attempts
    # not sent: a reassessment made it untrue first (a notice of the decision it superseded,
    # a card-pickup notice of a grant it took away; the latter back PENDING on a grant again)
    WITHDRAWN = "WITHDRAWN"


class OutboxStatus(StrEnum):
    PENDING = "PENDING"
    IN_FLIGHT = "IN_FLIGHT"
    DONE = "DONE"
    DEAD = "DEAD"
    WITHDRAWN = "WITHDRAWN"  # a reassessment made it untrue before it was delivered


class OutboxTopic(StrEnum):
    """What a worker does with an outbox item. The column is free text: a new topic needs no
    migration, only a member here and a handler in the worker."""

    CARD_ORDER = "card.order"
    CARD_TERMS = "card.terms"  # a reassessment's change of what an ordered card pays
    MESSAGE_SEND = "message.send"


class DeliveryKind(StrEnum):
    """What an outbox item delivers, in operators' words (``vemtas outbox --kind``)."""

    CARD_ORDER = "card_order"
    CARD_TERMS = "card_terms"
    SMS = "sms"
    EMAIL = "email"
    OTHER = "other"  # an item the worker cannot read (unknown topic or channel)


# --- inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewNotification:
    """A message to send, recorded PENDING with its outbox item; ``idempotency_key`` is the key
    given to the messaging gateway, so a redelivery after a crash is not a second SMS."""

    channel: MessageChannel
    kind: NotificationKind
    recipient: str
    language: str
    text: str
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class NewCardOrder:
    """A payment card to order from the bank, recorded PENDING with its outbox item; the
    decision it follows from is filled in by :meth:`Database.record_decision`."""

    idempotency_key: str


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """Something to do outside the database after the transaction commits.

    ``dedupe_key`` is unique: enqueuing a message whose key is already in the outbox is a no-op
    (and so is its effect row). At most one of ``card_order`` and ``notification`` is set; it is
    the row that the delivery brings about, completed by :meth:`Database.complete_outbox`.
    """

    topic: OutboxTopic
    payload: JsonObject
    dedupe_key: str
    card_order: NewCardOrder | None = None
    notification: NewNotification | None = None

    def __post_init__(self) -> None:
        if self.card_order is not None and self.notification is not None:
            raise ValueError("an outbox message brings about one effect at most")


@dataclass(frozen=True, slots=True)
class NewApplication:
    """An application to register.

    ``request_digest`` is the SHA-256 of the canonical input: the same ``idempotency_key`` with
    another digest is an :class:`~adapters.db.errors.IdempotencyConflict`. Scope the key by the
    submitter (e.g. ``f"{subject}:{client_key}"``) so two people's keys never meet.
    ``next_attempt_at`` is when the worker takes the application over if the inline assessment
    does not finish (a crash after registration loses nothing). ``notices`` are the
    registration messages, enqueued in the same transaction.
    """

    idempotency_key: str
    request_digest: str
    channel: Channel
    submitted_by: str
    submitted_role: str
    representative_fin: str
    member_fins: tuple[str, ...]
    phone: str | None
    email: str | None
    submitted_at: datetime
    registered_on: date
    decision_due_on: date
    next_attempt_at: datetime | None = None
    household_id: str | None = None
    district: str | None = None
    notices: tuple[OutboxMessage, ...] = ()
    # Registration notices that need what only registration gives (the number, the id): called
    # with the new row inside the registering transaction, enqueued with ``notices``.
    render_notices: Callable[[ApplicationRow], Sequence[OutboxMessage]] | None = field(
        default=None, compare=False
    )
    # Extra detail of the REGISTERED event (no personal data: e.g. the operator's institution).
    registered_detail: JsonObject = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NewDecision:
    """A decision to record. ``record`` is the full decision document (the GraphQL
    ``Decision`` shape, e.g. ``assessment.decision.decision_to_json``)."""

    outcome: Outcome
    monthly_amount: Decimal | None
    period_start: date | None
    period_end: date | None
    record: JsonObject
    rules_version: str
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class MissingItem:
    """An input no agency supplied (GraphQL ``MissingInput``); ``fin`` is None for household
    inputs."""

    agency: str
    input: str
    fin: str | None = None


# --- effects of a completed outbox delivery -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class CardOrdered:
    """The bank accepted the card order."""

    order_id: str
    iban: str
    branch_address: str
    pickup_from: date


@dataclass(frozen=True, slots=True)
class MessageSent:
    """The messaging gateway accepted the message."""

    provider_message_id: str
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class CardTermsChanged:
    """The bank took a change of what the card ``order_id`` pays; what it pays now (which may
    be a later change than the one sent: the bank keeps the latest)."""

    order_id: str
    stopped: bool
    sequence: int
    monthly_amount: Decimal
    period_start: date
    period_end: date


OutboxEffect: TypeAlias = CardOrdered | CardTermsChanged | MessageSent


# --- rows -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApplicationRow:
    """An application as stored. ``version`` grows with every change of state (status,
    household, missing data, decision) and is the optimistic lock of
    :meth:`Database.record_decision`; scheduling fields (``next_attempt_at``,
    ``flagged_overdue``) change without bumping it."""

    id: str
    number: str
    idempotency_key: str
    request_digest: str
    status: ApplicationStatus
    channel: Channel
    submitted_by: str
    submitted_role: str
    representative_fin: str
    household_id: str | None
    district: str | None
    member_fins: tuple[str, ...]
    phone: str | None
    email: str | None
    submitted_at: datetime
    registered_on: date
    decision_due_on: date
    missing_data: tuple[MissingItem, ...]
    next_attempt_at: datetime | None
    attempts: int
    flagged_overdue: bool
    updated_at: datetime
    version: int
    # the family as the population registry records it, once assessed (None before): with the
    # representative, the citizens who may read the application (``member_fins`` is only what
    # the representative declared)
    household_fins: tuple[str, ...] | None = None

    @property
    def overdue(self) -> bool:
        """Still undecided, and flagged near (or past) its due date. The flag itself stays
        once set (the FLAGGED_OVERDUE event tells when); a decision ends the overdue."""
        return self.flagged_overdue and self.status in UNDECIDED

    @property
    def readers(self) -> tuple[str, ...]:
        """The citizens who may read the application: the representative, who identified
        themselves, and the members of the family the registry records."""
        return (self.representative_fin, *(self.household_fins or ()))


@dataclass(frozen=True, slots=True)
class RegisterResult:
    application: ApplicationRow
    created: bool  # False: the idempotency key was known and the same input gave it back


@dataclass(frozen=True, slots=True)
class DecisionRow:
    id: str
    application_id: str
    sequence: int  # 1, 2, …: a reassessment adds one and supersedes the previous
    outcome: Outcome
    monthly_amount: Decimal | None
    period_start: date | None
    period_end: date | None
    record: JsonObject
    rules_version: str
    decided_at: datetime
    superseded: bool


@dataclass(frozen=True, slots=True)
class EventRow:
    id: int
    application_id: str
    at: datetime
    kind: EventKind
    detail: JsonObject


@dataclass(frozen=True, slots=True)
class CardOrderRow:
    id: str
    application_id: str
    decision_id: str | None
    idempotency_key: str
    status: CardOrderStatus
    order_id: str | None
    iban: str | None
    branch_address: str | None
    pickup_from: date | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NotificationRow:
    id: str
    application_id: str
    channel: MessageChannel
    kind: NotificationKind
    recipient: str
    language: str
    text: str
    idempotency_key: str
    status: NotificationStatus
    provider_message_id: str | None
    sent_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A claimed outbox item: the worker owns it until ``lease_until``. ``attempts`` counts this
    attempt. ``card_order_id`` / ``notification_id`` name the effect row, if any."""

    id: str
    topic: str
    payload: JsonObject
    dedupe_key: str
    attempts: int
    lease_until: datetime
    application_id: str | None
    card_order_id: str | None
    notification_id: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A dead-lettered outbox item, for operators (:meth:`Database.dead_letters`).

    ``dead_at`` is the time of its DEAD_LETTERED event (None for an item of no application);
    ``last_error`` names the agency and the code, never personal data."""

    id: str
    kind: DeliveryKind
    topic: str
    application_id: str | None
    application_number: str | None
    attempts: int
    last_error: str | None
    dead_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Requeued:
    """What :meth:`Database.requeue_dead_letters` did: the items put back (as they were while
    dead), and the dead items a requeue of all of them left dead, each with why."""

    requeued: tuple[DeadLetter, ...]
    kept: tuple[tuple[DeadLetter, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ApplicationFilter:
    """Filters for :meth:`Database.list_applications`; every field narrows, ``None`` does not.
    ``submitted_from`` is inclusive, ``submitted_before`` exclusive."""

    districts: tuple[str, ...] | None = None
    statuses: tuple[ApplicationStatus, ...] | None = None
    submitted_from: datetime | None = None
    submitted_before: datetime | None = None
    overdue: bool | None = None
    submitted_by: str | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """One page of applications in (submitted_at, id) order; ``cursors[i]`` continues after
    ``items[i]``, ``end_cursor`` after the last item (None when the page is empty). A cursor
    continues only the list it came from (the same filter)."""

    items: tuple[ApplicationRow, ...]
    end_cursor: str | None
    has_next_page: bool
    cursors: tuple[str, ...] = ()
