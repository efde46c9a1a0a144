"""The e-government identity provider (OpenID Connect), as a mock.

Written from the provider's side, independently of the gateway's validator: tokens are signed
here with ``cryptography`` directly (compact JWS, RFC 7515), never with the library the gateway
verifies with, so that a mistake on one side cannot be mirrored on the other.

Served paths (relative to the issuer, see docs/agency-protocols.md, "identity"):

- ``GET /.well-known/openid-configuration`` — discovery document;
- ``GET /jwks`` — the public keys, each with ``kid``, ``alg`` and ``use: sig``;
- ``POST /token`` (development mode only) — form ``role``, ``sub``, ``fin``, ``districts``
  (comma-separated), ``scope`` (space-separated), ``institution``, ``ttl`` (seconds, may be
  negative), ``audience``, ``alg`` (``RS256`` or ``ES256``) → ``{"access_token", "token_type":
  "Bearer", "expires_in"}``;
- ``POST /_rotate`` (development mode only, loopback clients only) — form ``alg`` and
  ``retire_previous`` (``true``/``false``): adds a freshly generated signing key and makes it the
  current one for that algorithm → ``{"kid", "alg"}``.

The development keys live in ``mocks/identity_keys/`` (the file name is the ``kid``). They are
public knowledge; :data:`DEV_KEY_IDS` names them so that the gateway's ``prod`` profile can refuse
to trust them.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import ipaddress
import json
import re
import secrets
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

#: The ``kid`` of every committed development key. Trusting any of them in ``prod`` is refused.
DEV_KEY_IDS: frozenset[str] = frozenset({"dev-rs256-2026", "dev-es256-2026"})

#: Where the committed development keys live (PKCS#8 PEM, unencrypted, ``<kid>.pem``).
KEYS_DIR: Path = Path(__file__).with_name("identity_keys")

#: Roles the provider issues (the gateway's own enum lives in ``resolvers/principal.py``; the
#: mock is written from the provider's side and keeps its own list).
ROLES: tuple[str, ...] = ("citizen", "operator", "caseworker", "auditor", "service")

_FIN = re.compile(r"^[0-9A-HJ-NP-Z]{7}$")
_TOKEN_FORM_FIELDS = frozenset(
    {"role", "sub", "fin", "districts", "scope", "institution", "ttl", "audience", "alg"}
)


class Algorithm(StrEnum):
    """The two signing algorithms the provider uses; each key signs with exactly one."""

    RS256 = "RS256"
    ES256 = "ES256"


PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_uint(value: int) -> str:
    return _b64url(value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def _json_segment(value: Mapping[str, Any]) -> str:
    return _b64url(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


@dataclass(frozen=True)
class SigningKey:
    """One private signing key with its ``kid`` and its single algorithm."""

    kid: str
    alg: Algorithm
    private_key: PrivateKey

    @classmethod
    def generate(cls, alg: Algorithm | str, kid: str) -> SigningKey:
        """A fresh key for ``alg`` (RSA 2048 for RS256, P-256 for ES256)."""
        alg = Algorithm(alg)
        key: PrivateKey
        if alg is Algorithm.RS256:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            key = ec.generate_private_key(ec.SECP256R1())
        return cls(kid=kid, alg=alg, private_key=key)

    @classmethod
    def from_pem(cls, kid: str, pem: bytes) -> SigningKey:
        """Load a PKCS#8 PEM private key; RSA signs RS256, EC P-256 signs ES256."""
        key = serialization.load_pem_private_key(pem, password=None)
        if isinstance(key, rsa.RSAPrivateKey):
            return cls(kid=kid, alg=Algorithm.RS256, private_key=key)
        if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
            return cls(kid=kid, alg=Algorithm.ES256, private_key=key)
        raise ValueError(f"key {kid!r}: only RSA and EC P-256 keys are supported")

    def public_jwk(self) -> dict[str, str]:
        """The public half as a JWK (RFC 7517) with ``kid``, ``alg`` and ``use: sig``."""
        key = self.private_key
        if isinstance(key, rsa.RSAPrivateKey):
            numbers = key.public_key().public_numbers()
            material = {"kty": "RSA", "n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e)}
        else:
            point = key.public_key().public_numbers()
            material = {
                "kty": "EC",
                "crv": "P-256",
                "x": _b64url(point.x.to_bytes(32, "big")),
                "y": _b64url(point.y.to_bytes(32, "big")),
            }
        return {**material, "kid": self.kid, "alg": self.alg.value, "use": "sig"}

    def sign(self, signing_input: bytes) -> bytes:
        """The JWS signature of ``signing_input`` (ES256 as raw ``r || s``, RFC 7518 §3.4)."""
        key = self.private_key
        if isinstance(key, rsa.RSAPrivateKey):
            return key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def load_keys(directory: Path = KEYS_DIR) -> tuple[SigningKey, ...]:
    """Every ``*.pem`` in ``directory`` as a signing key whose ``kid`` is the file name."""
    return tuple(
        SigningKey.from_pem(path.stem, path.read_bytes())
        for path in sorted(directory.glob("*.pem"))
    )


@functools.cache
def dev_keys() -> tuple[SigningKey, ...]:
    """The committed development keys (read once per process, on first use)."""
    keys = load_keys(KEYS_DIR)
    if {key.kid for key in keys} != DEV_KEY_IDS:
        raise RuntimeError("mocks/identity_keys/ does not hold exactly the keys of DEV_KEY_IDS")
    return keys


class IdentityProvider:
    """The provider's state: the published keys and the current signing key per algorithm.

    Tests use :meth:`rotate` to rotate keys while a gateway is running, and :meth:`sign` to
    forge tokens with arbitrary headers and claims under a genuine key.
    """

    def __init__(self, *, issuer: str, keys: Iterable[SigningKey] | None = None) -> None:
        self.issuer = issuer.rstrip("/")
        self._keys: list[SigningKey] = list(dev_keys() if keys is None else keys)
        self._current: dict[Algorithm, SigningKey] = {}
        for key in self._keys:
            self._current.setdefault(key.alg, key)
        self._rotations = 0

    @property
    def keys(self) -> tuple[SigningKey, ...]:
        """Every published key, in publication order."""
        return tuple(self._keys)

    def current_key(self, alg: Algorithm | str = Algorithm.RS256) -> SigningKey:
        """The key that signs new tokens with ``alg``."""
        try:
            return self._current[Algorithm(alg)]
        except KeyError:
            raise ValueError(f"no signing key for {alg}") from None

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JWK Set of the public keys."""
        return {"keys": [key.public_jwk() for key in self._keys]}

    def discovery(self, *, dev: bool) -> dict[str, Any]:
        """The OpenID Provider metadata (the token endpoint only exists in development mode)."""
        document: dict[str, Any] = {
            "issuer": self.issuer,
            "jwks_uri": f"{self.issuer}/jwks",
            "id_token_signing_alg_values_supported": [a.value for a in Algorithm],
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "claims_supported": [
                "iss",
                "aud",
                "sub",
                "exp",
                "iat",
                "nbf",
                "jti",
                "roles",
                "fin",
                "districts",
                "scope",
                "institution",
            ],
        }
        if dev:
            document["token_endpoint"] = f"{self.issuer}/token"
            document["grant_types_supported"] = ["urn:vemtas:dev"]
        return document

    def rotate(
        self, alg: Algorithm | str = Algorithm.RS256, *, retire_previous: bool = False
    ) -> SigningKey:
        """Publish a freshly generated key for ``alg`` and sign with it from now on.

        With ``retire_previous`` the old current key for ``alg`` leaves the JWKS, so tokens it
        signed stop validating once a relying party refreshes its keys.
        """
        alg = Algorithm(alg)
        self._rotations += 1
        new_key = SigningKey.generate(
            alg, f"rotated-{alg.value.lower()}-{self._rotations}-{secrets.token_hex(4)}"
        )
        previous = self._current.get(alg)
        if retire_previous and previous is not None:
            self._keys.remove(previous)
        self._keys.append(new_key)
        self._current[alg] = new_key
        return new_key

    def sign(
        self,
        claims: Mapping[str, Any],
        *,
        alg: Algorithm | str = Algorithm.RS256,
        header: Mapping[str, Any] | None = None,
        key: SigningKey | None = None,
    ) -> str:
        """A compact JWS over ``claims`` with the current key for ``alg`` (or ``key``).

        ``header`` entries are added to (and may override) ``alg``, ``typ`` and ``kid``: tests
        use it to forge hostile headers on an otherwise genuine signature.
        """
        signer = key if key is not None else self.current_key(alg)
        protected: dict[str, Any] = {"alg": signer.alg.value, "typ": "at+jwt", "kid": signer.kid}
        protected.update(header or {})
        signing_input = f"{_json_segment(protected)}.{_json_segment(claims)}"
        signature = signer.sign(signing_input.encode("ascii"))
        return f"{signing_input}.{_b64url(signature)}"

    def claims(
        self,
        *,
        role: str,
        sub: str | None = None,
        fin: str | None = None,
        districts: Sequence[str] = (),
        scopes: Sequence[str] = (),
        institution: str | None = None,
        ttl: int = 3600,
        audience: str = "vemtas",
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """The access-token claims for one role (validated as the real provider would)."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
        if fin is not None and not _FIN.match(fin):
            raise ValueError("fin must match ^[0-9A-HJ-NP-Z]{7}$")
        clean_districts = [d.strip() for d in districts if d.strip()]
        issued_at = int(now.timestamp()) if now is not None else int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": audience,
            "sub": sub or _default_subject(role, fin, clean_districts),
            "iat": issued_at,
            "nbf": issued_at,
            "exp": issued_at + ttl,
            "jti": str(uuid.uuid4()),
            "roles": [role],
        }
        if fin is not None:
            claims["fin"] = fin
        if clean_districts:
            claims["districts"] = clean_districts
        if scopes:
            claims["scope"] = " ".join(scopes)
        if institution:
            claims["institution"] = institution
        return claims

    def issue(
        self,
        *,
        role: str,
        sub: str | None = None,
        fin: str | None = None,
        districts: Sequence[str] = (),
        scopes: Sequence[str] = (),
        institution: str | None = None,
        ttl: int = 3600,
        audience: str = "vemtas",
        alg: Algorithm | str = Algorithm.RS256,
        now: datetime | None = None,
    ) -> str:
        """A signed access token for one role; see :meth:`claims`."""
        return self.sign(
            self.claims(
                role=role,
                sub=sub,
                fin=fin,
                districts=districts,
                scopes=scopes,
                institution=institution,
                ttl=ttl,
                audience=audience,
                now=now,
            ),
            alg=alg,
        )


