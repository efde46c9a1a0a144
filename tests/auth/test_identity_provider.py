"""The mock identity provider as the gateway and developers see it over HTTP."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from mocks.identity import DEV_KEY_IDS, IdentityProvider, create_identity_app, issue_token

ISSUER = "http://127.0.0.1:8100/identity"


def client_for(dev: bool, client_host: str = "127.0.0.1") -> httpx.AsyncClient:
    app = create_identity_app(issuer=ISSUER, dev=dev)
    transport = httpx.ASGITransport(app=app, client=(client_host, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8100")


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def header_of(token: str) -> dict[str, Any]:
    header = token.split(".")[0]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))
    )
    return decoded


async def test_discovery_names_the_issuer_and_where_its_keys_are() -> None:
    async with client_for(dev=True) as client:
        document = (await client.get("/.well-known/openid-configuration")).json()
    assert document["issuer"] == ISSUER
    assert document["jwks_uri"] == f"{ISSUER}/jwks"
    assert document["token_endpoint"] == f"{ISSUER}/token"
    assert set(document["id_token_signing_alg_values_supported"]) == {"RS256", "ES256"}


async def test_publishes_one_rsa_and_one_p256_public_key_and_no_private_part() -> None:
    async with client_for(dev=False) as client:
        keys = (await client.get("/jwks")).json()["keys"]
    assert {(k["kid"], k["alg"], k["kty"], k["use"]) for k in keys} == {
        ("dev-rs256-2026", "RS256", "RSA", "sig"),
        ("dev-es256-2026", "ES256", "EC", "sig"),
    }
    assert {k["kid"] for k in keys} == DEV_KEY_IDS
    private_members = {"d", "p", "q", "dp", "dq", "qi", "k"}
    assert all(not private_members & key.keys() for key in keys)


async def test_issues_a_token_for_a_caseworker_over_the_token_endpoint() -> None:
    async with client_for(dev=True) as client:
        answer = await client.post(
            "/token",
            data={
                "role": "caseworker",
                "districts": "Yasamal, Nəsimi",
                "ttl": "600",
                "alg": "ES256",
            },
        )
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    claims = claims_of(body["access_token"])
    assert claims["roles"] == ["caseworker"]
    assert claims["districts"] == ["Yasamal", "Nəsimi"]
    assert claims["iss"] == ISSUER
    assert claims["aud"] == "vemtas"
    assert claims["exp"] - claims["iat"] == 600
    assert header_of(body["access_token"])["kid"] == "dev-es256-2026"


async def test_the_token_endpoint_issues_already_expired_tokens_on_request() -> None:
    async with client_for(dev=True) as client:
        answer = await client.post(
            "/token", data={"role": "citizen", "fin": "5ZX3K8P", "ttl": "-60", "audience": "x"}
        )
    claims = claims_of(answer.json()["access_token"])
    assert claims["exp"] < claims["iat"]
    assert claims["aud"] == "x"


@pytest.mark.parametrize(
    "form",
    [
        {"role": "admin"},
        {"role": "citizen", "fin": "not-a-fin"},
        {"role": "citizen", "fin": "5ZX3K8P", "ttl": "forever"},
        {"role": "citizen", "fin": "5ZX3K8P", "alg": "HS256"},
        {"role": "citizen", "fin": "5ZX3K8P", "roles": "auditor"},
    ],
)
async def test_the_token_endpoint_answers_400_to_bad_requests(form: dict[str, str]) -> None:
    async with client_for(dev=True) as client:
        answer = await client.post("/token", data=form)
    assert answer.status_code == 400
    assert answer.json()["error"] == "bad_request"


@pytest.mark.parametrize("path", ["/token", "/_rotate"])
async def test_there_is_no_token_endpoint_and_no_rotation_outside_development(path: str) -> None:
    async with client_for(dev=False) as client:
        answer = await client.post(path, data={"role": "auditor"})
    assert answer.status_code in (404, 405)


async def test_rotation_is_refused_to_a_client_that_is_not_on_loopback() -> None:
    async with client_for(dev=True, client_host="203.0.113.7") as client:
        answer = await client.post("/_rotate", data={"alg": "RS256"})
        assert answer.status_code == 403
        keys = (await client.get("/jwks")).json()["keys"]
    assert {k["kid"] for k in keys} == DEV_KEY_IDS


async def test_rotation_publishes_a_new_current_key_next_to_the_old_one() -> None:
    provider = IdentityProvider(issuer=ISSUER)
    app = create_identity_app(issuer=ISSUER, dev=True, provider=provider)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8100") as client:
        answer = (await client.post("/_rotate", data={"alg": "ES256"})).json()
        keys = {k["kid"] for k in (await client.get("/jwks")).json()["keys"]}
        token = (await client.post("/token", data={"role": "auditor", "alg": "ES256"})).json()
    assert keys == DEV_KEY_IDS | {answer["kid"]}
    assert header_of(token["access_token"])["kid"] == answer["kid"]


def test_offline_tokens_carry_the_standard_claims_and_never_the_fin_as_subject() -> None:
    token = issue_token(issuer=ISSUER, role="citizen", fin="5ZX3K8P", alg="ES256")
    claims = claims_of(token)
    assert {"iss", "aud", "sub", "exp", "iat", "nbf", "jti", "roles", "fin"} <= claims.keys()
    assert claims["fin"] == "5ZX3K8P"
    assert "5ZX3K8P" not in claims["sub"]
    assert header_of(token) == {"alg": "ES256", "typ": "at+jwt", "kid": "dev-es256-2026"}
    assert claims_of(issue_token(issuer=ISSUER, role="auditor"))["jti"] != claims["jti"]
