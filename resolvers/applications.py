"""Use cases of applications: submit, decide, reassess, read (docs/applications.md).

The life of an application (the repository's side is docs/persistence.md)::

    submit ─► validate at the edge ─► may this caller submit? ─► same key seen? ─► identify the
    representative (ID card ↔ FIN, adult counted member or registered guardian of the family)
    ─► register (+ registration notices, one transaction) ─► decide within the time budget:

    decide ─► ASSESSING ─► every fact from the agencies (X-Road issue = the application's id)
           ─► declared members and our own current grants added to the facts ─► the engine
           ─► all known: the decision + card order + decision notices (one transaction)
           ─► something unknown: AWAITING_DATA with the missing inputs, retried by the worker

The worker (:mod:`resolvers.worker`) calls the same :func:`decide` for applications left
waiting or interrupted, and delivers the outbox (card orders, SMS, e-mail).

The audit rows of the flow's agency reads ride in its writes (:func:`resolvers.audit.carrying`):
identification's in the registration, the family lookup's in ASSESSING, the facts' and the
decision's own in the decision (or in AWAITING_DATA). Nothing the flow read is answered before
they are committed; a flow that ends without such a write appends them on its own first
(:func:`resolvers.audit.deferred_rows`).

Time: the registration date is the Baku date of the request (``RequestContext.today``, pinned
by ``VEMTAS_CLOCK`` in dev); timestamps are the real time of day on that date
(:func:`moment`), so that a pinned clock still orders applications as they came.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from strawberry.dataloader import DataLoader

from adapters.base import StalenessReport, fresh_answers, track_staleness
from adapters.db import (
    ApplicationFilter,
    ApplicationRow,
    ApplicationStatus,
    CardOrderRow,
    Channel,
    Database,
    DecisionRow,
    EventRow,
    GrantConflict,
    IdempotencyConflict,
    InvalidCursor,
    MessageChannel,
    MissingItem,
    NewApplication,
    NewCardOrder,
    NewDecision,
    NewNotification,
    NotificationKind,
    NotificationRow,
    OutboxMessage,
    OutboxTopic,
    Outcome,
    RegisterResult,
    StaleApplication,
    backoff,
)
from adapters.db.repository import MAX_PAGE_SIZE
from adapters.errors import AgencyError
from adapters.messaging.texts import (
    Language,
    Notice,
    card_ready_notice,
    granted_notice,
    refused_notice,
    registered_notice,
)
from adapters.records import FamilyMemberRecord, FamilyRecord, PersonRecord, Relation
from assessment import (
    SUPPORTED_FROM,
    Decision,
    FamilyFacts,
    InsufficientData,
    ReasonKind,
    assess,
    decision_due_date,
    decision_to_json,
    missing_to_json,
)
from assessment.dates import age_on
from resolvers import audit, authorization
from resolvers.application_input import (
    ApplicationInput,
    UserProblem,
    has_hostile_characters,
    validate,
)
from resolvers.context import RequestContext
from resolvers.errors import (
    BadUserInput,
    Forbidden,
    NotFound,
    Unauthenticated,
    database_errors,
)
from resolvers.facts import family_facts, member_counting, with_own_grants
from resolvers.principal import Principal, Role
from resolvers.staleness import StaleAnswers, require_fresh_answers

log = logging.getLogger(__name__)

BAKU = ZoneInfo("Asia/Baku")
ADULT_AGE = 18
MAX_KEY_LENGTH = 200  # the idempotency_key column
CITIZEN_CHANNELS = (Channel.ONLINE, Channel.MOBILE)
REPLAY_POLL_SECONDS = 0.05

#: The worker acts as no user: agency calls it makes name it as the X-Road user and the
#: application as the issue.
SYSTEM_PRINCIPAL = Principal(sub="vemtas-worker", roles=frozenset({Role.SERVICE}))


def database(ctx: RequestContext) -> Database:
    if ctx.database is None:
        raise RuntimeError("no database in the request context")
    return ctx.database


def moment(ctx: RequestContext) -> datetime:
    """Now (UTC) on the context's day, for what is recorded as having happened (submitted,
    decided): the real time when the clock is not pinned; the real time of day on the pinned
    date when it is (so records stay in the order they came). Schedules (when the worker
    takes over, retries) use the real clock, as the database and the worker do."""
    real = datetime.now(UTC)
    if real.astimezone(BAKU).date() == ctx.today:
        return real
    return datetime.combine(ctx.today, real.astimezone(BAKU).time(), BAKU).astimezone(UTC)


def scoped_key(principal: Principal, key: str) -> str:
    """The stored idempotency key: the client's key scoped by who submits it, so that two
    submitters' keys never meet (hashed when it would not fit the column)."""
    scoped = f"{principal.sub}:{key}"
    if len(scoped) <= MAX_KEY_LENGTH:
        return scoped
    return "sha256:" + hashlib.sha256(scoped.encode("utf-8")).hexdigest()


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Visible:
    """An application as the caller may see it: everything, or (an operator's own
    submissions) its status only."""

    row: ApplicationRow
    status_only: bool = False


