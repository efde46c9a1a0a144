"""Access tokens: from an ``Authorization: Bearer`` header to a :class:`Principal`, or refused.

The gateway trusts exactly one OpenID Connect provider (``VEMTAS_OIDC_ISSUER``) and its public
keys (``VEMTAS_OIDC_JWKS_URL``). A token is accepted only when all of this holds:

- it is a compact JWS of at most :data:`MAX_TOKEN_BYTES`, with a JSON-object header and payload;
- its header names ``alg`` RS256 or ES256 and a ``kid``, and carries no header that would tell
  us where to find a key (``jku``, ``x5u``, ``jwk``, ``x5c``: refused outright, never fetched),
  no ``crit`` and nothing else unknown;
- the ``kid`` is a key of the provider's JWKS, whose own algorithm is the header's ``alg``
  (one algorithm per key: an RSA key never verifies HS256, "alg confusion");
- the signature verifies, and ``iss``, ``aud``, ``exp`` and ``sub`` are present and right,
  ``exp``/``nbf``/``iat`` hold within :data:`LEEWAY_SECONDS`;
- ``roles`` is a non-empty list of known roles; a citizen carries a valid ``fin``, a caseworker
  at least one district.

Roles come only from the token. Everything else is ``AuthError`` (code ``UNAUTHENTICATED``) with
a :class:`AuthFailure` reason; nothing of the token is echoed or logged.

Keys: the JWKS is fetched on first use (or :meth:`TokenValidator.prime` at start-up) and
cached. A token with an unknown ``kid`` causes at most one refresh per
``refresh_interval`` (30 s) — the provider rotated its keys — and is refused if the ``kid`` is
still unknown. Cached keys older than ``max_key_age`` are refreshed when next used; if the
provider is down, the cached keys keep working.

The ``prod`` profile refuses to start against the mock provider (:func:`check_prod_safety`) and
never trusts the committed development keys (:meth:`TokenValidator.prime`).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import ipaddress
import json
import logging
import re
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import httpx

from gateway.settings import DEFAULT_MOCKS_URL, Profile, Settings, SettingsError
from resolvers.principal import Principal, Role, is_valid_fin

with warnings.catch_warnings():
    # authlib.jose is deprecated in favour of joserfc (library-notes.md) but works; its import
    # warning (and the "always" filter authlib installs for it) must not leak into the process.
    from authlib.deprecate import AuthlibDeprecationWarning

    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.jose import JsonWebKey, JsonWebToken
    from authlib.jose.errors import (
        BadSignatureError,
        ExpiredTokenError,
        InvalidClaimError,
        InvalidTokenError,
        JoseError,
        MissingClaimError,
    )

logger = logging.getLogger(__name__)

#: Tokens longer than this are refused before any parsing.
MAX_TOKEN_BYTES = 8 * 1024
#: Clock skew tolerated on ``exp``, ``nbf`` and ``iat``.
LEEWAY_SECONDS = 30
#: The only signature algorithms accepted; each key verifies exactly one of them.
ALLOWED_ALGORITHMS: tuple[str, ...] = ("RS256", "ES256")
#: Header parameters that point at key material elsewhere or embed it: refused, never used.
KEY_LOCATING_HEADERS = frozenset({"jku", "x5u", "jwk", "x5c"})
#: Header parameters we understand; any other one refuses the token.
_ALLOWED_HEADERS = frozenset({"alg", "kid", "typ", "cty", "x5t", "x5t#S256"})
_ALLOWED_TYPES = frozenset({"jwt", "at+jwt", "application/at+jwt"})
_MAX_JWKS_BYTES = 256 * 1024
_MIN_RSA_BITS = 2048
# three non-empty base64url segments: no JWE (five), no unsigned token (empty signature)
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_KID = re.compile(r"^[\x21-\x7e]{1,128}$")
_ROLE_NAMES = frozenset(role.value for role in Role)
_BEARER = re.compile(r"^[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9\-._~+/]+=*) *$")


class AuthFailure(StrEnum):
    """Why a token was refused (safe to log and to return to the caller)."""

    MISSING = "missing_token"
    MALFORMED = "malformed"
    OVERSIZED = "oversized"
    ALGORITHM_NOT_ALLOWED = "algorithm_not_allowed"
    FORBIDDEN_HEADER = "forbidden_header"
    UNKNOWN_KEY = "unknown_key"
    KEY_ALGORITHM_MISMATCH = "key_algorithm_mismatch"
    KEYS_UNAVAILABLE = "keys_unavailable"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    WRONG_ISSUER = "wrong_issuer"
    WRONG_AUDIENCE = "wrong_audience"
    MISSING_CLAIM = "missing_claim"
    INVALID_CLAIM = "invalid_claim"
    INVALID_ROLES = "invalid_roles"


class AuthError(Exception):
    """The request is not authenticated. ``code`` is the GraphQL ``extensions.code``."""

    def __init__(self, reason: AuthFailure, *, code: str = "UNAUTHENTICATED") -> None:
        super().__init__(f"{code}: {reason.value}")
        self.code = code
        self.reason = reason


class InsecureConfigurationError(SettingsError):
    """The ``prod`` profile would trust the mock identity provider or development keys."""


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of the ``Authorization: Bearer`` header; ``None`` when there is no header.

    Works on any mapping (case-insensitive on the name; Starlette's ``Headers`` lists repeated
    headers in ``items()``). A header that is present but not exactly one well-formed bearer
    credential raises ``AuthError(MALFORMED)`` rather than treating the caller as anonymous.
    """
    values = [value for name, value in headers.items() if name.lower() == "authorization"]
    if not values:
        return None
    if len(values) > 1 or len(values[0]) > MAX_TOKEN_BYTES + 16:
        raise AuthError(AuthFailure.MALFORMED)
    match = _BEARER.fullmatch(values[0])
    if match is None:
        raise AuthError(AuthFailure.MALFORMED)
    return match.group(1)


