"""messaging (REST) — the e-government SMS and e-mail gateway.

The ministry hands a message over (``POST /sms``, ``POST /email``) and the gateway delivers it;
both are writes behind an ``Idempotency-Key`` (``mocks/agencies/outbound.py``): the same key
again gives the same message id and delivers nothing a second time. ``GET /messages/{id}`` says
how far delivery got (``ACCEPTED``, then ``DELIVERED``).

Delivery here is at once, into an outbox held in memory; ``GET /_admin/messaging/outbox``
(development mode) lists every delivered message with its key, so that tests can show each
notice went out exactly once. ``PUT /_admin/messaging/delivery {"hold": true}`` keeps accepted
messages undelivered (``ACCEPTED``) until ``{"hold": false}`` delivers them.

SMS length (the rule of docs/agency-protocols.md): at most three concatenated segments, in the
encoding the text needs. A text of GSM 03.38 characters only is sent as GSM-7: 160 septets in
one segment, else 153 per segment (an escape pair such as ``€`` takes two septets and is never
split), so at most 459 septets. Any other character — every Azerbaijani ``ə``, ``ğ``, ``ı``,
``ş`` — makes the whole text UCS-2: 70 UTF-16 units in one segment, else 67 per segment (a
surrogate pair is never split), so at most 201.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount

from mocks.agencies.base import MockState
from mocks.agencies.outbound import (
    Answer,
    FieldError,
    IdempotencyKeys,
    WriteCall,
    admin_route,
    fingerprint,
    pattern_field,
    read_json,
    text_field,
    write_route,
)
from mocks.agencies.rest import BadRequest, Json, NotFound, json_response, read_body

KEY = "messaging"
MAX_SEGMENTS = 3
PHONE = re.compile(r"\+994(?:10|50|51|55|60|70|77|99)[0-9]{7}")
# A practical address check (the gateway's, not RFC 5322's): one @, no spaces, a dotted
# ASCII domain of letters, digits and inner hyphens.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL = re.compile(rf"[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]{{1,64}}@{_LABEL}(?:\.{_LABEL})+")
MAX_EMAIL = 254
MAX_SUBJECT = 200
MAX_EMAIL_TEXT = 20_000
#: A text field longer than this cannot be an SMS of three segments in any encoding.
MAX_SMS_CHARACTERS = 459
_MESSAGE_ID = re.compile(r"MSG-[0-9]{8}")

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM7_ALL = GSM7_BASIC | GSM7_EXTENSION


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class Status(StrEnum):
    ACCEPTED = "ACCEPTED"
    DELIVERED = "DELIVERED"


def sms_segments(text: str) -> tuple[str, int]:
    """The encoding (``GSM-7`` or ``UCS-2``) and number of segments ``text`` needs."""
    if GSM7_ALL.issuperset(text):
        encoding, single, multi = "GSM-7", 160, 153
        uniform = GSM7_EXTENSION.isdisjoint(text)  # no escape pair: one septet each
    else:
        encoding, single, multi = "UCS-2", 70, 67
        uniform = not text or max(text) <= "\uffff"  # no surrogate pair: one unit each
    if uniform:
        return encoding, 1 if len(text) <= single else -(-len(text) // multi)
    if encoding == "GSM-7":
        units = [2 if c in GSM7_EXTENSION else 1 for c in text]
    else:
        units = [2 if ord(c) > 0xFFFF else 1 for c in text]
    if sum(units) <= single:
        return encoding, 1
    segments, used = 1, 0
    for size in units:  # a character (escape or surrogate pair) is never split
        if used + size > multi:
            segments, used = segments + 1, 0
        used += size
    return encoding, segments


@dataclass(slots=True)
class Message:
    message_id: str
    channel: Channel
    to: str
    subject: str | None
    text: str
    idempotency_key: str
    client: str
    status: Status = Status.ACCEPTED

    def to_json(self) -> Json:
        return {
            "message_id": self.message_id,
            "channel": self.channel.value,
            "status": self.status.value,
        }

    def to_admin_json(self) -> Json:
        return {
            "message_id": self.message_id,
            "channel": self.channel.value,
            "to": self.to,
            "subject": self.subject,
            "text": self.text,
            "idempotency_key": self.idempotency_key,
            "status": self.status.value,
        }


@dataclass(slots=True)
class Outbox:
    """Every message accepted, and those delivered, in order."""

    messages: dict[str, Message] = field(default_factory=dict)
    delivered: list[Message] = field(default_factory=list)
    keys: IdempotencyKeys[str] = field(default_factory=IdempotencyKeys)
    hold: bool = False
    issued: int = 0

    def accept(self, message: Message) -> None:
        self.messages[message.message_id] = message
        if not self.hold:
            self.deliver(message)

    def deliver(self, message: Message) -> None:
        if message.status is Status.ACCEPTED:
            message.status = Status.DELIVERED
            self.delivered.append(message)

    def release(self) -> None:
        """Stop holding: deliver every message still waiting."""
        self.hold = False
        for message in self.messages.values():
            self.deliver(message)

    def next_id(self) -> str:
        self.issued += 1
        return f"MSG-{self.issued:08d}"

    def clear(self) -> None:
        """Forget every message (numbering goes on, so an old id is never reused)."""
        self.messages.clear()
        self.delivered.clear()
        self.keys.clear()


def outbox(state: MockState) -> Outbox:
    """The server's outbox (created on first use)."""
    found = state.ledgers.setdefault(KEY, Outbox())
    assert isinstance(found, Outbox)
    return found


