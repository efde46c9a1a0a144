"""`vemtas token` prints a development token that the gateway's validator accepts, and the bad
tokens it is asked for are refused for the right reason."""

from __future__ import annotations

import os

import httpx
import pytest

from gateway.auth import AuthError, AuthFailure, TokenValidator
from gateway.cli import main
from gateway.settings import Settings
from resolvers.principal import Role

from .conftest import Upstream


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("VEMTAS_"):
            monkeypatch.delenv(name)


@pytest.fixture
def live_validator(settings: Settings, http_client: httpx.AsyncClient) -> TokenValidator:
    # Real clocks: the command signs tokens for "now".
    return TokenValidator(settings, http_client)


def token_from(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["token", *argv]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.count(".") == 2  # the bare token on one line
    return out.strip()


def failure_from(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["token", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err


async def test_prints_a_citizen_token_the_gateway_accepts(
    capsys: pytest.CaptureFixture[str], live_validator: TokenValidator
) -> None:
    principal = await live_validator.validate(
        token_from(capsys, "--role", "citizen", "--fin", "5ZX3K8P")
    )
    assert principal.roles == {Role.CITIZEN}
    assert principal.fin == "5ZX3K8P"


async def test_prints_an_es256_caseworker_token_for_several_districts(
    capsys: pytest.CaptureFixture[str], live_validator: TokenValidator
) -> None:
    token = token_from(
        capsys,
        "--role",
        "caseworker",
        "--district",
        "Yasamal",
        "--district",
        "Xətai",
        "--alg",
        "ES256",
        "--sub",
        "cw-42",
    )
    principal = await live_validator.validate(token)
    assert principal.districts == {"Yasamal", "Xətai"}
    assert principal.sub == "cw-42"


async def test_a_negative_ttl_gives_a_token_the_gateway_refuses_as_expired(
    capsys: pytest.CaptureFixture[str], live_validator: TokenValidator
) -> None:
    token = token_from(capsys, "--role", "auditor", "--ttl", "-3600")
    with pytest.raises(AuthError) as caught:
        await live_validator.validate(token)
    assert caught.value.reason is AuthFailure.EXPIRED


async def test_another_audience_gives_a_token_the_gateway_refuses(
    capsys: pytest.CaptureFixture[str], live_validator: TokenValidator
) -> None:
    token = token_from(capsys, "--role", "auditor", "--audience", "someone-else")
    with pytest.raises(AuthError) as caught:
        await live_validator.validate(token)
    assert caught.value.reason is AuthFailure.WRONG_AUDIENCE


async def test_signs_for_the_configured_issuer(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    live_validator: TokenValidator,
    upstream: Upstream,
) -> None:
    monkeypatch.setenv("VEMTAS_OIDC_ISSUER", "https://id.example.az")
    token = token_from(capsys, "--role", "operator")
    with pytest.raises(AuthError) as caught:
        await live_validator.validate(token)
    assert caught.value.reason is AuthFailure.WRONG_ISSUER


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--role", "citizen"], "--fin"),
        (["--role", "citizen", "--fin", "5ZX3K8O"], "--fin"),
        (["--role", "citizen", "--fin", "5zx3k8p"], "--fin"),
        (["--role", "caseworker"], "--district"),
        (["--role", "caseworker", "--district", " "], "--district"),
    ],
)
def test_refuses_incomplete_or_invalid_requests(
    capsys: pytest.CaptureFixture[str], argv: list[str], complaint: str
) -> None:
    assert complaint in failure_from(capsys, *argv)


def test_refuses_an_unknown_role(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["token", "--role", "admin"])
    assert exited.value.code == 2
    assert "admin" in capsys.readouterr().err


def test_prints_no_token_in_the_prod_profile(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEMTAS_PROFILE", "prod")
    assert "prod" in failure_from(capsys, "--role", "auditor")