@dataclass(frozen=True, slots=True)
class Submitted:
    """What ``submitApplication`` answers: the application as far as it got, or the problems
    with the input (nothing registered then)."""

    application: Visible | None
    problems: tuple[UserProblem, ...] = ()


@dataclass(frozen=True, slots=True)
class Reassessed:
    """What ``reassessApplication`` answers; ``problems`` when no new decision could be made
    (the agencies did not all answer: the earlier decision stands)."""

    application: Visible | None
    problems: tuple[UserProblem, ...] = ()


def _problem(field: str, code: str, message: str) -> tuple[UserProblem, ...]:
    return (UserProblem(("input", field), code, message),)


# --- submit -------------------------------------------------------------------------------------


async def submit(ctx: RequestContext, raw: ApplicationInput) -> Submitted:
    """Register an application once per (submitter, idempotency key), then decide it within
    the policy's time budget; see the module docstring for the steps."""
    principal = ctx.require_principal()
    problems = validate(raw)
    if problems:
        return Submitted(None, tuple(problems))
    verdict = authorization.can_submit(principal, representative_fin=raw.representative_fin)
    if not verdict:
        await audit.record_denial(
            ctx,
            (raw.representative_fin,),
            agency=audit.OWN_AGENCY,
            item="applications",
            reason=verdict.reason,
        )
        raise Forbidden(verdict.reason)
    channel = Channel(raw.channel.value)
    is_citizen = principal.has_role(Role.CITIZEN) and principal.fin == raw.representative_fin
    if is_citizen and not principal.has_role(Role.OPERATOR) and channel not in CITIZEN_CHANNELS:
        return Submitted(
            None,
            _problem("channel", "CHANNEL_NOT_ALLOWED", "a citizen applies ONLINE or by MOBILE app"),
        )
    if ctx.today < SUPPORTED_FROM:
        return Submitted(None, _problem("representativeFin", "NOT_SUPPORTED", "rules not modelled"))
    db = database(ctx)
    key = scoped_key(principal, raw.idempotency_key)
    digest = raw.digest()
    with database_errors():
        existing = await db.application_by_idempotency_key(key)
    if existing is not None:
        return await _replay(ctx, existing, digest)
    language = Language(raw.language)
    try:
        with database_errors():
            registered = await _identify_and_register(ctx, raw, key, digest, channel, language)
    except IdempotencyConflict:
        return Submitted(None, _key_conflict())
    if isinstance(registered, tuple):
        return Submitted(None, registered)
    if not registered.created:
        return await _replay(ctx, registered.application, digest)
    ctx.policy.crash_point("after-register")
    row = await _decide_within_budget(ctx, registered.application, language)
    return Submitted(Visible(row, status_only=_status_only(principal, row)))


async def _identify_and_register(
    ctx: RequestContext,
    raw: ApplicationInput,
    key: str,
    digest: str,
    channel: Channel,
    language: Language,
) -> RegisterResult | tuple[UserProblem, ...]:
    """Identification (under the caller's own purpose: an operator's is application intake),
    then registration, whose transaction carries the audit rows of identification's reads;
    on any other way out (a user error, an agency's, a key conflict) they are appended on
    their own before anything is answered."""
    principal = ctx.require_principal()
    db = database(ctx)
    async with audit.deferred_rows(ctx):
        found = await _identify(ctx, raw)
        if isinstance(found, tuple):
            return found
        family = found
        today = ctx.today
        new = NewApplication(
            idempotency_key=key,
            request_digest=digest,
            channel=channel,
            submitted_by=principal.sub,
            submitted_role=_role_of(principal),
            representative_fin=raw.representative_fin,
            member_fins=tuple(raw.members),
            phone=raw.phone,
            email=raw.email,
            submitted_at=moment(ctx),
            registered_on=today,
            decision_due_on=decision_due_date(today),
            next_attempt_at=ctx.clock() + timedelta(seconds=ctx.policy.takeover_after),
            household_id=family.household_id,
            district=family.district,
            render_notices=lambda row: registration_notices(row, language),
            registered_detail=_intake_detail(principal, language),
        )
        return await audit.carrying(ctx, lambda rows: db.register_application(new, audit_rows=rows))