@dataclass(frozen=True)
class _Header:
    alg: str
    kid: str


@dataclass(frozen=True)
class _TrustedKey:
    kid: str
    alg: str
    key: Any  # authlib RSAKey or ECKey (public)
    material: tuple[str, ...]  # public numbers, to recognise development keys under any kid


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _parse_header(token: str) -> _Header:
    if not isinstance(token, str) or not token:
        raise AuthError(AuthFailure.MISSING)
    # an ASCII token's length is its length in bytes
    size = len(token) if token.isascii() else len(token.encode("utf-8", "surrogatepass"))
    if size > MAX_TOKEN_BYTES:
        raise AuthError(AuthFailure.OVERSIZED)
    if not _COMPACT_JWS.fullmatch(token):
        raise AuthError(AuthFailure.MALFORMED)
    segments = token.split(".")
    try:
        header = json.loads(_b64decode(segments[0]))
        payload = json.loads(_b64decode(segments[1]))
    except (ValueError, binascii.Error):
        raise AuthError(AuthFailure.MALFORMED) from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise AuthError(AuthFailure.MALFORMED)
    if KEY_LOCATING_HEADERS & header.keys():
        raise AuthError(AuthFailure.FORBIDDEN_HEADER)
    if header.keys() - _ALLOWED_HEADERS:
        raise AuthError(AuthFailure.FORBIDDEN_HEADER)
    alg = header.get("alg")
    if alg not in ALLOWED_ALGORITHMS:
        raise AuthError(AuthFailure.ALGORITHM_NOT_ALLOWED)
    typ = header.get("typ")
    if typ is not None and (not isinstance(typ, str) or typ.lower() not in _ALLOWED_TYPES):
        raise AuthError(AuthFailure.MALFORMED)
    kid = header.get("kid")
    if not isinstance(kid, str) or not _KID.fullmatch(kid):
        raise AuthError(AuthFailure.UNKNOWN_KEY)
    return _Header(alg=str(alg), kid=kid)


