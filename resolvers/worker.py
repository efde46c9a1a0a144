"""The worker's use cases: deliver the outbox (card orders to the bank, SMS and e-mail to the
messaging gateway), finish applications left undecided (waiting for data, or interrupted by a
crash), and flag those near their due date. The worker calls the same functions as the API
(:func:`resolvers.applications.decide`).

Exactly once, whatever crashes: every delivery carries an idempotency key kept with its outbox
item (``card:<application id>``, ``msg:<application id>:<notice>:<channel>``), so a redelivery
after a crash (the lease ran out) is answered by the bank or the gateway with what the first
delivery made (``replayed``), never done twice; and an item is completed, with its effect and
any follow-up (the card-pickup notice), in one transaction — with the other items its round
delivered, once all of the round's calls have answered.

Cheap when idle: a round first asks when anything is next due (one read; the composition root
gives a direct probe: ``Database.worker_session``) and claims nothing, writes nothing, when
nothing is.

Failures: an agency that is down, slow, throttling or garbling its answer is retried with
back-off (the same key); an agency that refuses the request (``400``: a bad phone number, a
text too long) or a key conflict cannot succeed by retrying and the item is dead-lettered at
once; so is a payload this worker cannot read (a poison message). A worker that dies while
delivering an item counts that as an attempt too, so an item that kills every worker is
dead-lettered after ``outbox_max_attempts`` claims instead of blocking the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from adapters.bank import CardOrderRequest, Payments, TermsChange
from adapters.base import CallContext
from adapters.db import (
    ApplicationRow,
    ApplicationStatus,
    CardOrdered,
    CardTermsChanged,
    Database,
    DatabaseUnavailable,
    MessageSent,
    OutboxItem,
    OutboxMessage,
    OutboxStatus,
    OutboxTopic,
    backoff,
)
from adapters.db.delivery import Completion, Due, check_effect
from adapters.errors import AgencyConflict, AgencyError, AgencyRejected
from adapters.messaging.texts import Language
from adapters.registry import Adapters
from adapters.resilience import AgencyThrottled
from resolvers.application_policy import ApplicationPolicy
from resolvers.applications import SYSTEM_PRINCIPAL, card_ready_notices, decide
from resolvers.context import RequestContext

log = logging.getLogger(__name__)


class PoisonMessage(Exception):
    """An outbox item this worker cannot carry out (unknown topic, unreadable payload)."""


@dataclass(frozen=True, slots=True)
class Progress:
    """What one round of the worker did; ``more``: it claimed a full batch (more may be due
    at once)."""

    delivered: int = 0
    failed: int = 0
    dead: int = 0
    assessed: int = 0
    flagged: int = 0
    more: bool = False

    @property
    def busy(self) -> bool:
        return bool(self.delivered or self.failed or self.dead or self.assessed)


@dataclass(frozen=True, slots=True)
class Failed:
    """A delivery that did not succeed, to record: retried at ``retry_at`` below
    ``max_attempts`` attempts, dead-lettered at once when ``max_attempts`` is the item's own."""

    item: OutboxItem
    error: str
    max_attempts: int
    retry_at: datetime