def _role_of(principal: Principal) -> str:
    for role in (Role.CITIZEN, Role.OPERATOR, Role.SERVICE, Role.CASEWORKER, Role.AUDITOR):
        if principal.has_role(role):
            return role.value
    return "unknown"


def _intake_detail(principal: Principal, language: Language) -> dict[str, Any]:
    detail: dict[str, Any] = {"language": language.value, "role": _role_of(principal)}
    if principal.has_role(Role.OPERATOR) and principal.institution:
        detail["institution"] = principal.institution
    return detail


def _key_conflict() -> tuple[UserProblem, ...]:
    return _problem(
        "idempotencyKey",
        "IDEMPOTENCY_KEY_REUSED",
        "this key was already used for a different application; use a new key",
    )


async def _replay(ctx: RequestContext, existing: ApplicationRow, digest: str) -> Submitted:
    """The same key again: the same input gets the same application (once it is decided, or
    the budget is spent, as with the first request); other input is a user error."""
    if existing.request_digest != digest:
        return Submitted(None, _key_conflict())
    row = existing
    if not _settled(row):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ctx.policy.decision_budget
        db = database(ctx)
        while not _settled(row) and loop.time() < deadline:
            await asyncio.sleep(REPLAY_POLL_SECONDS)
            with database_errors():
                row = await db.get_application(existing.id) or row
    principal = ctx.require_principal()
    return Submitted(Visible(row, status_only=_status_only(principal, row)))


def _settled(row: ApplicationRow) -> bool:
    """Decided, or waiting for data: as far as an inline assessment takes it."""
    return row.status not in (ApplicationStatus.REGISTERED, ApplicationStatus.ASSESSING)


def _status_only(principal: Principal, row: ApplicationRow) -> bool:
    verdict = authorization.can_read_application(
        principal,
        application_district=row.district or "",
        application_member_fins=row.readers,
        submitted_by=row.submitted_by,
    )
    return verdict.status_only or not verdict.allowed


async def _identify(
    ctx: RequestContext, raw: ApplicationInput
) -> FamilyRecord | tuple[UserProblem, ...]:
    """The representative's family, once the ID card matches the FIN in the population
    registry and the representative is an adult counted member of it (or its registered
    guardian). Agency failures propagate: nothing is registered without identification."""
    person = await ctx.persons().load(raw.representative_fin)
    if person is None or person.id_card != raw.representative_id_card:
        return _problem(
            "representativeIdCard",
            "IDENTIFICATION_FAILED",
            "the ID card number does not belong to this FIN in the population registry",
        )
    today = ctx.today
    if person.died_on is not None and person.died_on <= today:
        return _problem(
            "representativeFin", "IDENTIFICATION_FAILED", "the representative cannot act"
        )
    family = await ctx.families().load(raw.representative_fin)
    member = None if family is None else _member(family, raw.representative_fin)
    if family is None or member is None:
        return _problem(
            "representativeFin",
            "NO_FAMILY",
            "the population registry holds no family for the representative",
        )
    if age_on(person.birth_date, today) < ADULT_AGE:
        return _problem(
            "representativeFin", "REPRESENTATIVE_NOT_ADULT", "the representative must be an adult"
        )
    # the rest of the registered family rides along in the same agency calls: the assessment
    # that follows asks for all of them, and finds them in the adapters' cache
    others = [m.fin for m in family.members if m.fin != raw.representative_fin]
    if member.relation is Relation.GUARDIAN:
        await _along(ctx.persons(), others)
    else:
        counting, _ = await asyncio.gather(
            member_counting(ctx, member, person, today, along=others),
            _along(ctx.persons(), others),
        )
        # an agency that could not answer leaves the registry's presumption (counted): the
        # decision itself never rests on it, it waits for the data
        if not counting.counted:
            return _problem(
                "representativeFin",
                "REPRESENTATIVE_NOT_COUNTED",
                "the representative must be a counted member of the family (Law art. 9) "
                "or its registered guardian",
            )
    return family


async def _along(loader: DataLoader[str, Any], keys: Sequence[str]) -> None:
    """Ask ``keys`` with the request's next batch of ``loader``; a failure is the assessment's
    to meet (it asks again), not identification's."""
    with contextlib.suppress(AgencyError):
        await loader.load_many(keys)


def _member(family: FamilyRecord, fin: str) -> FamilyMemberRecord | None:
    return next((m for m in family.members if m.fin == fin), None)


