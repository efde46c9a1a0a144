"""Structured logs (structlog): JSON in `prod`, readable in `dev`, a correlation id bound per
request (and so on every agency read logged while serving it).

Log events carry no personal data: no tokens, FINs, ID card numbers, phone numbers, e-mail
addresses or names. Code should never log them; :func:`redact_personal_data` is the net under
that rule, applied to structlog's events and to every standard-library record (uvicorn, httpx,
the adapters) alike:

- values under personal keys (``fin``, ``phone``, ``first_name``, ``authorization`` …) are
  replaced whole, whatever they hold;
- in every other string, bearer tokens and JWTs, FINs, ID card numbers, phone numbers and
  e-mail addresses are replaced by a ``[kind]`` marker, and URL query strings (where GraphQL
  variables travel on GET) are cut.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, TextIO

import orjson
import structlog

from gateway.settings import Profile, Settings

#: Keys whose values are personal data or secrets, whatever they hold (compared lower-case).
PERSONAL_KEYS = frozenset(
    {
        "authorization",
        "token",
        "access_token",
        "id_token",
        "bearer",
        "fin",
        "fins",
        "subject_fin",
        "representative_fin",
        "member_fins",
        "id_card",
        "id_card_number",
        "representative_id_card",
        "phone",
        "email",
        "recipient",
        "first_name",
        "last_name",
        "patronymic",
        "name",
        "full_name",
        "address",
        "variables",
        "password",
        "secret",
    }
)

# 7-letter words that are vocabulary, not FINs (a FIN may be letters only)
_WORDS = frozenset(
    {"GRANTED", "REFUSED", "MISSING", "EXPIRED", "DECIDED", "ORDERED", "STARTED", "TIMEOUT"}
)

_LOCAL_PHONE = re.compile(r"\b0(?:10|50|51|55|60|70|77|99)\d{7}\b")
_ID_CARD = re.compile(r"\b[A-Z]{2}\d{7}\b")
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9\-._~+/]+=*"), "Bearer [token]"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?"), "[token]"),
    (re.compile(r"(/[\w./-]*)\?[^\s\"']+"), r"\1?[query]"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (re.compile(r"(?<![\w+])\+?994[\s-]?\d{2}[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}\b"), "[phone]"),
    (_LOCAL_PHONE, "[phone]"),
    (_ID_CARD, "[id-card]"),
)
_FIN = re.compile(r"(?<![0-9A-Za-z.])[0-9A-HJ-NP-Z]{7}(?![0-9A-Za-z])")
_REDACTED = "[redacted]"


def _fin(match: re.Match[str]) -> str:
    text = match.group(0)
    if text.isalpha() and text in _WORDS:
        return text
    return "[fin]"


# Most strings in a log event (event names, agency keys, timestamps, X-Road and correlation ids)
# hold nothing any pattern above could match, and are let through after a few cheap tests
# instead of eight substitutions. The tests are exact, not a guess: a string passes only if no
# pattern can match it — the patterns for bearer tokens, JWTs, query strings, e-mails and +994
# phones each need a literal ("bearer" in any case: no character but b, e, a, r in either case
# matches those letters case-insensitively; "eyJ", "?", "@", "994"), and the remaining three
# (0xx phones, ID cards, FINs) are searched for as they are, in one expression.
_LITERALS = ("@", "?", "eyJ", "994")
_RUNS = re.compile("|".join(f"(?:{p.pattern})" for p in (_LOCAL_PHONE, _ID_CARD, _FIN)))


def _may_hold_personal_data(text: str) -> bool:
    for literal in _LITERALS:
        if literal in text:
            return True
    return "bearer" in text.lower() or _RUNS.search(text) is not None


def redact_text(text: str) -> str:
    """``text`` with tokens, FINs, ID card numbers, phones, e-mails and query strings masked."""
    if not _may_hold_personal_data(text):
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return _FIN.sub(_fin, text)


# values that cannot carry text: returned as they are without further tests
_SCALARS = frozenset({int, float, bool, type(None)})


def _redact(value: Any) -> Any:
    if type(value) in _SCALARS:
        return value
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {key: _redact_item(key, item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact(item) for item in value]
    return value


def _redact_item(key: Any, value: Any) -> Any:
    if isinstance(key, str) and key.lower() in PERSONAL_KEYS:
        return _REDACTED
    return _redact(value)


def redact_personal_data(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: mask personal data in every key and value of the event."""
    for key in list(event_dict):
        if key.startswith("_"):
            continue  # structlog's own bookkeeping (_record, _from_structlog)
        event_dict[key] = _redact_item(key, event_dict[key])
    return event_dict


def _json_line(event: Any, **dumps_kw: Any) -> str:
    """``JSONRenderer``'s serializer: orjson (compact, UTF-8), with structlog's fallback for
    values it cannot encode; ``json.dumps`` for what orjson refuses (integers past 64 bits,
    strings with lone surrogates), so that logging never raises."""
    try:
        return orjson.dumps(event, default=dumps_kw["default"], option=_ORJSON_OPTIONS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(event, **dumps_kw)


# dataclasses and datetimes go to structlog's fallback (their repr), as with json.dumps
_ORJSON_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
)


def configure_logging(settings: Settings, *, stream: TextIO | None = None) -> None:
    """structlog and the standard library's loggers, both through the redaction, to ``stream``
    (default stderr): JSON lines in ``prod``, key=value lines in ``dev``."""
    output = stream if stream is not None else sys.stderr
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(serializer=_json_line)
        if settings.profile is Profile.PROD
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    # The level and the timestamp are written by structlog itself from fixed vocabularies, so
    # structlog's own events get them after the redaction (which then has two strings fewer to
    # search on every line); records from the standard library get everything before it.
    stamps: list[structlog.types.Processor] = [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.format_exc_info,
            redact_personal_data,
            *stamps,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        # WriteLogger: file.write and flush, without print's separate writes
        logger_factory=structlog.WriteLoggerFactory(file=output),
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            *stamps,
            structlog.stdlib.add_logger_name,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact_personal_data,
            renderer,
        ],
    )
    handler = logging.StreamHandler(output)
    handler.setFormatter(formatter)
    handler.set_name("vemtas")
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == "vemtas":
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # Alembic narrates every plugin and revision at INFO; its warnings and errors still show.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # uvicorn's own handlers would print past the redaction
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