@dataclass
class Worker:
    """One worker over the process's adapters and database. ``today``/``now`` are the
    composition root's clock (``VEMTAS_CLOCK`` pins the day in dev).

    ``next_due`` tells when there is next something to do (by default
    :meth:`Database.next_due`; the composition root may give a cheaper probe of the same
    answer): a round that finds nothing due writes nothing."""

    adapters: Adapters
    database: Database
    policy: ApplicationPolicy
    today: Callable[[], date]
    now: Callable[[], datetime]
    # overdue applications are looked for once a minute, not every round
    flag_every: float = 60.0
    next_due: Callable[[], Awaitable[Due]] | None = None
    _flagged_at: datetime | None = None
    _due: Due = field(default_factory=Due)

    def context(self) -> RequestContext:
        """A request context for the worker's own work: the system principal, no request."""
        return RequestContext(
            adapters=self.adapters,
            today=self.today(),
            now=self.now(),
            principal=SYSTEM_PRINCIPAL,
            database=self.database,
            policy=self.policy,
            clock=self.now,
        )

    # --- one round ----------------------------------------------------------------------------

    async def run_once(self) -> Progress:
        """Flag overdue applications, finish those due for another attempt, deliver the
        outbox (in that order: a decision made now is delivered in the same round). What is
        not due is not touched: one read tells whether anything is."""
        flagged = 0
        now = self.now()
        if self._flagged_at is None or (now - self._flagged_at).total_seconds() >= self.flag_every:
            flagged = await self.flag_overdue()
            self._flagged_at = now
        probe = self.next_due or self.database.next_due
        self._due = due = await probe()
        assessed = await self.retry_waiting() if due.applications_due(now) else 0
        delivered = failed = dead = 0
        more = False
        if assessed or due.outbox_due(now):
            delivered, failed, dead, more = await self._deliver_due()
        return Progress(delivered, failed, dead, assessed, flagged, more)

    async def run(self, stop: asyncio.Event, poll_interval: float = 0.5) -> None:
        """Rounds until ``stop`` is set, ``poll_interval`` apart: what falls due meanwhile
        (new items, the card-pickup notices a round enqueued, retries) is taken together by the
        next round. A round that claimed a full batch is followed at once by the next; an idle
        round sleeps less when something falls due sooner. A database or agency that fails a
        whole round is waited out, never fatal."""
        log.info("worker started")
        while not stop.is_set():
            try:
                progress = await self.run_once()
            except Exception as exc:
                log.warning("worker round failed", extra={"error": type(exc).__name__})
                progress = Progress()
                self._due = Due()
            if progress.more:
                continue
            wait = poll_interval
            next_at = self._due.earliest
            if not progress.busy and next_at is not None:
                # nothing was due when this round looked: the first thing that will be
                until = (next_at - self.now()).total_seconds()
                if until > 0:
                    wait = min(wait, until)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait)
        log.info("worker stopped")

    # --- applications -------------------------------------------------------------------------

    async def flag_overdue(self) -> int:
        """Flag undecided applications due within ``overdue_within_days`` (caseworkers list
        them with ``applications(filter: {overdue: true})``)."""
        flagged = await self.database.flag_overdue(self.today(), self.policy.overdue_within_days)
        for application in flagged:
            log.warning(
                "application near its decision date and still undecided",
                extra={"application_id": application.id, "number": application.number},
            )
        return len(flagged)

    async def retry_waiting(self) -> int:
        """Assess again every undecided application whose time has come (waiting for data, or
        left REGISTERED/ASSESSING by a process that died)."""
        due = await self.database.due_for_retry(
            self.now(), self.policy.retry_batch, lease_seconds=self.policy.takeover_after
        )
        if not due:
            return 0
        results = await asyncio.gather(
            *(self._assess(application) for application in due), return_exceptions=True
        )
        return sum(1 for result in results if not isinstance(result, BaseException))

    async def _assess(self, application: ApplicationRow) -> ApplicationRow:
        try:
            return await decide(self.context(), application)
        except Exception as exc:
            log.warning(
                "assessment failed; retried when the lease runs out",
                extra={"application_id": application.id, "error": type(exc).__name__},
            )
            raise

    # --- the outbox ---------------------------------------------------------------------------

    async def deliver_outbox(self) -> tuple[int, int, int]:
        """Claim due outbox items and deliver them: the items of one application in order (the
        registration notice before the decision's), different applications at once.
        Returns (delivered, failed and rescheduled, dead-lettered)."""
        delivered, failed, dead, _ = await self._deliver_due()
        return delivered, failed, dead

    async def _deliver_due(self) -> tuple[int, int, int, bool]:
        """Deliver one claimed batch; the deliveries that succeeded are recorded together, in
        one transaction, once every call of the batch has answered (each with its effect and
        follow-up, as one item alone would be). An item whose delivery was made but not yet
        recorded when the worker dies is redelivered after its lease with the same idempotency
        key, and the bank or the gateway answers with what it made the first time."""
        policy = self.policy
        items = await self.database.claim_outbox(
            self.now(),
            policy.outbox_batch,
            policy.outbox_lease,
            max_attempts=policy.outbox_max_attempts,
        )
        if not items:
            return 0, 0, 0, False
        by_application: dict[str, list[OutboxItem]] = {}
        for item in items:
            by_application.setdefault(item.application_id or item.id, []).append(item)
        policy.crash_point("after-claim")
        outcomes = await asyncio.gather(
            *(self._deliver_in_order(group) for group in by_application.values())
        )
        flat = [outcome for group in outcomes for outcome in group]
        done = [outcome for outcome in flat if isinstance(outcome, Completion)]
        failures = [outcome for outcome in flat if isinstance(outcome, Failed)]
        if done:
            failures += await self._complete(done)
            policy.crash_point("after-complete")
        dead = 0
        for failure in failures:
            status = await self.database.fail_outbox(
                failure.item.id,
                failure.error,
                failure.retry_at,
                failure.max_attempts,
                attempt=failure.item.attempts,
            )
            dead += status is OutboxStatus.DEAD
        delivered = len(flat) - len(failures)
        return delivered, len(failures) - dead, dead, len(items) >= policy.outbox_batch

    async def _complete(self, done: list[Completion]) -> list[Failed]:
        """Record ``done`` in one transaction; if that fails for a reason other than the
        database being away, one by one, so that an item that cannot be recorded (a fault of
        ours) is retried and then dead-lettered without holding up the rest."""
        try:
            await self.database.complete_outbox_items(done)
            return []
        except DatabaseUnavailable:
            raise
        except Exception as exc:
            if len(done) == 1:
                return [self._failed(done[0].item, exc)]
        failures: list[Failed] = []
        for completion in done:
            try:
                await self.database.complete_outbox_items([completion])
            except DatabaseUnavailable:
                raise
            except Exception as exc:
                failures.append(self._failed(completion.item, exc))
        return failures

    def _failed(self, item: OutboxItem, exc: Exception) -> Failed:
        """A fault of ours, maybe passing: retried, then dead-lettered."""
        name = type(exc).__name__
        log.warning("outbox delivery failed", extra={"item": item.id, "error": name})
        return self._retry_later(item, f"worker: {name}")

    async def _deliver_in_order(self, items: list[OutboxItem]) -> list[Completion | Failed]:
        return [await self.deliver(item) for item in items]

    async def deliver(self, item: OutboxItem) -> Completion | Failed:
        """Deliver one claimed item: what to record, a :class:`Completion` or a failure
        (retried later, or dead at once). Nothing is written here."""
        try:
            if item.topic == OutboxTopic.CARD_ORDER.value:
                return await self._order_card(item)
            if item.topic == OutboxTopic.MESSAGE_SEND.value:
                return await self._send_message(item)
            if item.topic == OutboxTopic.CARD_TERMS.value:
                return await self._change_terms(item)
            raise PoisonMessage(f"unknown topic {item.topic!r}")
        except (AgencyRejected, AgencyConflict) as exc:
            # the same request would be refused again: give up now (kept for operators)
            return Failed(item, _describe(exc), item.attempts, self.now())
        except PoisonMessage as exc:
            error = f"unreadable item: {type(exc).__name__}"
            return Failed(item, error, item.attempts, self.now())
        except AgencyThrottled as exc:  # 429: not before its Retry-After, if it gave one
            return self._retry_later(item, _describe(exc), not_before=exc.retry_after)
        except AgencyError as exc:
            return self._retry_later(item, _describe(exc))
        except Exception as exc:
            return self._failed(item, exc)

    def _retry_later(
        self, item: OutboxItem, error: str, *, not_before: float | None = None
    ) -> Failed:
        """Retried after the back-off (doubling from ``outbox_backoff_base`` up to
        ``outbox_backoff_cap``, with jitter), or after ``not_before`` seconds (the agency's
        ``Retry-After``) when that is longer."""
        policy = self.policy
        delay = backoff(
            item.attempts,
            base_seconds=policy.outbox_backoff_base,
            cap_seconds=policy.outbox_backoff_cap,
        ).total_seconds()
        delay *= random.uniform(1.0, 1.25)  # noqa: S311
        if not_before is not None:
            delay = max(delay, not_before)
        return Failed(
            item, error, policy.outbox_max_attempts, self.now() + timedelta(seconds=delay)
        )

    def _call_context(self, item: OutboxItem) -> CallContext:
        return CallContext(user_id=SYSTEM_PRINCIPAL.sub, issue=item.application_id or item.id)

    async def _order_card(self, item: OutboxItem) -> Completion:
        payload = item.payload
        key = _key(item)
        if item.application_id is None or item.card_order_id is None:
            raise PoisonMessage("a card order without an application")
        try:
            request = CardOrderRequest(
                application_id=payload_text(payload, "applicationId"),
                fin=payload_text(payload, "fin"),
                first_name=payload_text(payload, "firstName"),
                last_name=payload_text(payload, "lastName"),
                district=payload_text(payload, "district"),
                monthly_amount=Decimal(payload_text(payload, "monthlyAmount")),
                period_start=date.fromisoformat(payload_text(payload, "periodStart")),
                period_end=date.fromisoformat(payload_text(payload, "periodEnd")),
            )
            language = Language(payload.get("language", "az"))
        except (ArithmeticError, ValueError) as exc:
            raise PoisonMessage("the card order cannot be read") from exc
        order = await self.adapters.bank.order_card(request, key, self._call_context(item))
        self.policy.crash_point("after-bank-call")

        def follow_up(application: ApplicationRow) -> list[OutboxMessage]:
            # a reassessment may have refused the family while the order was on its way: the
            # bank took it, but nobody is sent to collect a card of a grant that is gone (a
            # grant again sends them: docs/applications.md)
            if application.status is not ApplicationStatus.GRANTED:
                return []
            return card_ready_notices(
                application, language, order.branch_address, order.pickup_from
            )

        effect = CardOrdered(order.order_id, order.iban, order.branch_address, order.pickup_from)
        check_effect(item, effect)
        return Completion(item, effect, follow_up)

    async def _change_terms(self, item: OutboxItem) -> Completion:
        """Tell the bank what the application's card pays after a reassessment (new terms, or
        stop). A card the bank never made (the order was cancelled or gave up) has nothing to
        change: done without a call."""
        payload = item.payload
        if item.application_id is None:
            raise PoisonMessage("a change of card terms without an application")
        try:
            sequence = payload["sequence"]
            if not isinstance(sequence, int):
                raise ValueError("sequence")
            if "monthlyAmount" in payload:
                change = TermsChange(
                    sequence,
                    Decimal(payload_text(payload, "monthlyAmount")),
                    date.fromisoformat(payload_text(payload, "periodStart")),
                    date.fromisoformat(payload_text(payload, "periodEnd")),
                )
            else:
                change = TermsChange(sequence, None)
        except (ArithmeticError, KeyError, ValueError) as exc:
            raise PoisonMessage("the change of card terms cannot be read") from exc
        card = await self.database.card_order(item.application_id)
        if card is None or card.order_id is None:
            return Completion(item, None)
        order = await self.adapters.bank.change_terms(
            card.order_id, change, _key(item), self._call_context(item)
        )
        effect = CardTermsChanged(
            order.order_id,
            order.payments is Payments.STOPPED,
            order.terms_sequence,
            order.monthly_amount,
            order.period_start,
            order.period_end,
        )
        check_effect(item, effect)
        return Completion(item, effect)

    async def _send_message(self, item: OutboxItem) -> Completion:
        payload = item.payload
        key = _key(item)
        ctx = self._call_context(item)
        messaging = self.adapters.messaging
        channel = payload_text(payload, "channel")
        to, text = payload_text(payload, "to"), payload_text(payload, "text")
        if channel == "SMS":
            sent = await messaging.send_sms(to, text, key, ctx)
        elif channel == "EMAIL":
            subject = payload_text(payload, "subject")
            sent = await messaging.send_email(to, subject, text, key, ctx)
        else:
            raise PoisonMessage(f"unknown channel {channel!r}")
        self.policy.crash_point("after-message-call")
        effect = MessageSent(sent.message_id, self.now())
        check_effect(item, effect)
        return Completion(item, effect)


def _key(item: OutboxItem) -> str:
    """The idempotency key toward the bank or the gateway: the item's dedupe key, the same on
    every delivery of it."""
    return item.dedupe_key


def _describe(exc: AgencyError) -> str:
    """For operators: the agency and the error code (and the field refused), never the
    request or the payload."""
    field = getattr(exc, "field", None)
    suffix = f" ({field})" if field else ""
    return f"{exc.agency}: {exc.code}{suffix}"


def payload_text(payload: Mapping[str, Any], name: str) -> str:
    """A text field of an outbox payload (a :class:`PoisonMessage` when it is missing)."""
    value = payload.get(name)
    if not isinstance(value, str):
        raise PoisonMessage(f"the payload has no {name}")
    return value
