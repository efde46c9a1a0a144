"""The provider's keys: fetched once and cached, refreshed at most once per 30 s when a token
names an unknown key, rotated at the provider without restarting the gateway, and still usable
when the provider is down."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest

from gateway.auth import AuthError, AuthFailure, TokenValidator
from gateway.settings import Settings
from mocks.identity import Algorithm, IdentityProvider, SigningKey

from .conftest import NOW, Clock, Upstream


async def reason_of(validator: TokenValidator, token: str) -> AuthFailure:
    with pytest.raises(AuthError) as caught:
        await validator.validate(token)
    return caught.value.reason


def stranger_token(provider: IdentityProvider, n: int) -> str:
    """A well-signed token under a key the provider never published."""
    key = SigningKey.generate("ES256", f"stranger-{n}")
    return provider.sign(provider.claims(role="citizen", fin="5ZX3K8P", now=NOW), key=key)


async def test_fetches_the_keys_once_and_then_serves_tokens_from_the_cache(
    validator: TokenValidator, issue: Any, upstream: Upstream
) -> None:
    for alg in ("RS256", "ES256", "RS256", "ES256"):
        await validator.validate(issue(alg=alg))
    assert upstream.jwks_fetches() == 1
    assert validator.key_ids == {"dev-rs256-2026", "dev-es256-2026"}


async def test_many_tokens_with_unknown_kids_cause_at_most_one_jwks_fetch(
    validator: TokenValidator, provider: IdentityProvider, upstream: Upstream, clock: Clock
) -> None:
    await validator.prime()
    assert upstream.jwks_fetches() == 1
    strangers = [stranger_token(provider, n) for n in range(12)]

    # Within 30 s of the last fetch: no fetch at all.
    reasons = await asyncio.gather(*(reason_of(validator, t) for t in strangers))
    assert set(reasons) == {AuthFailure.UNKNOWN_KEY}
    assert upstream.jwks_fetches() == 1

    # Later, a burst of unknown kids arriving together: exactly one refresh between them.
    clock.advance(31)
    reasons = await asyncio.gather(*(reason_of(validator, t) for t in strangers))
    assert set(reasons) == {AuthFailure.UNKNOWN_KEY}
    assert upstream.jwks_fetches() == 2
    for token in strangers:
        assert await reason_of(validator, token) is AuthFailure.UNKNOWN_KEY
    assert upstream.jwks_fetches() == 2


async def test_a_key_rotated_at_the_provider_is_trusted_without_a_restart(
    validator: TokenValidator, provider: IdentityProvider, issue: Any, clock: Clock
) -> None:
    old_token = issue(alg="RS256")
    await validator.validate(old_token)
    new_key = provider.rotate("RS256")
    new_token = issue(alg="RS256")
    assert new_token.split(".")[0] != old_token.split(".")[0]  # names the new kid

    clock.advance(31)
    assert (await validator.validate(new_token)).fin == "5ZX3K8P"
    assert new_key.kid in validator.key_ids
    assert (await validator.validate(old_token)).fin == "5ZX3K8P"  # still published


async def test_a_rotation_right_after_a_fetch_is_picked_up_once_the_pause_is_over(
    validator: TokenValidator, provider: IdentityProvider, issue: Any, clock: Clock
) -> None:
    await validator.prime()
    provider.rotate("ES256")
    token = issue(alg="ES256")
    assert await reason_of(validator, token) is AuthFailure.UNKNOWN_KEY
    clock.advance(30.5)
    assert (await validator.validate(token)).fin == "5ZX3K8P"


async def test_rotation_through_the_mock_admin_endpoint_retires_the_old_key(
    validator: TokenValidator,
    http_client: httpx.AsyncClient,
    provider: IdentityProvider,
    issue: Any,
    clock: Clock,
) -> None:
    old_token = issue(alg="RS256")
    await validator.validate(old_token)
    answer = await http_client.post(
        "http://127.0.0.1:8100/identity/_rotate",
        data={"alg": "RS256", "retire_previous": "true"},
    )
    assert answer.status_code == 200
    assert answer.json()["alg"] == "RS256"
    new_token = issue(alg="RS256")
    clock.advance(31)
    assert (await validator.validate(new_token)).fin == "5ZX3K8P"
    assert answer.json()["kid"] in validator.key_ids
    assert "dev-rs256-2026" not in validator.key_ids
    assert await reason_of(validator, old_token) is AuthFailure.UNKNOWN_KEY


async def test_cached_keys_keep_working_while_the_provider_is_down(
    validator: TokenValidator, issue: Any, upstream: Upstream, clock: Clock
) -> None:
    await validator.validate(issue(alg="RS256"))
    upstream.down = True
    assert (await validator.validate(issue(alg="ES256"))).fin == "5ZX3K8P"
    # Even past the keys' maximum age, when the refresh fails, the cached keys are kept.
    clock.advance(2 * 3600)
    attempts_before = len(upstream.requests)
    assert (await validator.validate(issue(alg="RS256", now=NOW + timedelta(hours=2)))).fin
    assert len(upstream.requests) == attempts_before + 1  # it did try


async def test_old_cached_keys_are_refreshed_so_a_retired_key_stops_working(
    validator: TokenValidator, provider: IdentityProvider, issue: Any, clock: Clock
) -> None:
    token = issue(alg="RS256")
    await validator.validate(token)
    provider.rotate("RS256", retire_previous=True)
    clock.advance(2 * 3600)
    later = issue(alg="ES256", now=NOW + timedelta(hours=2))
    await validator.validate(later)  # an hour-old cache is refreshed on use
    assert "dev-rs256-2026" not in validator.key_ids


async def test_refuses_every_token_when_the_provider_was_never_reachable(
    validator: TokenValidator, issue: Any, upstream: Upstream
) -> None:
    upstream.down = True
    await validator.prime()  # not fatal at start-up
    assert await reason_of(validator, issue()) is AuthFailure.KEYS_UNAVAILABLE


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(500, text="internal error"),
        httpx.Response(200, text="<html>not json</html>"),
        httpx.Response(200, json=["not", "a", "key", "set"]),
        httpx.Response(302, headers={"Location": "http://attacker.test/jwks"}),
    ],
)
async def test_a_broken_jwks_answer_leaves_the_cached_keys_in_place(
    settings: Settings,
    provider: IdentityProvider,
    upstream: Upstream,
    clock: Clock,
    issue: Any,
    answer: httpx.Response,
) -> None:
    broken = False

    async def handler(request: httpx.Request) -> httpx.Response:
        if broken:
            return answer
        return await upstream.handle(request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        validator = TokenValidator(settings, client, clock=clock.wall, monotonic=clock.mono)
        await validator.prime()
        broken = True
        clock.advance(31)
        assert await reason_of(validator, stranger_token(provider, 1)) is AuthFailure.UNKNOWN_KEY
        assert (await validator.validate(issue())).fin == "5ZX3K8P"
    assert not any(r.url.host == "attacker.test" for r in upstream.requests)


async def test_never_trusts_symmetric_or_mislabelled_keys_from_the_jwks(
    settings: Settings, provider: IdentityProvider, clock: Clock
) -> None:
    rs = provider.current_key("RS256").public_jwk()
    es = provider.current_key("ES256").public_jwk()
    published = {
        "keys": [
            {"kty": "oct", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQ", "kid": "shared", "alg": "HS256"},
            {**rs, "kid": "rsa-labelled-es", "alg": "ES256"},
            {**es, "kid": "ec-for-encryption", "use": "enc"},
            {k: v for k, v in rs.items() if k != "alg"} | {"kid": "rsa-without-alg"},
            "not a key",
            {**es},
        ]
    }
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=published))
    async with httpx.AsyncClient(transport=transport) as client:
        validator = TokenValidator(settings, client, clock=clock.wall, monotonic=clock.mono)
        await validator.prime()
    assert validator.key_ids == {"rsa-without-alg", "dev-es256-2026"}


async def test_refuses_a_weak_rsa_key_published_in_the_jwks(
    settings: Settings, clock: Clock
) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    weak = SigningKey(
        kid="weak",
        alg=Algorithm.RS256,
        private_key=rsa.generate_private_key(public_exponent=65537, key_size=1024),
    )
    weak_provider = IdentityProvider(issuer=settings.oidc_issuer, keys=[weak])
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json=weak_provider.jwks()))
    async with httpx.AsyncClient(transport=transport) as client:
        validator = TokenValidator(settings, client, clock=clock.wall, monotonic=clock.mono)
        token = weak_provider.issue(role="citizen", fin="5ZX3K8P", now=NOW)
        assert await reason_of(validator, token) is AuthFailure.UNKNOWN_KEY


async def test_validates_against_the_configured_jwks_address_only(
    provider: IdentityProvider, upstream: Upstream, clock: Clock, issue: Any
) -> None:
    settings = replace(Settings(), oidc_jwks_url="http://127.0.0.1:8100/identity/jwks")
    async with httpx.AsyncClient(transport=httpx.MockTransport(upstream.handle)) as client:
        validator = TokenValidator(settings, client, clock=clock.wall, monotonic=clock.mono)
        await validator.validate(issue())
    assert [str(r.url) for r in upstream.requests] == ["http://127.0.0.1:8100/identity/jwks"]
