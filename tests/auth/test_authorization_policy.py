"""The pure authorization policy (api.md, "Roles"), role by role, on both sides of each line."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from resolvers.authorization import (
    Decision,
    Reason,
    can_read_application,
    can_read_audit_log,
    can_read_household,
    can_read_own_data_access_log,
    can_read_person,
    can_reassess,
    can_submit,
    visible_applications,
)
from resolvers.principal import Principal, Role, Scope

ALIYEV_FAMILY = ("5ZX3K8P", "6AB2C9D", "7HJ4K1M")  # lives in Yasamal
OTHER_FAMILY = ("2QW8E4R", "3TY6U2P")  # lives in Xətai


def citizen(fin: str = "5ZX3K8P") -> Principal:
    return Principal(sub="c-1", roles=frozenset({Role.CITIZEN}), fin=fin)


def caseworker(*districts: str) -> Principal:
    return Principal(sub="cw-1", roles=frozenset({Role.CASEWORKER}), districts=frozenset(districts))


def operator(sub: str = "op-1") -> Principal:
    return Principal(sub=sub, roles=frozenset({Role.OPERATOR}), institution="ASAN xidmət 1")


AUDITOR = Principal(sub="au-1", roles=frozenset({Role.AUDITOR}))


def service(*scopes: str) -> Principal:
    return Principal(sub="router", roles=frozenset({Role.SERVICE}), scopes=frozenset(scopes))


HOUSEHOLD_CASES: list[tuple[str, Principal, str | None, tuple[str, ...], bool, Reason]] = [
    ("citizen, own family", citizen(), "Yasamal", ALIYEV_FAMILY, True, Reason.OWN_FAMILY),
    ("citizen, other family", citizen(), "Xətai", OTHER_FAMILY, False, Reason.NOT_OWN_FAMILY),
    ("citizen, no family record, self", citizen(), None, ("5ZX3K8P",), True, Reason.OWN_FAMILY),
    (
        "citizen, no family record, other",
        citizen(),
        None,
        ("2QW8E4R",),
        False,
        Reason.NOT_OWN_FAMILY,
    ),
    (
        "caseworker, own district",
        caseworker("Yasamal"),
        "Yasamal",
        ALIYEV_FAMILY,
        True,
        Reason.IN_CASEWORKER_DISTRICT,
    ),
    (
        "caseworker, other district",
        caseworker("Yasamal"),
        "Xətai",
        OTHER_FAMILY,
        False,
        Reason.OUTSIDE_DISTRICTS,
    ),
    (
        "caseworker, district is case-sensitive",
        caseworker("yasamal"),
        "Yasamal",
        ALIYEV_FAMILY,
        False,
        Reason.OUTSIDE_DISTRICTS,
    ),
    (
        "caseworker, no family record",
        caseworker("Yasamal"),
        None,
        ("5ZX3K8P",),
        False,
        Reason.OUTSIDE_DISTRICTS,
    ),
    ("operator", operator(), "Yasamal", ALIYEV_FAMILY, False, Reason.ROLE_NOT_PERMITTED),
    ("auditor", AUDITOR, "Xətai", OTHER_FAMILY, True, Reason.AUDITOR_READS_ALL),
    (
        "service with scope",
        service(Scope.READ_HOUSEHOLDS),
        "Xətai",
        OTHER_FAMILY,
        True,
        Reason.SERVICE_SCOPE,
    ),
    (
        "service without scope",
        service(Scope.READ_PERSONS),
        "Xətai",
        OTHER_FAMILY,
        False,
        Reason.MISSING_SCOPE,
    ),
]


@pytest.mark.parametrize(
    ("principal", "district", "members", "allowed", "reason"),
    [case[1:] for case in HOUSEHOLD_CASES],
    ids=[case[0] for case in HOUSEHOLD_CASES],
)
def test_who_may_read_a_household(
    principal: Principal,
    district: str | None,
    members: tuple[str, ...],
    allowed: bool,
    reason: Reason,
) -> None:
    decision = can_read_household(principal, district=district, member_fins=members)
    assert decision == Decision(allowed=allowed, reason=reason)


def test_a_scope_counts_only_for_a_service_principal() -> None:
    borrowed = Principal(
        sub="op-2",
        roles=frozenset({Role.OPERATOR}),
        scopes=frozenset({Scope.READ_HOUSEHOLDS.value}),
    )
    assert not can_read_household(borrowed, district="Yasamal", member_fins=ALIYEV_FAMILY).allowed


def test_a_principal_with_two_roles_may_do_what_either_role_may() -> None:
    both = Principal(
        sub="x",
        roles=frozenset({Role.CITIZEN, Role.CASEWORKER}),
        fin="2QW8E4R",
        districts=frozenset({"Yasamal"}),
    )
    assert can_read_household(both, district="Yasamal", member_fins=ALIYEV_FAMILY).allowed
    assert can_read_household(both, district="Xətai", member_fins=OTHER_FAMILY).allowed
    decision = can_read_household(both, district="Sabunçu", member_fins=("9ZZ9ZZ9",))
    assert decision == Decision(allowed=False, reason=Reason.NOT_OWN_FAMILY)


PERSON_CASES: list[tuple[str, Principal, str, str | None, tuple[str, ...], bool]] = [
    ("citizen reads themselves", citizen(), "5ZX3K8P", "Yasamal", ALIYEV_FAMILY, True),
    ("citizen reads themselves without a family record", citizen(), "5ZX3K8P", None, (), True),
    ("citizen reads a family member", citizen(), "7HJ4K1M", "Yasamal", ALIYEV_FAMILY, True),
    ("citizen reads a stranger", citizen(), "2QW8E4R", "Xətai", OTHER_FAMILY, False),
    ("citizen reads a stranger without a family record", citizen(), "2QW8E4R", None, (), False),
    (
        "caseworker, person's family in district",
        caseworker("Xətai"),
        "2QW8E4R",
        "Xətai",
        OTHER_FAMILY,
        True,
    ),
    (
        "caseworker, person's family elsewhere",
        caseworker("Xətai"),
        "5ZX3K8P",
        "Yasamal",
        ALIYEV_FAMILY,
        False,
    ),
    ("caseworker, person without a family record", caseworker("Xətai"), "2QW8E4R", None, (), False),
    ("operator", operator(), "5ZX3K8P", "Yasamal", ALIYEV_FAMILY, False),
    ("auditor", AUDITOR, "2QW8E4R", None, (), True),
    (
        "service with persons scope",
        service(Scope.READ_PERSONS),
        "2QW8E4R",
        "Xətai",
        OTHER_FAMILY,
        True,
    ),
    (
        "service with households scope only",
        service(Scope.READ_HOUSEHOLDS),
        "2QW8E4R",
        "Xətai",
        OTHER_FAMILY,
        False,
    ),
]


@pytest.mark.parametrize(
    ("principal", "person", "district", "members", "allowed"),
    [case[1:] for case in PERSON_CASES],
    ids=[case[0] for case in PERSON_CASES],
)
def test_who_may_read_a_person(
    principal: Principal, person: str, district: str | None, members: tuple[str, ...], allowed: bool
) -> None:
    decision = can_read_person(
        principal, person_fin=person, household_district=district, household_member_fins=members
    )
    assert decision.allowed is allowed


@pytest.mark.parametrize(
    ("principal", "representative", "allowed", "reason"),
    [
        (citizen(), "5ZX3K8P", True, Reason.REPRESENTATIVE_IS_SELF),
        (citizen(), "6AB2C9D", False, Reason.REPRESENTATIVE_NOT_SELF),
        (operator(), "6AB2C9D", True, Reason.OPERATOR_ON_BEHALF),
        (caseworker("Yasamal"), "5ZX3K8P", False, Reason.ROLE_NOT_PERMITTED),
        (AUDITOR, "5ZX3K8P", False, Reason.AUDITOR_CHANGES_NOTHING),
        (service(Scope.SUBMIT_APPLICATIONS), "5ZX3K8P", True, Reason.SERVICE_SCOPE),
        (service(Scope.READ_APPLICATIONS), "5ZX3K8P", False, Reason.MISSING_SCOPE),
    ],
)
def test_who_may_submit_an_application(
    principal: Principal, representative: str, allowed: bool, reason: Reason
) -> None:
    assert can_submit(principal, representative_fin=representative) == Decision(allowed, reason)


@pytest.mark.parametrize(
    ("principal", "allowed", "status_only"),
    [
        (citizen("7HJ4K1M"), True, False),  # a member of the applying family
        (citizen("2QW8E4R"), False, False),
        (operator("op-1"), True, True),  # submitted it: the status and nothing else
        (operator("op-2"), False, False),
        (caseworker("Yasamal", "Nəsimi"), True, False),
        (caseworker("Xətai"), False, False),
        (AUDITOR, True, False),
        (service(Scope.READ_APPLICATIONS), True, False),
        (service(), False, False),
    ],
)
def test_who_may_read_an_application(
    principal: Principal, allowed: bool, status_only: bool
) -> None:
    decision = can_read_application(
        principal,
        application_district="Yasamal",
        application_member_fins=ALIYEV_FAMILY,
        submitted_by="op-1",
    )
    assert (decision.allowed, decision.status_only) == (allowed, status_only)


def test_an_operator_who_is_also_a_caseworker_there_sees_the_whole_application() -> None:
    both = Principal(
        sub="op-1",
        roles=frozenset({Role.OPERATOR, Role.CASEWORKER}),
        districts=frozenset({"Yasamal"}),
    )
    decision = can_read_application(
        both,
        application_district="Yasamal",
        application_member_fins=ALIYEV_FAMILY,
        submitted_by="op-1",
    )
    assert decision == Decision(allowed=True, reason=Reason.IN_CASEWORKER_DISTRICT)


@pytest.mark.parametrize(
    ("principal", "allowed", "reason"),
    [
        (caseworker("Yasamal"), True, Reason.IN_CASEWORKER_DISTRICT),
        (caseworker("Xətai"), False, Reason.OUTSIDE_DISTRICTS),
        (AUDITOR, False, Reason.AUDITOR_CHANGES_NOTHING),
        (citizen(), False, Reason.ROLE_NOT_PERMITTED),
        (operator(), False, Reason.ROLE_NOT_PERMITTED),
        (service(Scope.REASSESS_APPLICATIONS), True, Reason.SERVICE_SCOPE),
    ],
)
def test_who_may_reassess_an_application(
    principal: Principal, allowed: bool, reason: Reason
) -> None:
    assert can_reassess(principal, application_district="Yasamal") == Decision(allowed, reason)


@pytest.mark.parametrize(
    ("check", "allowed_for"),
    [(can_read_audit_log, {"auditor"}), (can_read_own_data_access_log, {"citizen"})],
)
def test_only_auditors_read_the_audit_log_and_only_citizens_their_own_access_log(
    check: Callable[[Principal], Decision], allowed_for: set[str]
) -> None:
    everyone = {
        "citizen": citizen(),
        "caseworker": caseworker("Yasamal"),
        "operator": operator(),
        "auditor": AUDITOR,
        "service": service(*Scope),
    }
    assert {name for name, p in everyone.items() if check(p).allowed} == allowed_for


def test_application_listings_show_each_role_what_it_may_read() -> None:
    assert visible_applications(AUDITOR).everything
    assert visible_applications(caseworker("Yasamal")).districts == {"Yasamal"}
    assert visible_applications(citizen()).member_fin == "5ZX3K8P"
    assert visible_applications(operator("op-9")).submitted_by == "op-9"
    assert visible_applications(service()).nothing
    assert not visible_applications(citizen()).everything
