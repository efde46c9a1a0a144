"""The applications' configuration, and a database that goes away: mutations fail fast with a
retryable error and no side effects, and the gateway says it is not ready."""

from __future__ import annotations

import pytest

from adapters.db import open_database
from gateway.settings import Profile, SettingsError
from gateway.worker import policy_from_env
from tests.applications.conftest import SUBMIT, Stack, granted_family


def test_the_policy_is_read_from_the_environment() -> None:
    policy = policy_from_env(
        {
            "VEMTAS_DECISION_BUDGET_MS": "1500",
            "VEMTAS_TAKEOVER_SECONDS": "30",
            "VEMTAS_OUTBOX_MAX_ATTEMPTS": "5",
            "VEMTAS_CRASH_AT": "after-claim, after-bank-call",
        },
        Profile.DEV,
    )
    assert policy.decision_budget == 1.5
    assert policy.takeover_after == 30
    assert policy.outbox_max_attempts == 5
    assert policy_from_env({}, Profile.DEV).outbox_max_attempts == 20  # 10 to 13 hours
    capped = policy_from_env({"VEMTAS_OUTBOX_BACKOFF_CAP_SECONDS": "600"}, Profile.DEV)
    assert capped.outbox_backoff_cap == 600
    assert policy.crash_at == {"after-claim", "after-bank-call"}


@pytest.mark.parametrize(
    ("environ", "profile", "words"),
    [
        ({"VEMTAS_CRASH_AT": "after-claim"}, Profile.PROD, "refused in prod"),
        ({"VEMTAS_CRASH_AT": "after-lunch"}, Profile.DEV, "unknown points"),
        ({"VEMTAS_DECISION_BUDGET_MS": "soon"}, Profile.DEV, "must be a number"),
        ({"VEMTAS_TAKEOVER_SECONDS": "-1"}, Profile.DEV, "must not be negative"),
    ],
)
def test_a_bad_setting_is_refused_by_name(
    environ: dict[str, str], profile: Profile, words: str
) -> None:
    with pytest.raises(SettingsError, match=words):
        policy_from_env(environ, profile)


async def test_a_database_that_is_away_fails_the_mutation_fast_and_retryably(
    stack: Stack,
) -> None:
    runtime = stack.app.state.runtime
    # nothing listens on port 1: every connection is refused at once
    async with open_database("postgresql+asyncpg://postgres@127.0.0.1:1/none") as away:
        runtime.database = away
        body = await stack.query(
            SUBMIT,
            stack.citizen("G39A1XZ"),
            {"input": {"idempotencyKey": "db-away-1", **granted_family(39)}},
        )
        ready = await stack.client.get("/readyz")
    [error] = body["errors"]
    assert error["extensions"] == {"code": "DATABASE_UNAVAILABLE", "retryable": True}
    assert ready.status_code == 503
    assert not any((await stack.calls()).values())  # no agency was asked
