"""The messaging gateway's records (frozen)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class DeliveryStatus(StrEnum):
    """How far a message got: handed to the gateway, then delivered to the recipient."""

    ACCEPTED = "ACCEPTED"
    DELIVERED = "DELIVERED"


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message the gateway took. ``replayed`` is true when the gateway already had it under
    the same idempotency key: it was not sent a second time."""

    message_id: str
    channel: Channel
    status: DeliveryStatus
    replayed: bool = False
