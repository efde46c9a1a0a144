"""Who is asking: the authenticated principal, built only from a validated access token.

Roles, the citizen's FIN and the caseworker's districts come from the token's claims and from
nowhere else (never from request headers or GraphQL variables); see api.md, "Roles".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

#: A personal identification number (FIN) as printed on the ID card.
FIN_PATTERN: re.Pattern[str] = re.compile(r"^[0-9A-HJ-NP-Z]{7}$")


def is_valid_fin(value: str) -> bool:
    """Whether ``value`` is a well-formed FIN (seven characters, no I or O)."""
    return FIN_PATTERN.fullmatch(value) is not None


class Role(StrEnum):
    """The closed set of roles of api.md."""

    CITIZEN = "citizen"
    OPERATOR = "operator"  # help desk, post office, kiosk
    CASEWORKER = "caseworker"
    AUDITOR = "auditor"
    SERVICE = "service"  # machine clients, with scopes


class Scope(StrEnum):
    """Scopes a ``service`` principal may hold; each grants one kind of access."""

    READ_HOUSEHOLDS = "households:read"
    READ_PERSONS = "persons:read"
    READ_APPLICATIONS = "applications:read"
    SUBMIT_APPLICATIONS = "applications:submit"
    REASSESS_APPLICATIONS = "applications:reassess"


@dataclass(frozen=True)
class Principal:
    """The caller, as the identity provider vouched for it.

    ``sub`` is the provider's subject identifier (what the audit log records as "who");
    ``fin`` is set for citizens; ``districts`` for caseworkers; ``scopes`` for service clients;
    ``institution`` names an operator's help desk, post office or kiosk when the token says so.
    ``valid_until`` is when the token stops being accepted (its ``exp`` plus the clock-skew
    leeway): a subscription opened with it ends then.
    """

    sub: str
    roles: frozenset[Role]
    fin: str | None = field(default=None, repr=False)  # kept out of logs
    districts: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    institution: str | None = None
    valid_until: datetime | None = field(default=None, compare=False)

    def has_role(self, role: Role) -> bool:
        """Whether the token granted ``role``."""
        return role in self.roles

    def has_scope(self, scope: Scope | str) -> bool:
        """Whether a ``service`` principal holds ``scope`` (scopes count only for services)."""
        return Role.SERVICE in self.roles and str(scope) in self.scopes
