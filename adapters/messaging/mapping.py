"""Pure: messages → the gateway's JSON, and its answers → records (``ShapeError`` on a wrong
shape, which the adapter turns into ``AgencyBadResponse``)."""

from __future__ import annotations

from typing import Any

from adapters import shape
from adapters.messaging.records import Channel, DeliveryStatus, SentMessage


def sms_body(to: str, text: str) -> dict[str, str]:
    """The body of ``POST /sms``."""
    return {"to": to, "text": text}


def email_body(to: str, subject: str, text: str) -> dict[str, str]:
    """The body of ``POST /email``."""
    return {"to": to, "subject": subject, "text": text}


def sent_message(payload: Any, *, replayed: bool = False) -> SentMessage:
    """``{"message_id", "channel", "status"}``."""
    m = shape.obj(payload, "$")
    return SentMessage(
        message_id=shape.string(m, "message_id", "$"),
        channel=shape.choice(m, "channel", "$", Channel),
        status=shape.choice(m, "status", "$", DeliveryStatus),
        replayed=replayed,
    )
