"""Logs without personal data: a scenario of reads, refusals, a refused token, an application
and an unexpected error is run with the production log configuration, and the captured log is
searched for every FIN, ID card number, phone number, e-mail address, name and token in play.
Every request's lines, and every agency read's, carry the request's correlation id."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import replace

import pytest
import structlog

from adapters.db import open_database
from gateway.logging import configure_logging, redact_text
from gateway.settings import Profile

from .conftest import AYNUR, ELSHAN, RASHAD, Stack

PERSONAL = [
    AYNUR,
    RASHAD,
    ELSHAN,
    "8XYZ4WV",
    "AA1234567",
    "AA7654321",
    "+994501234567",
    "994501234567",
    "aynur@example.az",
    "Aynur",
    "Məmmədova",
    "Rəşad",
    "Elşən",
    "Quliyev",
    "Şərifzadə",
]


@pytest.fixture
def captured(stack: Stack) -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging(replace(stack.settings, profile=Profile.PROD), stream=stream)
    try:
        yield stream
    finally:
        structlog.reset_defaults()
        root = logging.getLogger()
        for handler in list(root.handlers):
            if handler.get_name() == "vemtas":
                root.removeHandler(handler)


async def test_a_whole_scenario_leaves_no_personal_data_in_the_logs(
    stack: Stack, captured: io.StringIO
) -> None:
    caseworker = stack.caseworker("Yasamal")
    citizen = stack.citizen(AYNUR)
    tokens = [caseworker, citizen]
    await stack.query(
        '{ household(fin: "5ZX3K8P") { members { person { firstName lastName } } '
        "monthlyIncomes { amount } utilityCharges { amount } eligibility { complete } } }",
        caseworker,
    )
    await stack.query('{ household(fin: "3KLM9NP") { id } }', citizen)  # refused
    await stack.query('{ person(fin: "7QWE2RT") { firstName } }', "eyJhbGciOi.bad.token")
    await stack.query(
        "mutation($i: SubmitApplicationInput!) { submitApplication(input: $i) "
        "{ application { id } userErrors { code } } }",
        citizen,
        {
            "i": {
                "idempotencyKey": "logs-key-1",
                "representativeFin": AYNUR,
                "representativeIdCard": "AA1234567",
                "members": [AYNUR, RASHAD],
                "phone": "+994501234567",
                "email": "aynur@example.az",
            }
        },
    )
    runtime = stack.app.state.runtime
    kept = runtime.database
    async with open_database("postgresql+asyncpg://postgres@127.0.0.1:1/none") as away:
        runtime.database = away  # the audit log is away: an error, with a correlation id
        await stack.query('{ person(fin: "5ZX3K8P") { firstName } }', caseworker)
    runtime.database = kept
    # what uvicorn's access log would write for a GET carrying variables
    logging.getLogger("uvicorn.access").info(
        '127.0.0.1:5000 - "GET /graphql?query=%7Bperson&variables=%7B%22fin%22%3A%225ZX3K8P%22%7D'
        ' HTTP/1.1" 200'
    )

    log = captured.getvalue()
    lines = [json.loads(line) for line in log.splitlines()]
    assert len(lines) > 20  # the scenario was logged
    for private in [*PERSONAL, *tokens, "eyJhbGciOi"]:
        assert private not in log, f"{private!r} is in the logs"
    reads = [line for line in lines if line["event"] == "agency_read"]
    assert reads and all(len(line["correlation_id"]) == 32 for line in reads)
    assert len({line["correlation_id"] for line in reads}) >= 3  # one per request


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fin 5ZX3K8P asked", "fin [fin] asked"),
        ("sub citizen-5ZX3K8P", "sub citizen-[fin]"),
        ("at 2026-11-21T23:13:39.817451Z", "at 2026-11-21T23:13:39.817451Z"),
        ("letters only ABCDEFG too", "letters only [fin] too"),
        ("status GRANTED stays", "status GRANTED stays"),
        ("card AA1234567", "card [id-card]"),
        ("call +994501234567 or 0501234567", "call [phone] or [phone]"),
        ("mail aynur@example.az", "mail [email]"),
        ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer [token]"),
        ("jwt eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln end", "jwt [token] end"),
        ("GET /graphql?query=x&variables=y HTTP/1.1", "GET /graphql?[query] HTTP/1.1"),
        (
            "correlation 87865bf0024c41079f3671dc2327ffd1",
            "correlation 87865bf0024c41079f3671dc2327ffd1",
        ),
    ],
)
def test_personal_data_in_free_text_is_masked(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_personal_keys_are_masked_whatever_they_hold(capsys: pytest.CaptureFixture[str]) -> None:
    from gateway.logging import redact_personal_data

    event = redact_personal_data(
        None,
        "info",
        {
            "event": "x",
            "phone": "12",
            "first_name": "Aynur",
            "agency": "tax",
            "nested": {"last_name": "Məmmədova", "count": 2},
        },
    )

    assert event == {
        "event": "x",
        "phone": "[redacted]",
        "first_name": "[redacted]",
        "agency": "tax",
        "nested": {"last_name": "[redacted]", "count": 2},
    }


def _masked_in_full(text: str) -> str:
    """Every substitution of the redaction, with no shortcut."""
    from gateway.logging import _FIN, _PATTERNS, _fin

    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return _FIN.sub(_fin, text)


def test_the_shortcut_for_plain_strings_never_lets_personal_data_through() -> None:
    import random

    pieces = [
        *"0123456789ABCDEFGHJKLMNPQRSTUVWXYZIOabcdefxyz",
        *" -_.+/:@?='\"\t",
        *"٣٤۵əıŞİ",  # digits of other scripts count as \d; letters outside ASCII
        "bearer ",
        "BeArEr ",
        "eyJ",
        "994",
        "+994 ",
        "050",
        "AA",
        "GRANTED",
        "2026-11-21T23:13:39.817451Z",
        "5ZX3K8P",
        "0501234567",
        "AA1234567",
        "994 50 123 45 67",
        "99450",
        "1234567",
        "a@b.az",
        "/graphql?x=1",
        "bearer x",
        "eyJhbGciOi.eyJzdWIi.c2ln",
    ]
    rng = random.Random(20261121)
    samples = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 14))) for _ in range(30000)]
    from gateway.logging import _may_hold_personal_data

    shortcuts = 0
    for text in samples:
        assert redact_text(text) == _masked_in_full(text), text
        shortcuts += not _may_hold_personal_data(text)
    assert shortcuts > 1000  # the shortcut was taken, and was right each time


def test_every_line_is_json_even_for_values_the_fast_encoder_refuses() -> None:
    """Lines are rendered by orjson; an integer past 64 bits or a lone surrogate falls back to
    the standard encoder instead of raising out of the log call, and is masked all the same."""
    from gateway.settings import Settings

    stream = io.StringIO()
    configure_logging(replace(Settings.from_env({}), profile=Profile.PROD), stream=stream)
    try:
        log = structlog.get_logger("vemtas.test")
        log.info("agency_read", agency="tax", item="incomes", keys=2, xroad_ids=["a-b"])
        log.info("odd", big=2**70, text="\udcff Bakı 5ZX3K8P", first_name="Aynur")
    finally:
        structlog.reset_defaults()
        root = logging.getLogger()
        for handler in list(root.handlers):
            if handler.get_name() == "vemtas":
                root.removeHandler(handler)

    read, odd = (json.loads(line) for line in stream.getvalue().splitlines())
    assert {k: read[k] for k in ("event", "agency", "item", "keys", "xroad_ids", "level")} == {
        "event": "agency_read",
        "agency": "tax",
        "item": "incomes",
        "keys": 2,
        "xroad_ids": ["a-b"],
        "level": "info",
    }
    assert read["timestamp"].endswith("Z")
    assert odd["big"] == 2**70
    assert odd["text"] == "\udcff Bakı [fin]"
    assert odd["first_name"] == "[redacted]"
