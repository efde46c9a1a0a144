"""Purpose-bound access: every read of personal data states why, and the why must fit the role.

A request's purpose is the application being assessed (when the applications flow reads for
one), or else follows from the caller's role: a citizen's own self-service, a caseworker's case
review, an operator's intake of an application, an auditor's audit, a service client's
federated query. The purpose travels to every agency as the X-Road ``issue`` (the application
id, or the purpose's code) and into every audit row. A purpose the caller's roles may not state
(a citizen "reviewing a case", an auditor "assessing an application") is refused before any
agency is asked. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from resolvers.principal import Principal, Role


class PurposeKind(StrEnum):
    """Why personal data is read (the audit log's ``purpose`` column)."""

    SELF_SERVICE = "self-service"
    CASE_REVIEW = "case-review"
    APPLICATION = "application"
    APPLICATION_INTAKE = "application-intake"
    AUDIT = "audit"
    FEDERATED_QUERY = "federated-query"


#: Which roles may state each purpose.
ROLES_BY_PURPOSE: dict[PurposeKind, frozenset[Role]] = {
    PurposeKind.SELF_SERVICE: frozenset({Role.CITIZEN}),
    PurposeKind.CASE_REVIEW: frozenset({Role.CASEWORKER}),
    # the citizen's own application, an operator's on a citizen's behalf, a caseworker's
    # reassessment, the worker (a service principal) finishing one
    PurposeKind.APPLICATION: frozenset(
        {Role.CITIZEN, Role.OPERATOR, Role.CASEWORKER, Role.SERVICE}
    ),
    PurposeKind.APPLICATION_INTAKE: frozenset({Role.OPERATOR}),
    PurposeKind.AUDIT: frozenset({Role.AUDITOR}),
    PurposeKind.FEDERATED_QUERY: frozenset({Role.SERVICE}),
}

#: The purpose a role states when no application is in play, most specific role first.
DEFAULT_PURPOSE: tuple[tuple[Role, PurposeKind], ...] = (
    (Role.AUDITOR, PurposeKind.AUDIT),
    (Role.CASEWORKER, PurposeKind.CASE_REVIEW),
    (Role.OPERATOR, PurposeKind.APPLICATION_INTAKE),
    (Role.CITIZEN, PurposeKind.SELF_SERVICE),
    (Role.SERVICE, PurposeKind.FEDERATED_QUERY),
)

#: How the data tracker words each purpose for the citizen (no third party's facts in it).
PURPOSE_WORDS: dict[PurposeKind, str] = {
    PurposeKind.SELF_SERVICE: "your own request in the self-service portal",
    PurposeKind.CASE_REVIEW: "review of a case by a social protection caseworker",
    PurposeKind.APPLICATION: "assessment of an application for targeted social assistance",
    PurposeKind.APPLICATION_INTAKE: "intake of an application at a help desk",
    PurposeKind.AUDIT: "audit of the system's use",
    PurposeKind.FEDERATED_QUERY: "a query by another government system",
}


class PurposeNotPermitted(Exception):
    """The caller's roles may not state this purpose."""

    def __init__(self, kind: PurposeKind) -> None:
        super().__init__(f"the purpose {kind.value!r} is not permitted for the caller's roles")
        self.kind = kind


@dataclass(frozen=True, slots=True)
class Purpose:
    """A stated purpose; ``application_id`` is set exactly when the kind is ``APPLICATION``."""

    kind: PurposeKind
    application_id: str | None = None

    def __post_init__(self) -> None:
        if (self.kind is PurposeKind.APPLICATION) != (self.application_id is not None):
            raise ValueError("an application purpose names its application, and only it does")

    @classmethod
    def application(cls, application_id: str) -> Purpose:
        """Reading to assess (or reassess) the application ``application_id``."""
        return cls(PurposeKind.APPLICATION, application_id)

    @property
    def issue(self) -> str:
        """The X-Road ``issue``: the application id, or the purpose's code."""
        return self.application_id if self.application_id is not None else self.kind.value

    def words(self) -> str:
        """The purpose in plain words, as the data tracker shows it."""
        return PURPOSE_WORDS[self.kind]


def default_purpose(principal: Principal) -> Purpose:
    """The purpose the principal's most specific role states when no application is in play."""
    for role, kind in DEFAULT_PURPOSE:
        if principal.has_role(role):
            return Purpose(kind)
    raise PurposeNotPermitted(PurposeKind.SELF_SERVICE)  # a principal always has a role


def check_purpose(principal: Principal, purpose: Purpose) -> Purpose:
    """``purpose`` if one of the principal's roles may state it, else
    :class:`PurposeNotPermitted`."""
    if principal.roles & ROLES_BY_PURPOSE[purpose.kind]:
        return purpose
    raise PurposeNotPermitted(purpose.kind)


def acting_role(principal: Principal, purpose: Purpose) -> Role:
    """The role the principal acts in for ``purpose`` (what the audit log records as "who")."""
    allowed = ROLES_BY_PURPOSE[purpose.kind]
    for role, _ in DEFAULT_PURPOSE:
        if principal.has_role(role) and role in allowed:
            return role
    raise PurposeNotPermitted(purpose.kind)
