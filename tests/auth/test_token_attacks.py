"""The token attack matrix: what the gateway accepts, and everything it refuses (quality.md,
"Tokens"). Every refusal is UNAUTHENTICATED with a reason, and causes no outbound request beyond
the one JWKS fetch the validator needs to know the provider's keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from starlette.datastructures import Headers

from gateway.auth import MAX_TOKEN_BYTES, AuthError, AuthFailure, TokenValidator, bearer_token
from mocks.identity import IdentityProvider, SigningKey
from resolvers.principal import Role

from .conftest import NOW, T0, Upstream


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(value: Any) -> str:
    return b64(json.dumps(value).encode())


async def refused(validator: TokenValidator, token: str) -> AuthFailure:
    with pytest.raises(AuthError) as caught:
        await validator.validate(token)
    assert caught.value.code == "UNAUTHENTICATED"
    return caught.value.reason


# --- accepted -------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
async def test_accepts_a_genuine_citizen_token_signed_with_either_algorithm(
    validator: TokenValidator, issue: Any, alg: str
) -> None:
    principal = await validator.validate(issue(role="citizen", fin="5ZX3K8P", alg=alg))
    assert principal.roles == {Role.CITIZEN}
    assert principal.fin == "5ZX3K8P"
    assert principal.sub.startswith("dev-citizen-")


async def test_a_caseworker_token_carries_its_districts_and_a_service_token_its_scopes(
    validator: TokenValidator, issue: Any
) -> None:
    caseworker = await validator.validate(
        issue(role="caseworker", districts=["Yasamal", "Nəsimi"], sub="cw-17")
    )
    assert caseworker.sub == "cw-17"
    assert caseworker.districts == {"Yasamal", "Nəsimi"}
    assert caseworker.fin is None
    service = await validator.validate(issue(role="service", scopes=["households:read"]))
    assert service.roles == {Role.SERVICE}
    assert service.scopes == {"households:read"}


async def test_the_fin_is_kept_out_of_the_principals_repr(
    validator: TokenValidator, issue: Any
) -> None:
    principal = await validator.validate(issue(role="citizen", fin="5ZX3K8P"))
    assert "5ZX3K8P" not in repr(principal)


# --- time, issuer, audience, required claims ------------------------------------------------


@pytest.mark.parametrize(
    ("ttl", "accepted"),
    [(-29, True), (-30, True), (-31, False), (-3600, False)],
)
async def test_refuses_an_expired_token_beyond_thirty_seconds_of_leeway(
    validator: TokenValidator, issue: Any, ttl: int, accepted: bool
) -> None:
    token = issue(ttl=ttl)
    if accepted:
        assert (await validator.validate(token)).fin == "5ZX3K8P"
    else:
        assert await refused(validator, token) is AuthFailure.EXPIRED


@pytest.mark.parametrize(("ahead", "accepted"), [(30, True), (31, False), (3600, False)])
async def test_refuses_a_token_that_is_not_valid_yet(
    validator: TokenValidator, provider: IdentityProvider, ahead: int, accepted: bool
) -> None:
    claims = provider.claims(role="citizen", fin="5ZX3K8P", now=NOW)
    claims["nbf"] = T0 + ahead
    token = provider.sign(claims)
    if accepted:
        assert (await validator.validate(token)).roles == {Role.CITIZEN}
    else:
        assert await refused(validator, token) is AuthFailure.NOT_YET_VALID


async def test_refuses_a_token_issued_in_the_future(validator: TokenValidator, issue: Any) -> None:
    from datetime import timedelta

    token = issue(now=NOW + timedelta(hours=1))
    assert await refused(validator, token) is AuthFailure.NOT_YET_VALID


async def test_refuses_a_token_from_another_issuer_even_with_a_trusted_key(
    validator: TokenValidator, provider: IdentityProvider
) -> None:
    impostor = IdentityProvider(issuer="http://127.0.0.1:8100/other", keys=provider.keys)
    token = impostor.issue(role="citizen", fin="5ZX3K8P", now=NOW)
    assert await refused(validator, token) is AuthFailure.WRONG_ISSUER


@pytest.mark.parametrize("audience", ["another-api", "vemtas-staging"])
async def test_refuses_a_token_for_another_audience(
    validator: TokenValidator, issue: Any, audience: str
) -> None:
    assert await refused(validator, issue(audience=audience)) is AuthFailure.WRONG_AUDIENCE


async def test_accepts_an_audience_list_that_names_the_gateway(
    validator: TokenValidator, provider: IdentityProvider, claims: dict[str, Any]
) -> None:
    claims["aud"] = ["another-api", "vemtas"]
    assert (await validator.validate(provider.sign(claims))).fin == "5ZX3K8P"


@pytest.mark.parametrize("missing", ["sub", "exp", "iss", "aud"])
async def test_refuses_a_token_without_a_required_claim(
    validator: TokenValidator, provider: IdentityProvider, claims: dict[str, Any], missing: str
) -> None:
    del claims[missing]
    assert await refused(validator, provider.sign(claims)) is AuthFailure.MISSING_CLAIM


@pytest.mark.parametrize(
    ("claim", "value", "reason"),
    [
        ("sub", "", AuthFailure.INVALID_CLAIM),
        ("sub", 42, AuthFailure.INVALID_CLAIM),
        ("exp", "tomorrow", AuthFailure.INVALID_CLAIM),
        ("exp", True, AuthFailure.INVALID_CLAIM),
        ("nbf", "now", AuthFailure.INVALID_CLAIM),
        ("fin", "5zx3k8p", AuthFailure.INVALID_CLAIM),
        ("fin", "5ZX3K8O", AuthFailure.INVALID_CLAIM),
        ("districts", "Yasamal", AuthFailure.INVALID_CLAIM),
        ("scope", ["households:read"], AuthFailure.INVALID_CLAIM),
    ],
)
async def test_refuses_a_claim_of_the_wrong_shape(
    validator: TokenValidator,
    provider: IdentityProvider,
    claims: dict[str, Any],
    claim: str,
    value: Any,
    reason: AuthFailure,
) -> None:
    claims[claim] = value
    assert await refused(validator, provider.sign(claims)) is reason


# --- roles come from the token, and only from it --------------------------------------------


@pytest.mark.parametrize(
    "roles",
    [
        "auditor",  # a string, not a list
        [],
        ["admin"],
        ["citizen", "superuser"],
        [{"name": "auditor"}],
        None,
    ],
)
async def test_refuses_a_roles_claim_that_is_not_a_list_of_known_roles(
    validator: TokenValidator, provider: IdentityProvider, claims: dict[str, Any], roles: Any
) -> None:
    claims["roles"] = roles
    assert await refused(validator, provider.sign(claims)) is AuthFailure.INVALID_ROLES


async def test_refuses_a_token_without_roles(
    validator: TokenValidator, provider: IdentityProvider, claims: dict[str, Any]
) -> None:
    del claims["roles"]
    assert await refused(validator, provider.sign(claims)) is AuthFailure.INVALID_ROLES


async def test_refuses_a_citizen_without_a_fin_and_a_caseworker_without_districts(
    validator: TokenValidator, provider: IdentityProvider
) -> None:
    citizen = provider.sign(provider.claims(role="citizen", now=NOW))
    caseworker = provider.sign(provider.claims(role="caseworker", now=NOW))
    assert await refused(validator, citizen) is AuthFailure.INVALID_CLAIM
    assert await refused(validator, caseworker) is AuthFailure.INVALID_CLAIM


async def test_roles_in_request_headers_are_ignored(validator: TokenValidator, issue: Any) -> None:
    headers = Headers(
        raw=[
            (b"authorization", f"Bearer {issue(role='citizen')}".encode()),
            (b"x-roles", b"auditor"),
            (b"x-vemtas-role", b"auditor"),
            (b"x-forwarded-user", b"auditor"),
        ]
    )
    token = bearer_token(headers)
    assert token is not None
    principal = await validator.validate(token)
    assert principal.roles == {Role.CITIZEN}


# --- algorithms -----------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
async def test_refuses_an_unsigned_token_with_alg_none(
    validator: TokenValidator, claims: dict[str, Any], upstream: Upstream, alg: str
) -> None:
    unsigned = f"{segment({'alg': alg, 'typ': 'JWT'})}.{segment(claims)}."
    assert await refused(validator, unsigned) is AuthFailure.MALFORMED
    with_junk_signature = unsigned + "c2ln"
    assert await refused(validator, with_junk_signature) is AuthFailure.ALGORITHM_NOT_ALLOWED
    assert upstream.requests == []


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
async def test_refuses_an_hmac_token_keyed_with_the_providers_public_key(
    validator: TokenValidator, provider: IdentityProvider, claims: dict[str, Any], alg: str
) -> None:
    rs_key = provider.current_key("RS256")
    public = rs_key.private_key.public_key()
    secrets = [
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1),
        json.dumps(rs_key.public_jwk()).encode(),
    ]
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    for secret in secrets:
        signing_input = f"{segment({'alg': alg, 'kid': rs_key.kid})}.{segment(claims)}"
        signature = hmac.new(secret, signing_input.encode(), digest).digest()
        token = f"{signing_input}.{b64(signature)}"
        assert await refused(validator, token) is AuthFailure.ALGORITHM_NOT_ALLOWED


@pytest.mark.parametrize("alg", ["RS384", "RS512", "PS256", "ES384", "ES512", "EdDSA"])
async def test_refuses_algorithms_outside_the_allow_list(
    validator: TokenValidator, provider: IdentityProvider, claims: dict[str, Any], alg: str
) -> None:
    token = provider.sign(claims, header={"alg": alg})
    assert await refused(validator, token) is AuthFailure.ALGORITHM_NOT_ALLOWED


async def test_a_key_verifies_only_its_own_algorithm(
    validator: TokenValidator, provider: IdentityProvider, claims: dict[str, Any]
) -> None:
    # Signed by the genuine ES256 key, but claiming to be verified by the RS256 key and vice versa.
    es_signed_as_rs = provider.sign(
        claims, alg="ES256", header={"kid": provider.current_key("RS256").kid}
    )
    rs_signed_as_es = provider.sign(
        claims, alg="RS256", header={"alg": "ES256", "kid": provider.current_key("ES256").kid}
    )
    assert await refused(validator, es_signed_as_rs) is AuthFailure.KEY_ALGORITHM_MISMATCH
    assert await refused(validator, rs_signed_as_es) is AuthFailure.BAD_SIGNATURE


# --- headers that would send us elsewhere for keys ------------------------------------------


@pytest.mark.parametrize(
    "hostile",
    [
        {"jku": "http://attacker.test/jwks.json"},
        {"x5u": "http://attacker.test/cert.pem"},
        {"jwk": {"kty": "oct", "k": "c2VjcmV0"}},
        {"x5c": ["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"]},
        {"jku": "http://127.0.0.1:8100/identity/jwks"},
    ],
)
async def test_refuses_key_locating_headers_without_any_outbound_request(
    validator: TokenValidator,
    provider: IdentityProvider,
    claims: dict[str, Any],
    upstream: Upstream,
    hostile: dict[str, Any],
) -> None:
    await validator.prime()
    before = len(upstream.requests)
    # The signature is genuine: the header alone is what gets the token refused.
    token = provider.sign(claims, header=hostile)
    assert await refused(validator, token) is AuthFailure.FORBIDDEN_HEADER
    assert upstream.requests[before:] == []
    assert not any(r.url.host == "attacker.test" for r in upstream.requests)


async def test_refuses_an_embedded_jwk_carrying_the_attackers_own_key(
    validator: TokenValidator, claims: dict[str, Any], upstream: Upstream
) -> None:
    attacker_key = SigningKey.generate("RS256", "attacker")
    attacker = IdentityProvider(issuer=claims["iss"], keys=[attacker_key])
    token = attacker.sign(claims, header={"jwk": attacker_key.public_jwk()})
    assert await refused(validator, token) is AuthFailure.FORBIDDEN_HEADER
    assert upstream.requests == []


@pytest.mark.parametrize(
    "header",
    [{"crit": ["exp"]}, {"b64": False, "crit": ["b64"]}, {"enc": "A256GCM"}, {"zip": "DEF"}],
)
async def test_refuses_unknown_or_critical_header_parameters(
    validator: TokenValidator, provider: IdentityProvider, claims: dict[str, Any], header: Any
) -> None:
    assert await refused(validator, provider.sign(claims, header=header)) is (
        AuthFailure.FORBIDDEN_HEADER
    )


@pytest.mark.parametrize(
    "kid",
    ["../../../../etc/passwd", "' OR 1=1 --", "x" * 129, "", 7, None, ["dev-rs256-2026"]],
)
async def test_refuses_a_hostile_kid_after_at_most_one_jwks_fetch(
    validator: TokenValidator,
    provider: IdentityProvider,
    claims: dict[str, Any],
    upstream: Upstream,
    kid: Any,
) -> None:
    token = provider.sign(claims, header={"kid": kid})
    assert await refused(validator, token) is AuthFailure.UNKNOWN_KEY
    assert upstream.jwks_fetches() <= 1
    assert {r.url.path for r in upstream.requests} <= {"/identity/jwks"}


# --- tampering, size, garbage ---------------------------------------------------------------


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
async def test_refuses_a_token_whose_payload_was_changed_after_signing(
    validator: TokenValidator, issue: Any, claims: dict[str, Any], alg: str
) -> None:
    header, _, signature = issue(alg=alg).split(".")
    claims["roles"] = ["auditor"]
    tampered = f"{header}.{segment(claims)}.{signature}"
    assert await refused(validator, tampered) is AuthFailure.BAD_SIGNATURE


async def test_refuses_a_token_whose_signature_was_changed(
    validator: TokenValidator, issue: Any
) -> None:
    header, payload, signature = issue().split(".")
    flipped = ("A" if signature[10] != "A" else "B").join((signature[:10], signature[11:]))
    assert await refused(validator, f"{header}.{payload}.{flipped}") is AuthFailure.BAD_SIGNATURE
    truncated = signature[:-8]
    assert await refused(validator, f"{header}.{payload}.{truncated}") in {
        AuthFailure.BAD_SIGNATURE,
        AuthFailure.MALFORMED,
    }


async def test_refuses_an_oversized_token_before_fetching_any_key(
    validator: TokenValidator,
    provider: IdentityProvider,
    claims: dict[str, Any],
    upstream: Upstream,
) -> None:
    claims["padding"] = "x" * MAX_TOKEN_BYTES
    token = provider.sign(claims)
    assert len(token) > MAX_TOKEN_BYTES
    assert await refused(validator, token) is AuthFailure.OVERSIZED
    assert upstream.requests == []


async def test_accepts_a_genuine_token_just_under_the_size_limit(
    validator: TokenValidator, provider: IdentityProvider, claims: dict[str, Any]
) -> None:
    claims["note"] = ""
    room = MAX_TOKEN_BYTES - len(provider.sign(claims))
    claims["note"] = "x" * (room * 3 // 4 - 4)
    token = provider.sign(claims)
    assert MAX_TOKEN_BYTES - 8 <= len(token) <= MAX_TOKEN_BYTES
    assert (await validator.validate(token)).fin == "5ZX3K8P"


@pytest.mark.parametrize(
    "garbage",
    [
        "abc",
        "a.b",
        "a.b.c.d",
        "a.b.c.d.e",  # the shape of an encrypted token
        "..",
        "!!!.???.***",
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln=",
        f"{segment(['RS256'])}.{segment({})}.c2ln",
        f"{segment({'alg': 'RS256'})}.{segment(['not', 'an', 'object'])}.c2ln",
        f"{b64(b'not json')}.{segment({})}.c2ln",
        f"{b64(bytes([0xFF, 0xFE]))}.{segment({})}.c2ln",
        "ey\u0130.ey.sig",
        "Bearer abc.def.ghi",
        " " + "a.b.c",
    ],
)
async def test_refuses_garbage_as_malformed(
    validator: TokenValidator, upstream: Upstream, garbage: str
) -> None:
    assert await refused(validator, garbage) is AuthFailure.MALFORMED
    assert upstream.requests == []


async def test_refuses_an_empty_token(validator: TokenValidator) -> None:
    assert await refused(validator, "") is AuthFailure.MISSING


# --- the Authorization header ---------------------------------------------------------------


def test_reads_the_bearer_token_from_the_authorization_header() -> None:
    assert bearer_token({"Authorization": "Bearer a.b.c"}) == "a.b.c"
    assert bearer_token({"authorization": "bearer a.b.c"}) == "a.b.c"
    assert bearer_token(Headers({"Authorization": "Bearer a.b.c"})) == "a.b.c"


def test_no_authorization_header_means_no_token() -> None:
    assert bearer_token({"Accept": "application/json"}) is None


@pytest.mark.parametrize(
    "raw",
    [
        [(b"authorization", b"Basic dXNlcjpwYXNz")],
        [(b"authorization", b"Bearer")],
        [(b"authorization", b"Bearer a.b.c d.e.f")],
        [(b"authorization", b"Bearer a.b.c"), (b"authorization", b"Bearer d.e.f")],
    ],
)
def test_a_malformed_authorization_header_is_refused_not_treated_as_anonymous(
    raw: list[tuple[bytes, bytes]],
) -> None:
    with pytest.raises(AuthError) as caught:
        bearer_token(Headers(raw=raw))
    assert caught.value.reason is AuthFailure.MALFORMED
