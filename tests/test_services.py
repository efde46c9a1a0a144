"""The skip-or-fail rule for tests that need a server (tests/services.py): locally a missing
PostgreSQL, Redis or node skips the test, saying why and when it runs; under CI
(``VEMTAS_TEST_REQUIRE_SERVICES=1``) the same absence fails it, so CI cannot pass by skipping."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import services


def test_a_missing_server_skips_saying_why_and_when_it_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(services, "REQUIRE_SERVICES", False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        services.unavailable("VEMTAS_TEST_REDIS_URL is not set", "it names a Redis server")
    message = str(skipped.value)
    assert "VEMTAS_TEST_REDIS_URL is not set" in message
    assert "runs when it names a Redis server" in message
    assert "CI=true bash .ci/run" in message


def test_under_ci_a_missing_server_fails_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "REQUIRE_SERVICES", True)
    with pytest.raises(pytest.fail.Exception) as failed:
        services.unavailable("VEMTAS_TEST_REDIS_URL is not set", "it names a Redis server")
    assert "VEMTAS_TEST_REQUIRE_SERVICES=1" in str(failed.value)


def test_a_missing_node_package_names_it_and_make_node(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(services, "REQUIRE_SERVICES", False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        services.require_node_package(tmp_path, "graphql-http")  # nothing installed there
    assert "graphql-http is not installed" in str(skipped.value)
    assert "`make node` installed graphql-http" in str(skipped.value)


def test_redis_url_is_handed_over_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "REDIS_URL", "redis://127.0.0.1:6379/15")
    assert services.require_redis() == "redis://127.0.0.1:6379/15"
