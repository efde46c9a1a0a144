"""Object-level authorization: who may read or change what (api.md, "Roles"). Pure: no I/O.

Each function takes the principal and the facts about the object that the decision needs, and
answers a :class:`Decision`. A resolver asks *before* it calls any agency for data about the
object; the only fact it may have to fetch first is the family composition (household id,
district, members) from the population registry, because "own family" and "in my districts" are
facts about the family. A denied read costs that one call and nothing more, answers
``FORBIDDEN`` and is written to the audit log as denied.

- citizen: the household and persons of their own family; submit as their own representative;
  their family's applications;
- operator: submit on a citizen's behalf; the *status* of the applications they submitted;
- caseworker: households, persons and applications in their districts; reassess there;
- auditor: read everything (including the audit log); change nothing;
- service: what its scopes grant (:class:`resolvers.principal.Scope`).

A principal holding several roles is allowed when any of its roles allows.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from resolvers.principal import Principal, Role, Scope


class Reason(StrEnum):
    """Why a decision went the way it did; stable codes for the audit log."""

    # allowed
    AUDITOR_READS_ALL = "auditor_reads_all"
    OWN_FAMILY = "own_family"
    SELF = "self"
    IN_CASEWORKER_DISTRICT = "in_caseworker_district"
    SERVICE_SCOPE = "service_scope"
    SUBMITTED_BY_OPERATOR = "submitted_by_operator"
    REPRESENTATIVE_IS_SELF = "representative_is_self"
    OPERATOR_ON_BEHALF = "operator_on_behalf"
    # denied
    NOT_OWN_FAMILY = "not_own_family"
    OUTSIDE_DISTRICTS = "outside_districts"
    MISSING_SCOPE = "missing_scope"
    NOT_SUBMITTED_BY_OPERATOR = "not_submitted_by_operator"
    REPRESENTATIVE_NOT_SELF = "representative_not_self"
    AUDITOR_CHANGES_NOTHING = "auditor_changes_nothing"
    ROLE_NOT_PERMITTED = "role_not_permitted"


@dataclass(frozen=True)
class Decision:
    """The answer of the policy. ``status_only``: allowed to see the status and nothing else."""

    allowed: bool
    reason: Reason
    status_only: bool = False

    def __bool__(self) -> bool:
        return self.allowed


def _allow(reason: Reason, *, status_only: bool = False) -> Decision:
    return Decision(allowed=True, reason=reason, status_only=status_only)


def _deny(principal: Principal, by_role: dict[Role, Reason]) -> Decision:
    """Deny, naming the reason of the most specific role the principal holds."""
    for role in (Role.CITIZEN, Role.CASEWORKER, Role.OPERATOR, Role.SERVICE, Role.AUDITOR):
        if principal.has_role(role) and role in by_role:
            return Decision(allowed=False, reason=by_role[role])
    return Decision(allowed=False, reason=Reason.ROLE_NOT_PERMITTED)


def _in_family(principal: Principal, member_fins: Collection[str]) -> bool:
    return (
        principal.has_role(Role.CITIZEN)
        and principal.fin is not None
        and principal.fin in member_fins
    )


def _in_districts(principal: Principal, district: str | None) -> bool:
    return (
        principal.has_role(Role.CASEWORKER)
        and district is not None
        and district in principal.districts
    )


def can_read_household(
    principal: Principal, *, district: str | None, member_fins: Collection[str]
) -> Decision:
    """May ``principal`` read the household in ``district`` whose members are ``member_fins``?

    ``district`` is ``None`` when the registry holds no family for the FIN asked about (then
    ``member_fins`` is that FIN alone): a citizen may still learn that about themselves.
    """
    if principal.has_role(Role.AUDITOR):
        return _allow(Reason.AUDITOR_READS_ALL)
    if _in_districts(principal, district):
        return _allow(Reason.IN_CASEWORKER_DISTRICT)
    if _in_family(principal, member_fins):
        return _allow(Reason.OWN_FAMILY)
    if principal.has_scope(Scope.READ_HOUSEHOLDS):
        return _allow(Reason.SERVICE_SCOPE)
    return _deny(
        principal,
        {
            Role.CITIZEN: Reason.NOT_OWN_FAMILY,
            Role.CASEWORKER: Reason.OUTSIDE_DISTRICTS,
            Role.SERVICE: Reason.MISSING_SCOPE,
        },
    )


def can_read_person(
    principal: Principal,
    *,
    person_fin: str,
    household_district: str | None,
    household_member_fins: Collection[str],
) -> Decision:
    """May ``principal`` read the person ``person_fin``?

    ``household_district`` and ``household_member_fins`` describe the family the person belongs
    to (``None`` and empty when the registry holds no family for them): a citizen may read
    themselves and the members of their own family; a caseworker the persons whose family lives
    in their districts.
    """
    if principal.has_role(Role.AUDITOR):
        return _allow(Reason.AUDITOR_READS_ALL)
    if _in_districts(principal, household_district):
        return _allow(Reason.IN_CASEWORKER_DISTRICT)
    if principal.has_role(Role.CITIZEN) and principal.fin is not None:
        if principal.fin == person_fin:
            return _allow(Reason.SELF)
        if person_fin in household_member_fins and principal.fin in household_member_fins:
            return _allow(Reason.OWN_FAMILY)
    if principal.has_scope(Scope.READ_PERSONS):
        return _allow(Reason.SERVICE_SCOPE)
    return _deny(
        principal,
        {
            Role.CITIZEN: Reason.NOT_OWN_FAMILY,
            Role.CASEWORKER: Reason.OUTSIDE_DISTRICTS,
            Role.SERVICE: Reason.MISSING_SCOPE,
        },
    )


def can_submit(principal: Principal, *, representative_fin: str) -> Decision:
    """May ``principal`` submit an application whose representative is ``representative_fin``?

    A citizen submits only as their own representative; an operator on anyone's behalf (the
    citizen is identified by FIN and ID card number in the input); auditors change nothing.
    """
    if principal.has_role(Role.CITIZEN) and principal.fin == representative_fin:
        return _allow(Reason.REPRESENTATIVE_IS_SELF)
    if principal.has_role(Role.OPERATOR):
        return _allow(Reason.OPERATOR_ON_BEHALF)
    if principal.has_scope(Scope.SUBMIT_APPLICATIONS):
        return _allow(Reason.SERVICE_SCOPE)
    return _deny(
        principal,
        {
            Role.CITIZEN: Reason.REPRESENTATIVE_NOT_SELF,
            Role.SERVICE: Reason.MISSING_SCOPE,
            Role.AUDITOR: Reason.AUDITOR_CHANGES_NOTHING,
        },
    )


def can_read_application(
    principal: Principal,
    *,
    application_district: str,
    application_member_fins: Collection[str],
    submitted_by: str | None,
) -> Decision:
    """May ``principal`` read the application, and all of it or only its status?

    ``submitted_by`` is the ``sub`` of whoever submitted it. An operator sees only the status
    of the applications they submitted themselves (``Decision.status_only``).
    """
    if principal.has_role(Role.AUDITOR):
        return _allow(Reason.AUDITOR_READS_ALL)
    if _in_districts(principal, application_district):
        return _allow(Reason.IN_CASEWORKER_DISTRICT)
    if _in_family(principal, application_member_fins):
        return _allow(Reason.OWN_FAMILY)
    if principal.has_scope(Scope.READ_APPLICATIONS):
        return _allow(Reason.SERVICE_SCOPE)
    if principal.has_role(Role.OPERATOR) and submitted_by == principal.sub:
        return _allow(Reason.SUBMITTED_BY_OPERATOR, status_only=True)
    return _deny(
        principal,
        {
            Role.CITIZEN: Reason.NOT_OWN_FAMILY,
            Role.CASEWORKER: Reason.OUTSIDE_DISTRICTS,
            Role.OPERATOR: Reason.NOT_SUBMITTED_BY_OPERATOR,
            Role.SERVICE: Reason.MISSING_SCOPE,
        },
    )


def can_reassess(principal: Principal, *, application_district: str) -> Decision:
    """May ``principal`` run ``reassessApplication`` on an application in that district?

    Caseworkers reassess in their districts (they never change a decision by hand: the engine
    decides again); auditors change nothing.
    """
    if _in_districts(principal, application_district):
        return _allow(Reason.IN_CASEWORKER_DISTRICT)
    if principal.has_scope(Scope.REASSESS_APPLICATIONS):
        return _allow(Reason.SERVICE_SCOPE)
    return _deny(
        principal,
        {
            Role.CASEWORKER: Reason.OUTSIDE_DISTRICTS,
            Role.SERVICE: Reason.MISSING_SCOPE,
            Role.AUDITOR: Reason.AUDITOR_CHANGES_NOTHING,
        },
    )


def can_read_audit_log(principal: Principal) -> Decision:
    """Only auditors read the whole audit log."""
    if principal.has_role(Role.AUDITOR):
        return _allow(Reason.AUDITOR_READS_ALL)
    return Decision(allowed=False, reason=Reason.ROLE_NOT_PERMITTED)


def can_read_own_data_access_log(principal: Principal) -> Decision:
    """``myDataAccessLog`` and ``myApplications``: a citizen, about themselves."""
    if principal.has_role(Role.CITIZEN) and principal.fin is not None:
        return _allow(Reason.SELF)
    return Decision(allowed=False, reason=Reason.ROLE_NOT_PERMITTED)


@dataclass(frozen=True)
class ApplicationVisibility:
    """Which applications a listing (``applications(filter:)``) may return to the principal.

    A row is visible when ``everything`` is true, or its district is in ``districts``, or its
    family includes ``member_fin``, or it was submitted by ``submitted_by`` (then status only).
    """

    everything: bool = False
    districts: frozenset[str] = frozenset()
    member_fin: str | None = None
    submitted_by: str | None = None

    @property
    def nothing(self) -> bool:
        """True when no application at all is visible."""
        return not (self.everything or self.districts or self.member_fin or self.submitted_by)


def visible_applications(principal: Principal) -> ApplicationVisibility:
    """The listing filter equivalent to :func:`can_read_application` for this principal."""
    if principal.has_role(Role.AUDITOR) or principal.has_scope(Scope.READ_APPLICATIONS):
        return ApplicationVisibility(everything=True)
    return ApplicationVisibility(
        districts=principal.districts if principal.has_role(Role.CASEWORKER) else frozenset(),
        member_fin=principal.fin if principal.has_role(Role.CITIZEN) else None,
        submitted_by=principal.sub if principal.has_role(Role.OPERATOR) else None,
    )