async def _decide_within_budget(
    ctx: RequestContext, row: ApplicationRow, language: Language
) -> ApplicationRow:
    """Run :func:`decide` as a task; answer with the application as far as it got when the
    budget is spent (the task goes on in the background; the worker takes over after a
    crash)."""
    work = decide_logged(ctx, row, language)
    try:
        if ctx.background is None:
            return await work
        task = ctx.background.spawn(work)
        return await asyncio.wait_for(asyncio.shield(task), ctx.policy.decision_budget)
    except Exception:
        # the time is up, or the decision failed (logged): the application is registered and
        # the worker takes it over; the caller gets it as far as it got
        with database_errors():
            return await database(ctx).get_application(row.id) or row


async def decide_logged(
    ctx: RequestContext, row: ApplicationRow, language: Language
) -> ApplicationRow:
    """:func:`decide`, logging a failure (the worker will try again) before raising it."""
    try:
        return await decide(ctx, row, language=language)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.warning(
            "decision failed; the worker will take the application over",
            extra={"application_id": row.id, "error": type(exc).__name__},
        )
        raise


# --- decide -------------------------------------------------------------------------------------


async def decide(
    ctx: RequestContext,
    application: ApplicationRow,
    *,
    reassessment: bool = False,
    language: Language | None = None,
) -> ApplicationRow:
    """Gather the facts, run the engine and record the outcome: a decision (with the card
    order and the notices, in one transaction), or AWAITING_DATA with what is missing.

    A reassessment (a decided application, a caseworker asking) reads every agency afresh
    and supersedes the decision; when the data is incomplete it raises
    :class:`IncompleteData` and the decision stands. Never decides twice: a concurrent decider
    that wins makes this one return the application as the winner left it. ``language`` of
    the notices, when the caller knows it (else read from the registration notices)."""
    now = moment(ctx)
    work = ctx.with_issue(application.id, now=now)
    try:
        # the audit rows of the reads ride in the write that follows them (the start of the
        # assessment, the decision, the wait for data); what is left when the decision ends
        # another way is appended before it returns or raises
        async with audit.deferred_rows(work):
            return await _decide(ctx, work, application, reassessment, language)
    finally:
        work.release()  # no reference cycles left for the collector


async def _decide(
    ctx: RequestContext,
    work: RequestContext,
    application: ApplicationRow,
    reassessment: bool,
    language: Language | None,
) -> ApplicationRow:
    db = database(ctx)
    policy = ctx.policy
    try:
        family = await work.families().load(application.representative_fin)
    except AgencyError as exc:
        family, failed = None, exc.agency
    else:
        failed = "population"
    if family is None:
        missing = [MissingItem(failed, "population.family", application.representative_fin)]
        return await _awaiting(work, application, missing, reassessment)
    row = application
    if not reassessment:
        retry_at = ctx.clock() + timedelta(seconds=policy.takeover_after)
        try:
            row = await audit.carrying(
                work,
                lambda rows: db.begin_assessment(
                    application.id,
                    retry_at=retry_at,
                    household_id=family.household_id,
                    district=family.district,
                    household_fins=[member.fin for member in family.members],
                    audit_rows=rows,
                ),
            )
        except StaleApplication:
            return await db.get_application(application.id) or application
        policy.crash_point("after-begin-assessment")
    fresh = fresh_answers() if reassessment else contextlib.nullcontext()
    with track_staleness() as stale, fresh:
        try:
            facts = await family_facts(work, family, application.registered_on)
        except AgencyError as exc:
            missing = [MissingItem(exc.agency, "population.persons", None)]
            return await _awaiting(work, row, missing, reassessment)
    facts = replace(facts, declared_members=tuple(application.member_fins))
    try:
        return await _conclude(work, application, row, family, facts, stale, reassessment, language)
    except GrantConflict:
        # another application of this family was granted while these facts were gathered (two
        # members applying at once): decide again on the same facts, that grant now among them
        return await _conclude(work, application, row, family, facts, stale, reassessment, language)