def _send(
    call: WriteCall, box: Outbox, channel: Channel, to: str, subject: str | None, text: str
) -> Answer:
    key = call.key()
    request = fingerprint(channel.value, {"to": to, "subject": subject, "text": text})
    existing = box.keys.find(call.client, key, request)
    if existing is not None:
        return Answer(box.messages[existing].to_json(), 200, replayed=True)
    message = Message(
        message_id=box.next_id(),
        channel=channel,
        to=to,
        subject=subject,
        text=text,
        idempotency_key=key,
        client=call.client,
    )
    # the answer says what the gateway did on accepting, before any delivery report
    answer = Answer(message.to_json(), 202)
    box.accept(message)
    box.keys.bind(call.client, key, request, message.message_id)
    return answer


def send_sms(call: WriteCall, box: Outbox) -> Answer:
    """``POST /sms`` ``{"to", "text"}``."""
    call.key()
    payload = call.fields("to", "text")
    to = pattern_field(payload, "to", PHONE, "a mobile number +994 and 9 digits")
    text = text_field(payload, "text", max_length=MAX_SMS_CHARACTERS, newlines=True)
    encoding, segments = sms_segments(text)
    if segments > MAX_SEGMENTS:
        raise FieldError(
            "text", f"text needs {segments} {encoding} segments; at most {MAX_SEGMENTS}"
        )
    return _send(call, box, Channel.SMS, to, None, text)


def send_email(call: WriteCall, box: Outbox) -> Answer:
    """``POST /email`` ``{"to", "subject", "text"}``."""
    call.key()
    payload = call.fields("to", "subject", "text")
    to = payload["to"]
    if not isinstance(to, str) or len(to) > MAX_EMAIL or EMAIL.fullmatch(to) is None:
        raise FieldError("to", "to is not an e-mail address")
    subject = text_field(payload, "subject", max_length=MAX_SUBJECT)
    text = text_field(payload, "text", max_length=MAX_EMAIL_TEXT, newlines=True)
    return _send(call, box, Channel.EMAIL, to, subject, text)


def message_status(call: WriteCall, box: Outbox) -> Answer:
    """``GET /messages/{message_id}``."""
    message_id = call.path_params["message_id"]
    message = box.messages.get(message_id) if _MESSAGE_ID.fullmatch(message_id) else None
    if message is None:
        raise NotFound
    return Answer(message.to_json())


def routes(state: MockState) -> list[BaseRoute]:
    box = outbox(state)
    return [
        Mount(
            f"/{KEY}",
            routes=[
                write_route(state, KEY, "/sms", lambda call: send_sms(call, box)),
                write_route(state, KEY, "/email", lambda call: send_email(call, box)),
                write_route(
                    state,
                    KEY,
                    "/messages/{message_id}",
                    lambda call: message_status(call, box),
                    method="GET",
                ),
            ],
        )
    ]


def admin_routes(state: MockState) -> list[BaseRoute]:
    """``GET``/``DELETE /_admin/messaging/outbox`` and ``PUT /_admin/messaging/delivery``;
    mount in development mode only, before the shared ``/_admin`` mount."""
    box = outbox(state)

    async def listing(request: Request) -> Response:
        if request.method == "DELETE":
            box.clear()
            return Response(status_code=204)
        delivered = [message.to_admin_json() for message in box.delivered]
        return json_response({"count": len(delivered), "messages": delivered})

    async def delivery(request: Request) -> Response:
        try:
            payload = read_json(await read_body(request, 4096))
            if (
                not isinstance(payload, dict)
                or set(payload) != {"hold"}
                or not isinstance(payload["hold"], bool)
            ):
                raise BadRequest('body must be {"hold": true} or {"hold": false}')
        except BadRequest as exc:
            return json_response({"error": "bad_request", "detail": exc.detail}, 400)
        if payload["hold"]:
            box.hold = True
        else:
            box.release()
        return json_response({"hold": box.hold})

    return [
        admin_route("/_admin/messaging/outbox", listing, ["GET", "DELETE"]),
        admin_route("/_admin/messaging/delivery", delivery, ["PUT"]),
    ]