def _key_algorithm(jwk: Mapping[str, Any]) -> str | None:
    """The one algorithm this JWK may verify, or ``None`` if we never trust it."""
    kty, crv, alg = jwk.get("kty"), jwk.get("crv"), jwk.get("alg")
    natural = "RS256" if kty == "RSA" else "ES256" if (kty == "EC" and crv == "P-256") else None
    if natural is None:
        return None  # symmetric ("oct") and other keys are never trusted
    if alg is not None and alg != natural:
        return None
    if jwk.get("use", "sig") != "sig":
        return None
    return natural


def _import_public(jwk: Mapping[str, Any], alg: str) -> _TrustedKey | None:
    kid = jwk.get("kid")
    if not isinstance(kid, str) or not _KID.fullmatch(kid):
        return None
    # Only the public members: a JWKS that (wrongly) carries private parts is still used
    # for verification only.
    names = ("kty", "n", "e") if alg == "RS256" else ("kty", "crv", "x", "y")
    if not all(isinstance(jwk.get(name), str) for name in names):
        return None
    public = {name: str(jwk[name]) for name in names}
    try:
        key = JsonWebKey.import_key(public, {"kid": kid, "alg": alg, "use": "sig"})
        if alg == "RS256" and key.get_public_key().key_size < _MIN_RSA_BITS:
            return None
    except (ValueError, TypeError, JoseError, binascii.Error):
        return None
    return _TrustedKey(kid=kid, alg=alg, key=key, material=tuple(public[n] for n in names))


def _development_key_material() -> frozenset[tuple[str, ...]]:
    # The gateway is the composition root and may read the mock's list of development keys.
    from mocks.identity import dev_keys

    material: set[tuple[str, ...]] = set()
    for key in dev_keys():
        jwk = key.public_jwk()
        names = ("kty", "n", "e") if jwk["kty"] == "RSA" else ("kty", "crv", "x", "y")
        material.add(tuple(jwk[n] for n in names))
    return frozenset(material)


def _development_key_ids() -> frozenset[str]:
    from mocks.identity import DEV_KEY_IDS

    return DEV_KEY_IDS


def check_prod_safety(settings: Settings) -> None:
    """Refuse, in the ``prod`` profile, an issuer or JWKS address that is the mock provider.

    In ``prod`` both must be ``https`` and must not be a loopback address or the mock server's
    default address. (The keys themselves are checked by :meth:`TokenValidator.prime`.)
    """
    if settings.profile is not Profile.PROD:
        return
    for variable, url in (
        ("VEMTAS_OIDC_ISSUER", settings.oidc_issuer),
        ("VEMTAS_OIDC_JWKS_URL", settings.oidc_jwks_url),
    ):
        parts = urlsplit(url)
        if url.startswith(DEFAULT_MOCKS_URL) or parts.scheme != "https":
            raise InsecureConfigurationError(
                f"{variable} must be the real identity provider over https in the prod profile"
            )
        host = (parts.hostname or "").lower()
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost" or host.endswith(".localhost")
        if loopback or not host:
            raise InsecureConfigurationError(
                f"{variable} points at a loopback address (the mock identity provider?)"
            )