async def _conclude(
    work: RequestContext,
    application: ApplicationRow,
    row: ApplicationRow,
    family: FamilyRecord,
    facts: FamilyFacts,
    stale: StalenessReport,
    reassessment: bool,
    language: Language | None,
) -> ApplicationRow:
    """The engine on ``facts`` (with our own grants) and its outcome recorded: the decision
    with what it sends out, or AWAITING_DATA. Raises :class:`GrantConflict` when a grant meets
    one recorded meanwhile for the same family (nothing written)."""
    db = database(work)
    now = work.now
    facts = await _with_own_grants(db, facts, application, family)
    # a decision never rests on an answer the cache kept past its time because the agency
    # failed: such an answer counts as missing until the agency answers again (the rule the
    # eligibility dry run applies too)
    result = require_fresh_answers(assess(facts, application.registered_on, now), stale.operations)
    if isinstance(result, StaleAnswers):
        missing = [MissingItem(m.agency, m.input, m.fin) for m in result.missing]
        return await _awaiting(work, row, missing, reassessment)
    if isinstance(result, InsufficientData):
        missing = [
            MissingItem(item["agency"], item["input"], item["fin"])
            for item in missing_to_json(result)["missingData"]
        ]
        return await _awaiting(work, row, missing, reassessment)
    person = await work.persons().load(application.representative_fin)
    language = language or await notice_language(db, application.id)
    messages = await _decision_messages(db, row, family, person, result, reassessment, language)
    record = NewDecision(
        outcome=Outcome(result.outcome.value),
        monthly_amount=result.monthly_amount,
        period_start=result.period_start,
        period_end=result.period_end,
        record=decision_to_json(result),
        rules_version=result.rules_version,
        decided_at=result.decided_at,
    )
    # the decision's own audit rows (one per member) ride in its transaction, after the rows of
    # the reads it rests on: if the log cannot take them, nothing is decided and the worker
    # tries again; if another decider won, neither is written
    decided_rows = audit.decision_rows(
        actor=audit.Actor.of(work.require_principal(), work.stated_purpose),
        application_id=row.id,
        # the people whose data it rests on: the registry's family (and the representative),
        # not the declared list, which nobody checked
        member_fins=(application.representative_fin, *(m.fin for m in family.members)),
        correlation_id=work.correlation_id,
        reassessment=reassessment,
    )
    # a card the bank took while an earlier reassessment had refused the family went without
    # its pickup notices (resolvers/worker.py): a grant again sends them, the decision's own
    # transaction looking at the card order
    card_ready = _card_ready(application, language) if reassessment else None
    try:
        decided = await audit.carrying(
            work,
            lambda rows: db.record_decision(
                row.id,
                record,
                messages,
                row.version,
                reassessment=reassessment,
                audit_rows=rows,
                card_ready=card_ready,
            ),
            also=decided_rows,
        )
    except StaleApplication:
        return await db.get_application(row.id) or row
    work.policy.crash_point("after-decision")
    return decided


class IncompleteData(Exception):
    """A reassessment could not decide: these inputs are missing (the decision stands)."""

    def __init__(self, missing: Sequence[MissingItem]) -> None:
        super().__init__("the agencies did not all answer")
        self.missing = tuple(missing)


async def _awaiting(
    ctx: RequestContext,
    row: ApplicationRow,
    missing: Sequence[MissingItem],
    reassessment: bool,
) -> ApplicationRow:
    if reassessment and row.status.decided:
        raise IncompleteData(missing)
    policy = ctx.policy
    delay = backoff(
        max(1, row.attempts), base_seconds=policy.retry_base, cap_seconds=policy.retry_cap
    ).total_seconds()
    # jitter: applications that failed together (an agency went down) do not all come back
    # in the same second
    retry_at = ctx.clock() + timedelta(seconds=delay * random.uniform(1.0, 1.25))  # noqa: S311
    db = database(ctx)
    try:
        return await audit.carrying(
            ctx,
            lambda rows: db.mark_awaiting_data(
                row.id, missing, retry_at, expected_version=row.version, audit_rows=rows
            ),
        )
    except StaleApplication:
        return await db.get_application(row.id) or row


async def _with_own_grants(
    db: Database, facts: FamilyFacts, application: ApplicationRow, family: FamilyRecord
) -> FamilyFacts:
    """:func:`~resolvers.facts.with_own_grants` for ``application`` (left out of its own check):
    its household, and the registry's family and the declared members."""
    return await with_own_grants(
        db,
        facts,
        household_id=family.household_id,
        fins=sorted({m.fin for m in family.members} | set(application.member_fins)),
        on=application.registered_on,
        excluding_application_id=application.id,
    )


# --- what a decision sends out ------------------------------------------------------------------