def _default_subject(role: str, fin: str | None, districts: Sequence[str]) -> str:
    # Deterministic, but never the FIN itself: subjects end up in logs and audit rows.
    basis = fin or ",".join(districts) or ""
    if not basis:
        return f"dev-{role}"
    return f"dev-{role}-{hashlib.sha256(basis.encode('utf-8')).hexdigest()[:12]}"


def issue_token(
    *,
    issuer: str,
    role: str,
    sub: str | None = None,
    fin: str | None = None,
    districts: Sequence[str] = (),
    ttl: int = 3600,
    audience: str = "vemtas",
    alg: str = "RS256",
    now: datetime | None = None,
    scopes: Sequence[str] = (),
    institution: str | None = None,
) -> str:
    """A token signed offline with the committed development keys (as ``vemtas token`` prints).

    ``ttl`` may be negative (an already expired token); ``now`` in the future gives a token that
    is not valid yet.
    """
    return IdentityProvider(issuer=issuer).issue(
        role=role,
        sub=sub,
        fin=fin,
        districts=districts,
        scopes=scopes,
        institution=institution,
        ttl=ttl,
        audience=audience,
        alg=alg,
        now=now,
    )


def _bad_request(detail: str) -> JSONResponse:
    return JSONResponse({"error": "bad_request", "detail": detail}, status_code=400)


