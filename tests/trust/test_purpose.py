"""Purpose-bound access: each role states the purpose it may, an application purpose names the
application, and a purpose the roles may not state is refused before any agency is asked."""

from __future__ import annotations

import pytest

from resolvers.principal import Principal, Role
from resolvers.purpose import (
    Purpose,
    PurposeKind,
    PurposeNotPermitted,
    acting_role,
    check_purpose,
    default_purpose,
)

from .conftest import AYNUR, Stack


def principal(*roles: Role) -> Principal:
    return Principal(sub="someone", roles=frozenset(roles), fin=AYNUR)


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        (Role.CITIZEN, PurposeKind.SELF_SERVICE),
        (Role.CASEWORKER, PurposeKind.CASE_REVIEW),
        (Role.OPERATOR, PurposeKind.APPLICATION_INTAKE),
        (Role.AUDITOR, PurposeKind.AUDIT),
        (Role.SERVICE, PurposeKind.FEDERATED_QUERY),
    ],
)
def test_each_role_states_its_own_purpose(role: Role, kind: PurposeKind) -> None:
    assert default_purpose(principal(role)) == Purpose(kind)
    assert Purpose(kind).issue == kind.value


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        (Role.CITIZEN, PurposeKind.CASE_REVIEW),
        (Role.CITIZEN, PurposeKind.AUDIT),
        (Role.CASEWORKER, PurposeKind.SELF_SERVICE),
        (Role.OPERATOR, PurposeKind.CASE_REVIEW),
        (Role.AUDITOR, PurposeKind.APPLICATION_INTAKE),
        (Role.SERVICE, PurposeKind.CASE_REVIEW),
    ],
)
def test_a_purpose_outside_the_role_is_refused(role: Role, kind: PurposeKind) -> None:
    with pytest.raises(PurposeNotPermitted):
        check_purpose(principal(role), Purpose(kind))


def test_an_auditor_never_assesses_an_application() -> None:
    with pytest.raises(PurposeNotPermitted):
        check_purpose(principal(Role.AUDITOR), Purpose.application("app-1"))


def test_an_application_purpose_names_the_application_and_is_its_x_road_issue() -> None:
    purpose = Purpose.application("0b6c1d3e-aaaa-4bbb-8ccc-000000000001")

    assert purpose.issue == "0b6c1d3e-aaaa-4bbb-8ccc-000000000001"
    assert check_purpose(principal(Role.CASEWORKER), purpose) is purpose
    assert acting_role(principal(Role.AUDITOR, Role.CASEWORKER), purpose) is Role.CASEWORKER
    with pytest.raises(ValueError, match="names its application"):
        Purpose(PurposeKind.APPLICATION)
    with pytest.raises(ValueError, match="names its application"):
        Purpose(PurposeKind.CASE_REVIEW, "app-1")


async def test_a_request_whose_purpose_the_role_may_not_state_reads_nothing(stack: Stack) -> None:
    from resolvers.context import RequestContext
    from resolvers.errors import Forbidden

    runtime = stack.app.state.runtime
    ctx = RequestContext(
        adapters=runtime.adapters,
        today=runtime.today(),
        principal=Principal(sub="auditor-1", roles=frozenset({Role.AUDITOR})),
        database=runtime.database,
        issue="case-review",  # an auditor reviewing a case: not an auditor's purpose
    )

    with pytest.raises(Forbidden):
        await ctx.persons().load(AYNUR)

    assert await stack.agency_calls() == 0
    assert await stack.audit_rows() == []


def test_the_stated_purpose_follows_the_contexts_issue_and_caller() -> None:
    """The context remembers its last stated purpose, but never past a change of the issue
    or of the caller (a WebSocket's token arrives after the context was built)."""
    from resolvers.context import RequestContext
    from resolvers.errors import Forbidden

    caseworker = principal(Role.CASEWORKER)
    ctx = RequestContext(adapters=None, today=None, principal=caseworker)  # type: ignore[arg-type]
    assert ctx.purpose == "case-review"
    assert ctx.purpose == "case-review"
    ctx.issue = "app-1"
    assert ctx.purpose == "app-1"
    assert ctx.with_issue("app-2").purpose == "app-2"
    ctx.principal = principal(Role.AUDITOR)  # an auditor never assesses an application
    with pytest.raises(Forbidden):
        _ = ctx.purpose
    ctx.issue = None
    assert ctx.purpose == "audit"