class TokenValidator:
    """Validates access tokens against the configured provider; one per process.

    ``http_client`` fetches the JWKS (the lifespan's long-lived client; tests pass one over an
    in-process transport). ``clock`` is wall time for ``exp``/``nbf``; ``monotonic`` paces the
    JWKS refreshes. Both are injectable so tests never sleep.
    """

    def __init__(
        self,
        settings: Settings,
        http_client: httpx.AsyncClient,
        *,
        refresh_interval: float = 30.0,
        max_key_age: float = 3600.0,
        fetch_timeout: float = 5.0,
        leeway: int = LEEWAY_SECONDS,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._http = http_client
        self._refresh_interval = refresh_interval
        self._max_key_age = max_key_age
        self._fetch_timeout = fetch_timeout
        self._leeway = leeway
        self._clock = clock
        self._monotonic = monotonic
        self._prod = settings.profile is Profile.PROD
        self._keys: dict[str, _TrustedKey] = {}
        self._last_attempt: float | None = None
        self._fetched_at: float | None = None
        self._refused_development_keys = False
        self._lock = asyncio.Lock()
        # One decoder per algorithm: the library itself then enforces the key's algorithm.
        self._decoders = {alg: JsonWebToken([alg]) for alg in ALLOWED_ALGORITHMS}
        self._claims_options: dict[str, dict[str, Any]] = {
            "iss": {"essential": True, "value": settings.oidc_issuer},
            "aud": {"essential": True, "value": settings.oidc_audience},
            "exp": {"essential": True},
            "sub": {"essential": True},
            "nbf": {"essential": False},
        }

    @property
    def key_ids(self) -> frozenset[str]:
        """The ``kid`` of every key currently trusted."""
        return frozenset(self._keys)

    async def prime(self) -> None:
        """Fetch the JWKS now (call from the lifespan at start-up).

        Raises :class:`InsecureConfigurationError` in the ``prod`` profile when the provider
        publishes a development key (by ``kid`` or by key material). A provider that is down at
        start-up is not fatal: the keys are fetched on the first token.
        """
        async with self._lock:
            await self._fetch()
        if self._prod and self._refused_development_keys:
            raise InsecureConfigurationError(
                "the identity provider publishes the development keys of mocks/identity_keys"
            )

    async def validate(self, token: str) -> Principal:
        """The principal the token vouches for, or ``AuthError`` (``UNAUTHENTICATED``)."""
        header = _parse_header(token)
        trusted = await self._key_for(header.kid)
        if trusted.alg != header.alg:
            raise AuthError(AuthFailure.KEY_ALGORITHM_MISMATCH)
        try:
            claims = self._decoders[trusted.alg].decode(
                token, trusted.key, claims_options=self._claims_options
            )
            claims.validate(now=int(self._clock()), leeway=self._leeway)
        except ExpiredTokenError:
            raise AuthError(AuthFailure.EXPIRED) from None
        except InvalidTokenError:  # nbf or iat in the future
            raise AuthError(AuthFailure.NOT_YET_VALID) from None
        except MissingClaimError:
            raise AuthError(AuthFailure.MISSING_CLAIM) from None
        except InvalidClaimError as exc:
            reason = {
                "iss": AuthFailure.WRONG_ISSUER,
                "aud": AuthFailure.WRONG_AUDIENCE,
            }.get(exc.claim_name, AuthFailure.INVALID_CLAIM)
            raise AuthError(reason) from None
        except BadSignatureError:
            raise AuthError(AuthFailure.BAD_SIGNATURE) from None
        except (JoseError, ValueError, TypeError, KeyError, binascii.Error):
            raise AuthError(AuthFailure.MALFORMED) from None
        # exp was checked above: a number, not past (within the leeway)
        valid_until = datetime.fromtimestamp(float(claims["exp"]) + self._leeway, UTC)
        return _principal(claims, valid_until)  # JWTClaims is a dict

    async def _key_for(self, kid: str) -> _TrustedKey:
        key = self._keys.get(kid)
        stale = (
            self._fetched_at is not None
            and self._monotonic() - self._fetched_at > self._max_key_age
        )
        if key is None or stale:
            async with self._lock:
                if kid not in self._keys or stale:
                    await self._refresh_if_allowed()
            key = self._keys.get(kid)
        if key is None:
            if self._fetched_at is None:
                raise AuthError(AuthFailure.KEYS_UNAVAILABLE)
            raise AuthError(AuthFailure.UNKNOWN_KEY)
        return key

    async def _refresh_if_allowed(self) -> None:
        now = self._monotonic()
        if self._last_attempt is not None and now - self._last_attempt < self._refresh_interval:
            return
        await self._fetch()

    async def _fetch(self) -> None:
        """Fetch and replace the key set; on any failure keep the cached keys."""
        self._last_attempt = self._monotonic()
        url = self._settings.oidc_jwks_url
        try:
            async with asyncio.timeout(self._fetch_timeout):
                response = await self._http.get(url, headers={"Accept": "application/json"})
        except (httpx.HTTPError, TimeoutError) as exc:
            logger.warning("JWKS fetch failed: %s", type(exc).__name__)
            return
        if response.status_code != 200 or len(response.content) > _MAX_JWKS_BYTES:
            logger.warning("JWKS fetch answered %s", response.status_code)
            return
        try:
            document = response.json()
        except ValueError:
            logger.warning("JWKS fetch answered something that is not JSON")
            return
        entries = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(entries, list):
            logger.warning("JWKS fetch answered something that is not a JWK Set")
            return
        self._keys = self._trusted_keys(entries)
        self._fetched_at = self._monotonic()

    def _trusted_keys(self, entries: list[Any]) -> dict[str, _TrustedKey]:
        keys: dict[str, _TrustedKey] = {}
        dev_ids = _development_key_ids() if self._prod else frozenset()
        dev_material = _development_key_material() if self._prod else frozenset()
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            alg = _key_algorithm(entry)
            trusted = _import_public(entry, alg) if alg is not None else None
            if trusted is None or trusted.kid in keys:
                continue
            if trusted.kid in dev_ids or trusted.material in dev_material:
                self._refused_development_keys = True
                logger.error("refusing a development key published by the identity provider")
                continue
            keys[trusted.kid] = trusted
        return keys


def _principal(claims: Mapping[str, Any], valid_until: datetime) -> Principal:
    """The principal from validated claims; their shapes are checked here, strictly."""
    sub = claims.get("sub")
    if not isinstance(sub, str) or not 0 < len(sub) <= 255:
        raise AuthError(AuthFailure.INVALID_CLAIM)
    raw_roles = claims.get("roles")
    if (
        not isinstance(raw_roles, list)
        or not raw_roles
        or len(raw_roles) > len(Role)
        or not all(isinstance(r, str) and r in _ROLE_NAMES for r in raw_roles)
    ):
        raise AuthError(AuthFailure.INVALID_ROLES)
    roles = frozenset(Role(r) for r in raw_roles)
    fin = claims.get("fin")
    if fin is not None and (not isinstance(fin, str) or not is_valid_fin(fin)):
        raise AuthError(AuthFailure.INVALID_CLAIM)
    raw_districts = claims.get("districts", [])
    if (
        not isinstance(raw_districts, list)
        or len(raw_districts) > 100
        or not all(isinstance(d, str) and 0 < len(d) <= 100 for d in raw_districts)
    ):
        raise AuthError(AuthFailure.INVALID_CLAIM)
    scope = claims.get("scope", "")
    if not isinstance(scope, str) or len(scope) > 1024:
        raise AuthError(AuthFailure.INVALID_CLAIM)
    institution = claims.get("institution")
    if institution is not None and (not isinstance(institution, str) or len(institution) > 200):
        raise AuthError(AuthFailure.INVALID_CLAIM)
    if Role.CITIZEN in roles and fin is None:
        raise AuthError(AuthFailure.INVALID_CLAIM)
    if Role.CASEWORKER in roles and not raw_districts:
        raise AuthError(AuthFailure.INVALID_CLAIM)
    return Principal(
        sub=sub,
        roles=roles,
        fin=fin,
        districts=frozenset(raw_districts),
        scopes=frozenset(scope.split()),
        institution=institution,
        valid_until=valid_until,
    )