def _is_loopback(request: Request) -> bool:
    if request.client is None:
        return False
    try:
        return ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return False


def create_identity_app(
    *, issuer: str, dev: bool, provider: IdentityProvider | None = None
) -> Starlette:
    """The mock identity provider as an ASGI app serving the paths listed in the module doc.

    ``provider`` (default: the development keys under ``issuer``) is kept on
    ``app.state.provider`` so that tests can rotate keys in-process.
    """
    idp = provider if provider is not None else IdentityProvider(issuer=issuer)

    async def discovery(request: Request) -> JSONResponse:
        return JSONResponse(idp.discovery(dev=dev))

    async def jwks(request: Request) -> JSONResponse:
        return JSONResponse(idp.jwks(), headers={"Cache-Control": "public, max-age=300"})

    async def token(request: Request) -> JSONResponse:
        async with request.form(max_files=0, max_fields=len(_TOKEN_FORM_FIELDS)) as form:
            fields = {name: str(value) for name, value in form.items()}
        unknown = sorted(set(fields) - _TOKEN_FORM_FIELDS)
        if unknown:
            return _bad_request(f"unknown fields: {', '.join(unknown)}")
        try:
            ttl = int(fields.get("ttl") or 3600)
        except ValueError:
            return _bad_request("ttl must be an integer number of seconds")
        try:
            access_token = idp.issue(
                role=fields.get("role", ""),
                sub=fields.get("sub") or None,
                fin=fields.get("fin") or None,
                districts=(fields.get("districts") or "").split(","),
                scopes=(fields.get("scope") or "").split(),
                institution=fields.get("institution") or None,
                ttl=ttl,
                audience=fields.get("audience") or "vemtas",
                alg=fields.get("alg") or Algorithm.RS256,
            )
        except ValueError as exc:
            return _bad_request(str(exc))
        return JSONResponse(
            {"access_token": access_token, "token_type": "Bearer", "expires_in": ttl},
            headers={"Cache-Control": "no-store"},
        )

    async def rotate(request: Request) -> JSONResponse:
        if not _is_loopback(request):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        async with request.form(max_files=0, max_fields=2) as form:
            alg = str(form.get("alg") or Algorithm.RS256)
            retire = str(form.get("retire_previous") or "false").lower() == "true"
        try:
            new_key = idp.rotate(alg, retire_previous=retire)
        except ValueError:
            return _bad_request("alg must be RS256 or ES256")
        return JSONResponse({"kid": new_key.kid, "alg": new_key.alg.value})

    routes = [
        Route("/.well-known/openid-configuration", discovery, methods=["GET"]),
        Route("/jwks", jwks, methods=["GET"]),
    ]
    if dev:
        routes += [
            Route("/token", token, methods=["POST"]),
            Route("/_rotate", rotate, methods=["POST"]),
        ]
    app = Starlette(routes=routes)
    app.state.provider = idp
    return app