def notice_messages(
    application: ApplicationRow,
    kind: NotificationKind,
    notice: Notice,
    language: Language,
    tag: str,
) -> list[OutboxMessage]:
    """One outbox message per contact the family gave (SMS to the phone, e-mail to the
    address); ``tag`` makes the idempotency keys, e.g. ``msg:<id>:registered:sms``."""
    out: list[OutboxMessage] = []
    if application.phone:
        key = f"msg:{application.id}:{tag}:sms"
        out.append(
            OutboxMessage(
                topic=OutboxTopic.MESSAGE_SEND,
                payload={"channel": "SMS", "to": application.phone, "text": notice.sms},
                dedupe_key=key,
                notification=NewNotification(
                    MessageChannel.SMS, kind, application.phone, language.value, notice.sms, key
                ),
            )
        )
    if application.email:
        key = f"msg:{application.id}:{tag}:email"
        out.append(
            OutboxMessage(
                topic=OutboxTopic.MESSAGE_SEND,
                payload={
                    "channel": "EMAIL",
                    "to": application.email,
                    "subject": notice.subject,
                    "text": notice.text,
                },
                dedupe_key=key,
                notification=NewNotification(
                    MessageChannel.EMAIL, kind, application.email, language.value, notice.text, key
                ),
            )
        )
    return out


def registration_notices(application: ApplicationRow, language: Language) -> list[OutboxMessage]:
    """The notice that the application is registered: its number and the decision's due date."""
    notice = registered_notice(
        application.number, application.registered_on, application.decision_due_on, language
    )
    return notice_messages(application, NotificationKind.REGISTERED, notice, language, "registered")


def card_ready_notices(
    application: ApplicationRow,
    language: Language,
    branch_address: str,
    pickup_from: date,
) -> list[OutboxMessage]:
    """Where and from when to collect the payment card (the bank's answer)."""
    notice = card_ready_notice(application.number, branch_address, pickup_from, language)
    return notice_messages(application, NotificationKind.CARD_READY, notice, language, "card-ready")


def _card_ready(
    application: ApplicationRow, language: Language
) -> Callable[[CardOrderRow], list[OutboxMessage]]:
    def render(card: CardOrderRow) -> list[OutboxMessage]:
        assert card.branch_address is not None and card.pickup_from is not None
        return card_ready_notices(application, language, card.branch_address, card.pickup_from)

    return render


async def notice_language(db: Database, application_id: str) -> Language:
    """The language the family chose (its registration notices are in it)."""
    for notification in await db.notifications(application_id):
        return Language(notification.language)
    return Language.AZ


async def _decision_messages(
    db: Database,
    application: ApplicationRow,
    family: FamilyRecord,
    person: PersonRecord | None,
    decision: Decision,
    reassessment: bool,
    language: Language,
) -> list[OutboxMessage]:
    sequence = len(await db.decisions(application.id)) + 1 if reassessment else 1
    if decision.monthly_amount is not None:
        assert decision.period_start is not None and decision.period_end is not None
        notice = granted_notice(
            application.number,
            decision.monthly_amount,
            decision.period_start,
            decision.period_end,
            language,
        )
    else:
        grounds = [r.code.value for r in decision.reasons if r.kind is ReasonKind.REFUSAL]
        notice = refused_notice(application.number, grounds, language)
    messages = notice_messages(
        application, NotificationKind.DECIDED, notice, language, f"decided-{sequence}"
    )
    if decision.monthly_amount is not None and person is not None:
        messages.append(card_order_message(application, family, person, decision, language))
    return messages


def card_order_message(
    application: ApplicationRow,
    family: FamilyRecord,
    person: PersonRecord,
    decision: Decision,
    language: Language,
) -> OutboxMessage:
    """The payment card for a grant, in the representative's name. One per application
    (``card:<id>``): a reassessment that grants again orders no second card."""
    key = f"card:{application.id}"
    return OutboxMessage(
        topic=OutboxTopic.CARD_ORDER,
        payload={
            "applicationId": application.id,
            "fin": person.fin,
            "firstName": person.first_name,
            "lastName": person.last_name,
            "district": family.district,
            "monthlyAmount": str(decision.monthly_amount),
            "periodStart": _iso(decision.period_start),
            "periodEnd": _iso(decision.period_end),
            "language": language.value,
        },
        dedupe_key=key,
        card_order=NewCardOrder(idempotency_key=key),
    )


def _iso(day: date | None) -> str:
    assert day is not None
    return day.isoformat()


# --- reassess -----------------------------------------------------------------------------------


