"""The prod profile never trusts the mock identity provider or the committed development keys."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest

from gateway.auth import (
    AuthError,
    AuthFailure,
    InsecureConfigurationError,
    TokenValidator,
    check_prod_safety,
)
from gateway.settings import Profile, Settings, SettingsError
from mocks.identity import IdentityProvider, SigningKey, dev_keys

from .conftest import NOW, Clock

REAL_ISSUER = "https://id.example.az/realms/citizens"
REAL_JWKS = "https://id.example.az/realms/citizens/jwks"


def prod(**changes: Any) -> Settings:
    values: dict[str, Any] = {"oidc_issuer": REAL_ISSUER, "oidc_jwks_url": REAL_JWKS, **changes}
    return replace(Settings(), profile=Profile.PROD, **values)


def test_the_prod_profile_refuses_to_start_against_the_mock_identity_provider() -> None:
    with pytest.raises(InsecureConfigurationError):
        check_prod_safety(replace(Settings(), profile=Profile.PROD))
    with pytest.raises(SettingsError):  # the start-up error family, for the CLI to report
        check_prod_safety(Settings.from_env({"VEMTAS_PROFILE": "prod"}))


@pytest.mark.parametrize(
    "changes",
    [
        {"oidc_jwks_url": "http://id.example.az/jwks"},
        {"oidc_issuer": "http://id.example.az"},
        {"oidc_jwks_url": "https://127.0.0.1:8443/identity/jwks"},
        {"oidc_jwks_url": "https://[::1]/jwks"},
        {"oidc_issuer": "https://localhost/identity"},
        {"oidc_jwks_url": "https:///jwks"},
    ],
)
def test_the_prod_profile_wants_the_real_provider_over_https(changes: dict[str, str]) -> None:
    with pytest.raises(InsecureConfigurationError):
        check_prod_safety(prod(**changes))


def test_a_real_provider_over_https_passes_and_dev_is_never_checked() -> None:
    check_prod_safety(prod())
    check_prod_safety(Settings())


def provider_transport(provider: IdentityProvider) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(200, json=provider.jwks()))


async def test_prod_refuses_to_start_when_the_provider_publishes_a_development_key(
    clock: Clock,
) -> None:
    provider = IdentityProvider(issuer=REAL_ISSUER)  # the development keys
    async with httpx.AsyncClient(transport=provider_transport(provider)) as client:
        validator = TokenValidator(prod(), client, clock=clock.wall, monotonic=clock.mono)
        with pytest.raises(InsecureConfigurationError):
            await validator.prime()
        assert validator.key_ids == frozenset()


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
async def test_prod_never_accepts_a_token_signed_with_a_development_key_under_any_kid(
    clock: Clock, alg: str
) -> None:
    renamed = [
        SigningKey(kid=f"prod-{k.kid}", alg=k.alg, private_key=k.private_key) for k in dev_keys()
    ]
    provider = IdentityProvider(issuer=REAL_ISSUER, keys=renamed)
    async with httpx.AsyncClient(transport=provider_transport(provider)) as client:
        validator = TokenValidator(prod(), client, clock=clock.wall, monotonic=clock.mono)
        token = provider.issue(role="auditor", alg=alg, now=NOW)
        with pytest.raises(AuthError) as caught:
            await validator.validate(token)
    assert caught.value.reason is AuthFailure.UNKNOWN_KEY


async def test_prod_accepts_tokens_from_the_providers_own_keys(clock: Clock) -> None:
    keys = [SigningKey.generate("RS256", "prod-rs-1"), SigningKey.generate("ES256", "prod-es-1")]
    provider = IdentityProvider(issuer=REAL_ISSUER, keys=keys)
    async with httpx.AsyncClient(transport=provider_transport(provider)) as client:
        validator = TokenValidator(prod(), client, clock=clock.wall, monotonic=clock.mono)
        await validator.prime()
        principal = await validator.validate(provider.issue(role="auditor", alg="ES256", now=NOW))
    assert principal.sub == "dev-auditor"  # whatever the provider says the subject is
    assert validator.key_ids == {"prod-rs-1", "prod-es-1"}
