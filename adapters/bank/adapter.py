"""The bank adapter: payment card orders, each behind an idempotency key, guarded, never cached."""

from __future__ import annotations

from typing import Protocol

from adapters.bank import mapping
from adapters.bank.client import BankClient
from adapters.bank.records import CardOrder, CardOrderRequest, TermsChange
from adapters.base import CallContext
from adapters.http import map_http_errors
from adapters.outbound import OutboundCore, check_idempotency_key

AGENCY = "bank"


class Bank(Protocol):
    """The port the use cases depend on: :class:`BankAdapter` on the network,
    :class:`~adapters.bank.testing.RecordingBank` in tests."""

    async def order_card(
        self, order: CardOrderRequest, idempotency_key: str, ctx: CallContext
    ) -> CardOrder: ...

    async def change_terms(
        self, order_id: str, change: TermsChange, idempotency_key: str, ctx: CallContext
    ) -> CardOrder: ...

    async def card_order(self, order_id: str, ctx: CallContext) -> CardOrder: ...


class BankAdapter:
    """Orders payment cards from the partner bank.

    Every order carries an idempotency key chosen by the caller and kept with the application
    (e.g. ``card-order:<application id>``), so that a retry, a second worker or a restart after a
    crash asks for the *same* order: the bank answers it again (``replayed=True``) instead of
    issuing a second card. Calls are retried within the deadline on unavailability and timeouts
    for that reason only.
    """

    def __init__(self, core: OutboundCore, client: BankClient) -> None:
        self.core = core
        self.client = client

    async def order_card(
        self, order: CardOrderRequest, idempotency_key: str, ctx: CallContext
    ) -> CardOrder:
        """Order a card (or get back the order this key already made).

        Raises ``AgencyRejected`` (naming the field) for an order the bank finds invalid,
        ``AgencyConflict`` when the key was used for a different order, and the usual
        ``AgencyUnavailable``/``AgencyTimeout``/``AgencyBadResponse``.
        """
        body = mapping.order_body(order)
        key = check_idempotency_key(idempotency_key)

        async def attempt() -> CardOrder:
            reply = await self.client.order_card(body, key, ctx)
            with map_http_errors(AGENCY):
                return mapping.card_order(reply.payload, replayed=reply.replayed)

        return await self.core.call(attempt)

    async def change_terms(
        self, order_id: str, change: TermsChange, idempotency_key: str, ctx: CallContext
    ) -> CardOrder:
        """Change what the card ``order_id`` pays (a reassessment changed the grant), or stop
        its payments (``change.stops``); the order as the bank holds it afterwards. A change
        older than the last the bank applied changes nothing. Errors as for
        :meth:`order_card`; an order the bank does not hold is an ``AgencyBadResponse``
        (404: we only change orders the bank confirmed)."""
        body = mapping.terms_body(change)
        key = check_idempotency_key(idempotency_key)
        action = "stop" if change.stops else "terms"

        async def attempt() -> CardOrder:
            reply = await self.client.change_terms(order_id, action, body, key, ctx)
            with map_http_errors(AGENCY):
                return mapping.card_order(reply.payload, replayed=reply.replayed)

        return await self.core.call(attempt)

    async def card_order(self, order_id: str, ctx: CallContext) -> CardOrder:
        """An order as the bank holds it now; ``AgencyNotFound`` if the bank has none."""

        async def attempt() -> CardOrder:
            payload = await self.client.card_order(order_id, ctx)
            with map_http_errors(AGENCY):
                return mapping.card_order(payload)

        return await self.core.call(attempt)
