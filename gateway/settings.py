"""Typed configuration, read once from the environment (prefix ``VEMTAS_``).

``Settings.from_env(environ)`` takes the mapping explicitly so tests never touch ``os.environ``.
See api.md (Configuration) and docs/configuration.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from pathlib import Path

AGENCY_KEYS: tuple[str, ...] = (
    "population",
    "tax",
    "property",
    "utilities",
    "migration",
    "vehicles",
    "social_insurance",
    "disability",
    "employment",
    "education",
    "conscription",
    "justice",
    "agriculture",
    "telecom",
    "bank",
    "messaging",
    "identity",
)

DEFAULT_MOCKS_URL = "http://127.0.0.1:8100"


class Profile(StrEnum):
    DEV = "dev"
    PROD = "prod"


class SettingsError(ValueError):
    """A configuration value is missing or invalid; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    profile: Profile = Profile.DEV
    database_url: str = "sqlite+aiosqlite:///./var/vemtas.db"
    cache_url: str = "memory://"
    agency_urls: Mapping[str, str] = field(
        default_factory=lambda: {k: f"{DEFAULT_MOCKS_URL}/{k}" for k in AGENCY_KEYS}
    )
    oidc_issuer: str = f"{DEFAULT_MOCKS_URL}/identity"
    oidc_audience: str = "vemtas"
    oidc_jwks_url: str = f"{DEFAULT_MOCKS_URL}/identity/jwks"
    clock: date | None = None
    # agency call deadline (seconds) and cache time to live per agency (seconds)
    agency_deadline: float = 3.0
    agency_ttls: Mapping[str, int] = field(default_factory=dict)
    default_agency_ttl: int = 300
    xroad_client: str = "AZ/GOV/MLSPP/vemtas"
    var_dir: Path = Path("var")
    # refuse free-form GraphQL documents: only those of schema/trusted_documents.json run
    # (docs/security.md); meant for `prod` behind first-party clients
    trusted_documents_only: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(f"VEMTAS_{name}")
            return value if value not in (None, "") else None

        defaults = cls()
        try:
            profile = Profile(get("PROFILE") or "dev")
        except ValueError:
            raise SettingsError("VEMTAS_PROFILE must be 'dev' or 'prod'") from None
        urls = dict(defaults.agency_urls)
        for key in AGENCY_KEYS:
            value = get(f"AGENCY_{key.upper()}_URL")
            if value:
                if not value.startswith(("http://", "https://")):
                    raise SettingsError(f"VEMTAS_AGENCY_{key.upper()}_URL must be an http(s) URL")
                urls[key] = value.rstrip("/")
        clock: date | None = None
        if raw_clock := get("CLOCK"):
            try:
                clock = date.fromisoformat(raw_clock)
            except ValueError:
                raise SettingsError("VEMTAS_CLOCK must be an ISO date (YYYY-MM-DD)") from None
            if profile is Profile.PROD:
                raise SettingsError("VEMTAS_CLOCK pins today's date: refused in the prod profile")
        deadline = defaults.agency_deadline
        if raw := get("AGENCY_DEADLINE"):
            try:
                deadline = float(raw)
            except ValueError:
                raise SettingsError("VEMTAS_AGENCY_DEADLINE must be seconds") from None
        ttls: dict[str, int] = {}
        for key in AGENCY_KEYS:
            if raw := get(f"AGENCY_{key.upper()}_TTL"):
                try:
                    ttls[key] = int(raw)
                except ValueError:
                    raise SettingsError(
                        f"VEMTAS_AGENCY_{key.upper()}_TTL must be seconds"
                    ) from None
        trusted_only = (get("TRUSTED_DOCUMENTS_ONLY") or "0").lower()
        if trusted_only not in ("0", "1", "true", "false", "yes", "no"):
            raise SettingsError("VEMTAS_TRUSTED_DOCUMENTS_ONLY must be 1 or 0 (true or false)")
        identity = urls["identity"]
        return cls(
            profile=profile,
            database_url=get("DATABASE_URL") or defaults.database_url,
            cache_url=get("CACHE_URL") or defaults.cache_url,
            agency_urls=urls,
            oidc_issuer=get("OIDC_ISSUER") or identity,
            oidc_audience=get("OIDC_AUDIENCE") or defaults.oidc_audience,
            oidc_jwks_url=get("OIDC_JWKS_URL") or f"{identity}/jwks",
            clock=clock,
            agency_deadline=deadline,
            agency_ttls=ttls,
            var_dir=Path(get("VAR_DIR") or "var"),
            trusted_documents_only=trusted_only in ("1", "true", "yes"),
        )

    def agency_url(self, key: str) -> str:
        return self.agency_urls[key]

    def ttl(self, key: str) -> int:
        return self.agency_ttls.get(key, self.default_agency_ttl)

    def with_agency_urls(self, base: str) -> Settings:
        """Every agency (and the identity provider) under one mock server base URL."""
        base = base.rstrip("/")
        return replace(
            self,
            agency_urls={k: f"{base}/{k}" for k in AGENCY_KEYS},
            oidc_issuer=f"{base}/identity",
            oidc_jwks_url=f"{base}/identity/jwks",
        )
