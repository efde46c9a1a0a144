"""The messaging adapter: SMS and e-mail through the e-government gateway, each behind an
idempotency key, guarded, never cached."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from adapters.base import CallContext
from adapters.http import map_http_errors
from adapters.messaging import mapping
from adapters.messaging.client import MessagingClient
from adapters.messaging.records import Channel, SentMessage
from adapters.outbound import OutboundCore, check_idempotency_key

AGENCY = "messaging"


class Messenger(Protocol):
    """The port the use cases depend on: :class:`MessagingAdapter` on the network,
    :class:`~adapters.messaging.testing.RecordingMessenger` in tests."""

    async def send_sms(
        self, to: str, text: str, idempotency_key: str, ctx: CallContext
    ) -> SentMessage: ...

    async def send_email(
        self, to: str, subject: str, text: str, idempotency_key: str, ctx: CallContext
    ) -> SentMessage: ...

    async def message(self, message_id: str, ctx: CallContext) -> SentMessage: ...


class MessagingAdapter:
    """Sends notices by SMS (``+994`` mobile numbers) and e-mail.

    The caller picks one idempotency key per notice and channel and keeps it in its outbox
    (e.g. ``notice:<application id>:decided:sms``): a retry, a second worker or a restart after a
    crash sends with the same key, and the gateway delivers the notice once. Calls are retried
    within the deadline on unavailability and timeouts for that reason only.

    Raises ``AgencyRejected`` naming the field the gateway refused (``to``, ``text``,
    ``subject``), ``AgencyConflict`` when the key was used for a different message, and the
    usual ``AgencyUnavailable``/``AgencyTimeout``/``AgencyBadResponse``.
    """

    def __init__(self, core: OutboundCore, client: MessagingClient) -> None:
        self.core = core
        self.client = client

    async def send_sms(
        self, to: str, text: str, idempotency_key: str, ctx: CallContext
    ) -> SentMessage:
        """Send ``text`` to the mobile number ``to`` (at most three SMS segments)."""
        return await self._send(Channel.SMS, mapping.sms_body(to, text), idempotency_key, ctx)

    async def send_email(
        self, to: str, subject: str, text: str, idempotency_key: str, ctx: CallContext
    ) -> SentMessage:
        """Send a plain-text e-mail to ``to``."""
        body = mapping.email_body(to, subject, text)
        return await self._send(Channel.EMAIL, body, idempotency_key, ctx)

    async def message(self, message_id: str, ctx: CallContext) -> SentMessage:
        """The message's delivery status now; ``AgencyNotFound`` if the gateway has none."""

        async def attempt() -> SentMessage:
            payload = await self.client.message(message_id, ctx)
            with map_http_errors(AGENCY):
                return mapping.sent_message(payload)

        return await self.core.call(attempt)

    async def _send(
        self, channel: Channel, body: Mapping[str, str], idempotency_key: str, ctx: CallContext
    ) -> SentMessage:
        key = check_idempotency_key(idempotency_key)

        async def attempt() -> SentMessage:
            reply = await self.client.send(channel.value, body, key, ctx)
            with map_http_errors(AGENCY):
                return mapping.sent_message(reply.payload, replayed=reply.replayed)

        return await self.core.call(attempt)
