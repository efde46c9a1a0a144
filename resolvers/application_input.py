"""Validation of a submitted application at the edge (pure): every problem is reported as a
:class:`UserProblem` naming the input field, so a client can show it next to that field and
nothing is registered until the input is clean."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

import orjson

FIN_RE = re.compile(r"^[0-9A-HJ-NP-Z]{7}$")
ID_CARD_RE = re.compile(r"^AA[0-9]{7}$")
PHONE_RE = re.compile(r"^\+994(10|50|51|55|60|70|77|99)[0-9]{7}$")
EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
MAX_MEMBERS = 20
LANGUAGES = ("az", "en")


class Channel(StrEnum):
    ONLINE = "ONLINE"
    MOBILE = "MOBILE"
    KIOSK = "KIOSK"
    POST_OFFICE = "POST_OFFICE"
    HELP_DESK = "HELP_DESK"


@dataclass(frozen=True, slots=True)
class ApplicationInput:
    idempotency_key: str
    representative_fin: str
    representative_id_card: str
    members: tuple[str, ...]
    phone: str | None
    email: str | None
    channel: Channel
    language: str = "az"  # of the notices: "az" (default) or "en"

    def digest(self) -> str:
        """sha256 of the canonical input (member order does not matter): same key, same digest."""
        canonical = {
            "representative_fin": self.representative_fin,
            "representative_id_card": self.representative_id_card,
            "members": sorted(self.members),
            "phone": self.phone,
            "email": self.email.lower() if self.email else None,
            "channel": self.channel.value,
            "language": self.language,
        }
        return hashlib.sha256(orjson.dumps(canonical, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass(frozen=True, slots=True)
class UserProblem:
    field: tuple[str, ...]
    code: str
    message: str


def has_hostile_characters(value: str) -> bool:
    """Control characters and bidirectional formatting marks (Cc, Cf categories)."""
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value)


def validate(raw: ApplicationInput) -> list[UserProblem]:
    """Every problem with the input, each naming its field under ``input``."""
    problems: list[UserProblem] = []

    def bad(field: str | tuple[str, ...], code: str, message: str) -> None:
        path = (field,) if isinstance(field, str) else field
        problems.append(UserProblem(("input", *path), code, message))

    for name, value in (
        ("idempotencyKey", raw.idempotency_key),
        ("representativeIdCard", raw.representative_id_card),
        ("phone", raw.phone or ""),
        ("email", raw.email or ""),
    ):
        if has_hostile_characters(value):
            bad(
                name, "INVALID_CHARACTERS", "control characters and direction marks are not allowed"
            )
    if not IDEMPOTENCY_KEY_RE.fullmatch(raw.idempotency_key):
        bad("idempotencyKey", "INVALID_FORMAT", "8 to 128 letters, digits or . _ : -")
    if not FIN_RE.fullmatch(raw.representative_fin):
        bad(
            "representativeFin",
            "INVALID_FORMAT",
            "a FIN is 7 characters: digits and capital letters except I and O",
        )
    if not ID_CARD_RE.fullmatch(raw.representative_id_card):
        bad(
            "representativeIdCard", "INVALID_FORMAT", "an ID card number is AA followed by 7 digits"
        )
    if not raw.members:
        bad(
            "members", "REQUIRED", "declare every member of the family, the representative included"
        )
    elif len(raw.members) > MAX_MEMBERS:
        bad("members", "TOO_MANY", f"at most {MAX_MEMBERS} members")
    else:
        seen: set[str] = set()
        for index, fin in enumerate(raw.members):
            if not FIN_RE.fullmatch(fin):
                bad(("members", str(index)), "INVALID_FORMAT", "not a valid FIN")
            elif fin in seen:
                bad(("members", str(index)), "DUPLICATE", "this member is declared twice")
            seen.add(fin)
        if raw.representative_fin not in seen and FIN_RE.fullmatch(raw.representative_fin):
            bad(
                "members",
                "REPRESENTATIVE_NOT_DECLARED",
                "the representative must be among the declared members",
            )
    if raw.phone is None and raw.email is None:
        bad("phone", "CONTACT_REQUIRED", "give a phone number or an e-mail address (or both)")
    if raw.phone is not None and not PHONE_RE.fullmatch(raw.phone):
        bad(
            "phone",
            "INVALID_FORMAT",
            "a mobile number: +994, an operator code (10, 50, 51, 55, 60, 70, 77, 99) and 7 digits",
        )
    if raw.email is not None and (len(raw.email) > 254 or not EMAIL_RE.fullmatch(raw.email)):
        bad("email", "INVALID_FORMAT", "not a valid e-mail address")
    if raw.language not in LANGUAGES:
        bad("language", "INVALID_FORMAT", "the notices are sent in Azerbaijani or English")
    return problems