async def reassess(ctx: RequestContext, application_id: str) -> Reassessed:
    """Decide again on fresh agency data (caseworkers in the application's district): a new
    decision record, the earlier ones kept and marked superseded. An undecided application is
    simply assessed now. Never changes a decision by hand."""
    principal = ctx.require_principal()
    db = database(ctx)
    with database_errors():
        row = await _get(db, application_id)
    if row is None:
        raise NotFound("no such application")
    verdict = authorization.can_reassess(principal, application_district=row.district or "")
    if not verdict:
        await audit.record_denial(
            ctx,
            row.readers,  # whose application it is: not whoever was typed into members
            agency=audit.OWN_AGENCY,
            item="decision",
            reason=verdict.reason,
        )
        raise Forbidden(verdict.reason)
    try:
        with database_errors():
            decided = await decide(ctx, row, reassessment=row.status.decided)
    except IncompleteData as exc:
        agencies = ", ".join(sorted({m.agency for m in exc.missing}))
        return Reassessed(
            Visible(row),
            (
                UserProblem(
                    ("id",),
                    "DATA_INCOMPLETE",
                    f"not every agency answered ({agencies}); the decision stands, try later",
                ),
            ),
        )
    return Reassessed(Visible(decided))


# --- reads --------------------------------------------------------------------------------------


async def _get(db: Database, application_id: str) -> ApplicationRow | None:
    try:
        uuid.UUID(application_id)
    except ValueError:
        return None
    return await db.get_application(application_id)


def _verdict(principal: Principal, row: ApplicationRow) -> authorization.Decision:
    return authorization.can_read_application(
        principal,
        application_district=row.district or "",
        application_member_fins=row.readers,
        submitted_by=row.submitted_by,
    )


async def application(ctx: RequestContext, application_id: str) -> Visible | None:
    """One application, if the caller may read it (``FORBIDDEN`` otherwise; null when there
    is none)."""
    principal = ctx.require_principal()
    with database_errors():
        row = await _get(database(ctx), application_id)
    if row is None:
        return None
    verdict = _verdict(principal, row)
    if not verdict:
        await audit.record_denial(
            ctx,
            row.readers,  # whose application it is: not whoever was typed into members
            agency=audit.OWN_AGENCY,
            item="applications",
            reason=verdict.reason,
        )
        raise Forbidden(verdict.reason)
    return Visible(row, status_only=verdict.status_only)


async def my_applications(ctx: RequestContext) -> list[Visible]:
    """The signed-in citizen's applications, newest first: those they represent, and those of
    the family the population registry records them in (a FIN someone merely declared among the
    members reads nothing)."""
    principal = ctx.require_principal()
    verdict = authorization.can_read_own_data_access_log(principal)
    if not verdict or principal.fin is None:
        raise Forbidden(verdict.reason)
    with database_errors():
        rows = await database(ctx).applications_for_fin(principal.fin)
    return [Visible(row) for row in rows if principal.fin in row.readers]


async def household_applications(ctx: RequestContext, household_id: str) -> list[Visible]:
    """The household's applications the caller may read, newest first (the household itself
    was already authorized)."""
    principal = ctx.require_principal()
    with database_errors():
        rows = await database(ctx).applications_for_household(household_id)
    out: list[Visible] = []
    for row in rows:
        verdict = _verdict(principal, row)
        if verdict:
            out.append(Visible(row, status_only=verdict.status_only))
    return out


@dataclass(frozen=True, slots=True)
class ListFilter:
    """``ApplicationFilter`` of the API: registration dates (Baku) from (inclusive) and before
    (exclusive)."""

    districts: tuple[str, ...] | None = None
    statuses: tuple[ApplicationStatus, ...] | None = None
    registered_from: date | None = None
    registered_before: date | None = None
    overdue: bool | None = None


@dataclass(frozen=True, slots=True)
class Listed:
    items: tuple[tuple[Visible, str], ...]  # with each item's cursor
    end_cursor: str | None
    has_next_page: bool


#: as many districts as a filter names at most (Azerbaijan has 66 districts and 12 cities),
#: and the longest name one may have
MAX_FILTER_DISTRICTS = 100
MAX_DISTRICT_LENGTH = 64


def _check_districts(districts: tuple[str, ...] | None) -> None:
    """A district filter names districts: at most :data:`MAX_FILTER_DISTRICTS`, each a name of
    1 to 64 characters without control characters or bidirectional marks (a right-to-left mark
    would match nothing and look like a match): ``BAD_USER_INPUT`` naming the one at fault."""
    if districts is None:
        return
    if len(districts) > MAX_FILTER_DISTRICTS:
        raise BadUserInput(
            f"at most {MAX_FILTER_DISTRICTS} districts", field=["filter", "districts"]
        )
    for index, name in enumerate(districts):
        if not 0 < len(name) <= MAX_DISTRICT_LENGTH or has_hostile_characters(name):
            raise BadUserInput(
                f"a district is a name of 1 to {MAX_DISTRICT_LENGTH} characters, without "
                "control characters or direction marks",
                field=["filter", "districts", str(index)],
            )


