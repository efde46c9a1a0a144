"""A messaging gateway for tests of the use cases: records every message sent, keeps the
idempotency contract, and fails when told to (the anymail test backend's idea). No network."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from adapters.base import CallContext
from adapters.errors import AgencyConflict, AgencyNotFound
from adapters.messaging.adapter import AGENCY
from adapters.messaging.records import Channel, DeliveryStatus, SentMessage
from adapters.outbound import FailureSwitch, check_idempotency_key


@dataclass(frozen=True, slots=True)
class RecordedMessage:
    """One message the recording gateway delivered."""

    channel: Channel
    to: str
    subject: str | None
    text: str
    idempotency_key: str
    ctx: CallContext
    sent: SentMessage


@dataclass
class RecordingMessenger:
    """Implements :class:`~adapters.messaging.adapter.Messenger`; ``sent`` holds each message
    delivered once (a repeat with the same key and message is answered ``replayed``)."""

    sent: list[RecordedMessage] = field(default_factory=list)
    failures: FailureSwitch = field(default_factory=FailureSwitch)
    _by_key: dict[str, RecordedMessage] = field(default_factory=dict)

    async def send_sms(
        self, to: str, text: str, idempotency_key: str, ctx: CallContext
    ) -> SentMessage:
        return self._send(Channel.SMS, to, None, text, idempotency_key, ctx)

    async def send_email(
        self, to: str, subject: str, text: str, idempotency_key: str, ctx: CallContext
    ) -> SentMessage:
        return self._send(Channel.EMAIL, to, subject, text, idempotency_key, ctx)

    async def message(self, message_id: str, ctx: CallContext) -> SentMessage:
        self.failures.check()
        for recorded in self.sent:
            if recorded.sent.message_id == message_id:
                return recorded.sent
        raise AgencyNotFound(AGENCY, "no message with that id")

    def to(self, address: str) -> list[RecordedMessage]:
        """The messages delivered to ``address`` (a phone number or an e-mail address)."""
        return [m for m in self.sent if m.to == address]

    def _send(
        self,
        channel: Channel,
        to: str,
        subject: str | None,
        text: str,
        idempotency_key: str,
        ctx: CallContext,
    ) -> SentMessage:
        key = check_idempotency_key(idempotency_key)
        self.failures.check()
        known = self._by_key.get(key)
        if known is not None:
            if (known.channel, known.to, known.subject, known.text) != (channel, to, subject, text):
                raise AgencyConflict(AGENCY)
            return replace(known.sent, replayed=True)
        sent = SentMessage(
            message_id=f"MSG-{len(self.sent) + 1:08d}",
            channel=channel,
            status=DeliveryStatus.DELIVERED,
        )
        recorded = RecordedMessage(channel, to, subject, text, key, ctx, sent)
        self.sent.append(recorded)
        self._by_key[key] = recorded
        return sent
