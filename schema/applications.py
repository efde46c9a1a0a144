"""GraphQL types of applications (api.md): ``Application`` and its parts, the submit and
reassess mutations, the caseworkers' connection, and the ``applicationUpdated`` subscription.
Thin: every field delegates to :mod:`resolvers.applications`.

An operator sees only the status of the applications they submitted: for them every field
beyond the number, status, channel and dates is null or empty.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from adapters import db
from resolvers import application_input as edge
from resolvers import applications as uc
from resolvers import households
from schema.decision import Decision, MissingInput
from schema.scalars import FIN
from schema.types import Household, Info, Person, uc_person


@strawberry.enum(description="Where an application is in its life")
class ApplicationStatus(Enum):
    REGISTERED = "REGISTERED"
    ASSESSING = "ASSESSING"
    AWAITING_DATA = strawberry.enum_value(
        "AWAITING_DATA", description="Some agency has not answered; retried by the worker"
    )
    GRANTED = "GRANTED"
    REFUSED = "REFUSED"


@strawberry.enum(description="Where the application was submitted")
class Channel(Enum):
    ONLINE = "ONLINE"
    MOBILE = "MOBILE"
    KIOSK = "KIOSK"
    POST_OFFICE = "POST_OFFICE"
    HELP_DESK = "HELP_DESK"


@strawberry.enum(description="Language of the notices sent to the family")
class NoticeLanguage(Enum):
    AZ = "az"
    EN = "en"


@strawberry.enum(description="How a notice reaches the family")
class NotificationChannel(Enum):
    SMS = "SMS"
    EMAIL = "EMAIL"


@strawberry.enum(description="Which notice")
class NotificationKind(Enum):
    REGISTERED = strawberry.enum_value("REGISTERED", description="number and due date")
    DECIDED = strawberry.enum_value("DECIDED", description="amount and period, or every reason")
    CARD_READY = strawberry.enum_value("CARD_READY", description="where and from when")


@strawberry.enum(description="Whether a notice went out")
class NotificationStatus(Enum):
    PENDING = "PENDING"
    SENT = "SENT"
    FAILED = strawberry.enum_value("FAILED", description="the last attempt failed; retrying")
    DEAD = strawberry.enum_value("DEAD", description="given up; an operator looks into it")
    WITHDRAWN = strawberry.enum_value(
        "WITHDRAWN",
        description="not sent: a reassessment changed what it would have said before it went out",
    )


@strawberry.enum(description="Where the payment card order stands")
class CardOrderStatus(Enum):
    PENDING = "PENDING"
    ORDERED = "ORDERED"
    FAILED = strawberry.enum_value("FAILED", description="the bank never confirmed it")
    CANCELLED = strawberry.enum_value(
        "CANCELLED",
        description="not sent to the bank: a reassessment refused the application first "
        "(a grant again orders it)",
    )
    STOPPED = strawberry.enum_value(
        "STOPPED",
        description="the bank stopped the card's payments: a reassessment refused the "
        "application after the card was ordered (a grant again resumes them)",
    )


@strawberry.enum(description="What happened to an application")
class ApplicationEventKind(Enum):
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
    REQUEUED = strawberry.enum_value(
        "REQUEUED", description="an operator put a dead-lettered delivery back; retried now"
    )
    CARD_TERMS_CHANGED = strawberry.enum_value(
        "CARD_TERMS_CHANGED",
        description="the bank took a reassessment's change of what the card pays: new amount "
        "or period, or payments stopped (detail: payments, monthlyAmount, periodStart, periodEnd)",
    )


@strawberry.type(description="A problem with the input; nothing was registered")
class UserError:
    field: list[str] | None = strawberry.field(description='e.g. ["input", "phone"]')
    code: str
    message: str

    @classmethod
    def of(cls, problem: edge.UserProblem) -> UserError:
        return cls(field=list(problem.field), code=problem.code, message=problem.message)


@strawberry.type(description="The payment card ordered from the bank for a grant")
class CardOrder:
    status: CardOrderStatus
    order_id: str | None = strawberry.field(description="The bank's order number")
    iban: str | None = strawberry.field(description="The account the assistance is paid into")
    branch_address: str | None = strawberry.field(description="Where to collect the card")
    pickup_from: date | None = strawberry.field(description="The first day to collect it")
    updated_at: datetime

    @classmethod
    def of(cls, row: db.CardOrderRow) -> CardOrder:
        return cls(
            status=CardOrderStatus(row.status.value),
            order_id=row.order_id,
            iban=row.iban,
            branch_address=row.branch_address,
            pickup_from=row.pickup_from,
            updated_at=row.updated_at,
        )


@strawberry.type(description="A notice to the family by SMS or e-mail")
class Notification:
    channel: NotificationChannel
    kind: NotificationKind
    recipient: str
    language: NoticeLanguage
    text: str
    status: NotificationStatus
    sent_at: datetime | None

    @classmethod
    def of(cls, row: db.NotificationRow) -> Notification:
        return cls(
            channel=NotificationChannel(row.channel.value),
            kind=NotificationKind(row.kind.value),
            recipient=row.recipient,
            language=NoticeLanguage(row.language),
            text=row.text,
            status=NotificationStatus(row.status.value),
            sent_at=row.sent_at,
        )


@strawberry.type(description="One step in the application's history (append-only)")
class ApplicationEvent:
    at: datetime
    kind: ApplicationEventKind
    detail: JSON = strawberry.field(description="Ids, codes and dates; no personal data")

    @classmethod
    def of(cls, row: db.EventRow) -> ApplicationEvent:
        return cls(
            at=row.at, kind=ApplicationEventKind(row.kind.value), detail=JSON(dict(row.detail))
        )


@strawberry.federation.type(keys=["id"], description="An application for targeted assistance")
class Application:
    id: strawberry.ID
    number: str = strawberry.field(description="The registration number, e.g. TSA-2026-000123")
    status: ApplicationStatus
    channel: Channel
    submitted_at: datetime
    registered_on: date
    decision_due_on: date = strawberry.field(
        description="15 working days after registration (Cabinet Decision No. 37)"
    )
    row: strawberry.Private[db.ApplicationRow]
    status_only: strawberry.Private[bool]

    @classmethod
    def of(cls, visible: uc.Visible) -> Application:
        row = visible.row
        return cls(
            id=strawberry.ID(row.id),
            number=row.number,
            status=ApplicationStatus(row.status.value),
            channel=Channel(row.channel.value),
            submitted_at=row.submitted_at,
            registered_on=row.registered_on,
            decision_due_on=row.decision_due_on,
            row=row,
            status_only=visible.status_only,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Application | None:
        found = await uc.application(info.context, str(id))
        return cls.of(found) if found else None

    @strawberry.field(
        description="Still undecided near its due date: flagged for caseworkers (null for "
        "operators)"
    )
    def overdue(self) -> bool | None:
        return None if self.status_only else self.row.overdue

    @strawberry.field(description="The family (population registry)")
    async def household(self, info: Info) -> Household | None:
        if self.status_only or self.row.household_id is None:
            return None
        family = await households.authorized_family_by_id(info.context, self.row.household_id)
        return Household.of(family) if family else None

    @strawberry.field(description="Who applied for the family")
    async def representative(self, info: Info) -> Person | None:
        if self.status_only:
            return None
        return await uc_person(info, self.row.representative_fin)

    @strawberry.field(description="The members the application declared")
    def declared_members(self) -> list[FIN]:
        return [] if self.status_only else [FIN(fin) for fin in self.row.member_fins]

    @strawberry.field(description="The current decision (null until decided)")
    async def decision(self, info: Info) -> Decision | None:
        if self.status_only:
            return None
        found = await uc.current_decision(info.context, self.row.id)
        return None if found is None else Decision.from_json(dict(found.record))

    @strawberry.field(
        description="Every decision, first to last; a reassessment adds one and the earlier "
        "ones are kept"
    )
    async def decision_history(self, info: Info) -> list[Decision]:
        if self.status_only:
            return []
        found = await uc.decisions(info.context, self.row.id)
        return [Decision.from_json(dict(d.record)) for d in found]

    @strawberry.field(description="What the agencies have not supplied yet (AWAITING_DATA)")
    def missing_data(self) -> list[MissingInput]:
        if self.status_only:
            return []
        return [
            MissingInput(input=m.input, agency=m.agency, fin=FIN(m.fin) if m.fin else None)
            for m in self.row.missing_data
        ]

    @strawberry.field(description="The payment card ordered for a grant")
    async def card_order(self, info: Info) -> CardOrder | None:
        if self.status_only:
            return None
        found = await uc.card_order(info.context, self.row.id)
        return CardOrder.of(found) if found else None

    @strawberry.field(description="Notices sent (or to be sent) to the family")
    async def notifications(self, info: Info) -> list[Notification]:
        if self.status_only:
            return []
        return [Notification.of(n) for n in await uc.notifications(info.context, self.row.id)]

    @strawberry.field(description="The history, oldest first")
    async def events(self, info: Info) -> list[ApplicationEvent]:
        if self.status_only:
            return []
        return [ApplicationEvent.of(e) for e in await uc.events(info.context, self.row.id)]


@strawberry.type
class ApplicationEdge:
    cursor: str
    node: Application


@strawberry.type
class ApplicationPageInfo:
    end_cursor: str | None
    has_next_page: bool


@strawberry.type(description="A page of applications, oldest first")
class ApplicationConnection:
    edges: list[ApplicationEdge]
    page_info: ApplicationPageInfo

    @strawberry.field
    def nodes(self) -> list[Application]:
        return [edge.node for edge in self.edges]


@strawberry.input(description="Every field narrows the list; dates are Baku dates")
class ApplicationFilter:
    districts: list[str] | None = None
    statuses: list[ApplicationStatus] | None = None
    registered_from: date | None = strawberry.field(default=None, description="inclusive")
    registered_before: date | None = strawberry.field(default=None, description="exclusive")
    overdue: bool | None = strawberry.field(
        default=None, description="undecided and flagged near (or past) the due date"
    )

    def to_filter(self) -> uc.ListFilter:
        return uc.ListFilter(
            districts=None if self.districts is None else tuple(self.districts),
            statuses=None
            if self.statuses is None
            else tuple(db.ApplicationStatus(s.value) for s in self.statuses),
            registered_from=self.registered_from,
            registered_before=self.registered_before,
            overdue=self.overdue,
        )


@strawberry.input(description="An application for targeted state social assistance")
class SubmitApplicationInput:
    idempotency_key: str = strawberry.field(
        description="Chosen by the client (8–128 of A–Z a–z 0–9 . _ : -). The same key and "
        "input give the same application back; the same key with other input is an error"
    )
    representative_fin: FIN
    representative_id_card: str = strawberry.field(
        description="The representative's ID card number (AA and 7 digits), checked with the FIN"
    )
    members: list[FIN] = strawberry.field(
        description="The declared family, the representative included"
    )
    phone: str | None = strawberry.field(
        default=None, description="+994…: notices by SMS; at least one of phone and email"
    )
    email: str | None = strawberry.field(default=None, description="notices by e-mail")
    channel: Channel | None = Channel.ONLINE
    language: NoticeLanguage | None = NoticeLanguage.AZ

    def to_input(self) -> edge.ApplicationInput:
        return edge.ApplicationInput(
            idempotency_key=self.idempotency_key,
            representative_fin=self.representative_fin,
            representative_id_card=self.representative_id_card,
            members=tuple(self.members),
            phone=self.phone,
            email=self.email,
            channel=edge.Channel((self.channel or Channel.ONLINE).value),
            language=(self.language or NoticeLanguage.AZ).value,
        )


@strawberry.type
class SubmitApplicationPayload:
    application: Application | None
    user_errors: list[UserError]


@strawberry.type
class ReassessApplicationPayload:
    application: Application | None
    user_errors: list[UserError]


def _payload_parts(found: uc.Submitted | uc.Reassessed) -> dict[str, Any]:
    return {
        "application": None if found.application is None else Application.of(found.application),
        "user_errors": [UserError.of(p) for p in found.problems],
    }


@strawberry.type
class ApplicationQuery:
    @strawberry.field(description="One application (null when there is none)")
    async def application(self, info: Info, id: strawberry.ID) -> Application | None:
        found = await uc.application(info.context, str(id))
        return Application.of(found) if found else None

    @strawberry.field(
        description="Applications for caseworkers (their districts), auditors (all) and "
        "operators (what they submitted, status only), oldest first"
    )
    async def applications(
        self,
        info: Info,
        filter: ApplicationFilter | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> ApplicationConnection:
        wanted = filter.to_filter() if filter is not None else uc.ListFilter()
        page = await uc.list_applications(
            info.context, wanted, 20 if first is None else first, after
        )
        return ApplicationConnection(
            edges=[
                ApplicationEdge(cursor=cursor, node=Application.of(item))
                for item, cursor in page.items
            ],
            page_info=ApplicationPageInfo(
                end_cursor=page.end_cursor, has_next_page=page.has_next_page
            ),
        )

    @strawberry.field(description="The signed-in citizen's applications, newest first")
    async def my_applications(self, info: Info) -> list[Application]:
        return [Application.of(v) for v in await uc.my_applications(info.context)]


@strawberry.type
class ApplicationMutation:
    @strawberry.mutation(
        description="Register an application (idempotently) and decide it at once: answers "
        "with the application as far as it got within the time budget"
    )
    async def submit_application(
        self, info: Info, input: SubmitApplicationInput
    ) -> SubmitApplicationPayload:
        found = await uc.submit(info.context, input.to_input())
        return SubmitApplicationPayload(**_payload_parts(found))

    @strawberry.mutation(
        description="Decide again on fresh agency data (caseworkers): a new decision, the "
        "earlier one kept"
    )
    async def reassess_application(
        self, info: Info, id: strawberry.ID
    ) -> ReassessApplicationPayload:
        found = await uc.reassess(info.context, str(id))
        return ReassessApplicationPayload(**_payload_parts(found))


@strawberry.type
class ApplicationSubscription:
    @strawberry.subscription(
        description="The application now, then each time something happens to it"
    )
    async def application_updated(
        self, info: Info, id: strawberry.ID
    ) -> AsyncGenerator[Application, None]:
        async for visible in uc.watch(info.context, str(id)):
            yield Application.of(visible)


__all__ = [
    "Application",
    "ApplicationMutation",
    "ApplicationQuery",
    "ApplicationSubscription",
]