def _baku_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), BAKU).astimezone(UTC)


async def list_applications(
    ctx: RequestContext, wanted: ListFilter, first: int, after: str | None
) -> Listed:
    """A page of the applications the caller may see (caseworkers: their districts;
    auditors: all; operators: what they submitted, status only), oldest first."""
    principal = ctx.require_principal()
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise BadUserInput(f"first must be between 1 and {MAX_PAGE_SIZE}", field=["first"])
    _check_districts(wanted.districts)
    visible = authorization.visible_applications(principal)
    districts = wanted.districts
    submitted_by = None
    status_only = False
    if not visible.everything:
        if visible.districts:
            allowed = visible.districts
            districts = tuple(sorted(allowed if districts is None else set(districts) & allowed))
        elif visible.submitted_by:
            submitted_by, status_only = visible.submitted_by, True
        else:
            raise Forbidden(authorization.Reason.ROLE_NOT_PERMITTED)
    query = ApplicationFilter(
        districts=districts,
        statuses=wanted.statuses,
        submitted_from=None
        if wanted.registered_from is None
        else _baku_midnight(wanted.registered_from),
        submitted_before=None
        if wanted.registered_before is None
        else _baku_midnight(wanted.registered_before),
        overdue=wanted.overdue,
        submitted_by=submitted_by,
    )
    try:
        with database_errors():
            page = await database(ctx).list_applications(query, first=first, after=after)
    except InvalidCursor:
        raise BadUserInput("not a cursor of this list", field=["after"]) from None
    return Listed(
        items=tuple(
            (Visible(row, status_only=status_only), cursor)
            for row, cursor in zip(page.items, page.cursors, strict=True)
        ),
        end_cursor=page.end_cursor,
        has_next_page=page.has_next_page,
    )


def current_decision_loader(ctx: RequestContext) -> DataLoader[str, DecisionRow | None]:
    """The current decision of each application asked for in a request, in one query."""
    db = database(ctx)

    async def load(ids: list[str]) -> list[DecisionRow | None]:
        with database_errors():
            found = await db.current_decisions(ids)
        return [found.get(i) for i in ids]

    # no cache: a subscription's context lives as long as its connection, and the decision
    # it shows changes
    return ctx.loaders.get(
        "db.current_decisions", (), lambda: DataLoader(load_fn=load, cache=False)
    )


async def current_decision(ctx: RequestContext, application_id: str) -> DecisionRow | None:
    return await current_decision_loader(ctx).load(application_id)


async def decisions(ctx: RequestContext, application_id: str) -> list[DecisionRow]:
    with database_errors():
        return await database(ctx).decisions(application_id)


async def events(ctx: RequestContext, application_id: str) -> list[EventRow]:
    with database_errors():
        return await database(ctx).events(application_id)


async def card_order(ctx: RequestContext, application_id: str) -> CardOrderRow | None:
    with database_errors():
        return await database(ctx).card_order(application_id)


async def notifications(ctx: RequestContext, application_id: str) -> list[NotificationRow]:
    with database_errors():
        return await database(ctx).notifications(application_id)


# --- subscription -------------------------------------------------------------------------------


async def watch(
    ctx: RequestContext, application_id: str, interval: float = 0.5
) -> AsyncIterator[Visible]:
    """The application now, and again each time something happens to it (a change of status,
    a decision, the card ordered, a notice sent: every change adds an event). Polls the
    database, since the worker may be another process; authorization as for reading it.

    Ends with ``UNAUTHENTICATED`` when the caller's token stops being accepted: a
    subscription is no way around a token's lifetime (the client subscribes again with a
    fresh one)."""
    first = await application(ctx, application_id)
    if first is None:
        raise NotFound("no such application")
    db = database(ctx)
    status_only = first.status_only
    valid_until = ctx.principal.valid_until if ctx.principal is not None else None
    seen: tuple[Any, ...] | None = None
    while True:
        if valid_until is not None and ctx.clock() >= valid_until:
            raise Unauthenticated(
                "the access token has expired: subscribe again with a fresh token"
            )
        with database_errors():
            row = await db.get_application(application_id)
            happened = await db.events(application_id)
        if row is None:
            return
        signature = (row.version, row.updated_at, len(happened))
        if signature != seen:
            seen = signature
            yield Visible(row, status_only=status_only)
        pause = interval
        if valid_until is not None:
            pause = max(0.0, min(pause, (valid_until - ctx.clock()).total_seconds()))
        await asyncio.sleep(pause)
