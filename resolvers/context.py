"""What every resolver sees for one request: who is asking, why, the agency adapters, the
request's DataLoaders and "today" (pinned by ``VEMTAS_CLOCK`` in dev)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from adapters.base import CallContext
from adapters.errors import AgencyError
from adapters.records import (
    AssignmentRecord,
    BorderCrossingRecord,
    CivilStatusRecord,
    ContractRecord,
    DisabilityRecord,
    FamilyRecord,
    FarmerRecord,
    FindingRecord,
    JobseekerRecord,
    MonthlyIncomeRecord,
    PersonRecord,
    RealEstateRecord,
    RefusedOfferRecord,
    ResidenceStatusRecord,
    SentenceRecord,
    ServiceRecord,
    StudyRecord,
    TaxpayerRecord,
    UtilityChargeRecord,
    UtilityKind,
    VehicleRecord,
)
from resolvers.application_policy import ApplicationPolicy, Background
from resolvers.audit import DeferredAudit, RequestAudit, audited
from resolvers.errors import Forbidden, Unauthenticated
from resolvers.loaders import LoaderRegistry, batch_loader
from resolvers.principal import Principal, Role
from resolvers.purpose import (
    Purpose,
    PurposeKind,
    PurposeNotPermitted,
    check_purpose,
    default_purpose,
)

if TYPE_CHECKING:
    from adapters.db import Database
    from adapters.registry import Adapters


def _none(_: object) -> None:
    return None


def _empty(_: object) -> tuple[()]:
    return ()


def _false(_: object) -> bool:
    return False


# a stated purpose's code as an X-Road issue (else the issue is an application's id)
_PURPOSE_CODES = frozenset(kind.value for kind in PurposeKind)

# the purpose stated on every agency call (X-Road issue) when no application is in play
PURPOSE_BY_ROLE: dict[Role, str] = {
    Role.CITIZEN: "self-service",
    Role.OPERATOR: "application-intake",
    Role.CASEWORKER: "case-review",
    Role.AUDITOR: "audit",
    Role.SERVICE: "federated-query",
}


@dataclass
class RequestContext:
    adapters: Adapters
    today: date
    principal: Principal | None = None
    auth_failure: str | None = None
    correlation_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    request: Any = None
    response: Any = None
    loaders: LoaderRegistry = field(default_factory=LoaderRegistry)
    # When this request is served (timezone-aware): stamps agency evidence and dry-run decisions.
    # The composition root pins it to midnight UTC of VEMTAS_CLOCK in dev (reproducible).
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    # The applications' store, their timing policy and the process's background tasks
    # (resolvers/applications.py; the composition root sets them).
    database: Database | None = None
    policy: ApplicationPolicy = field(default_factory=ApplicationPolicy)
    background: Background | None = None
    # The X-Road ``issue`` of every agency call, when it is an application (its id) rather
    # than the purpose of the caller's role.
    issue: str | None = None
    # graphql-transport-ws ``connection_init`` payload (the token may come in it)
    connection_params: Any = None
    # the real clock, for schedules (when the worker takes an application over, retries);
    # never pinned, since the database and the worker schedule on it too
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # the audit trail's per-request state (resolvers/audit.py); shared by with_issue copies
    audit_state: RequestAudit = field(default_factory=RequestAudit)
    # while an application flow runs on this context: its reads' audit rows, held for the
    # flow's next write transaction (resolvers.audit.deferred_rows); never shared by copies
    audit_deferred: DeferredAudit | None = None
    # the last stated purpose, for the caller and issue it was stated for (every agency call
    # asks for it); never copied by ``with_issue``
    _purpose_memo: tuple[Principal, str | None, Purpose] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def with_issue(self, issue: str, *, now: datetime | None = None) -> RequestContext:
        """A context for work on one application (``issue`` = its id) or for one stated
        purpose: the same caller and adapters, fresh DataLoaders, and every agency call
        carrying ``issue`` as its X-Road issue; ``now`` stamps the evidence gathered in it.
        Its reads are audited as they are made until it defers them itself."""
        return replace(
            self, loaders=LoaderRegistry(), issue=issue, now=now or self.now, audit_deferred=None
        )

    def release(self) -> None:
        """The request is answered: drop its DataLoaders (and with them the cycles through
        their batch functions back to this context), so that reference counting frees it all
        at once instead of a full garbage collection later. Loads asked after this start
        afresh."""
        self.loaders.clear()

    # --- who, and why --------------------------------------------------------------------------

    def require_principal(self) -> Principal:
        if self.principal is None:
            raise Unauthenticated(self.auth_failure or "a valid bearer token is required")
        return self.principal

    @property
    def stated_purpose(self) -> Purpose:
        """Why this request reads personal data: the application in ``issue``, or what the
        caller's role states (resolvers/purpose.py); ``FORBIDDEN`` if the roles may not."""
        principal = self.require_principal()
        memo = self._purpose_memo
        if memo is not None and memo[0] is principal and memo[1] == self.issue:
            return memo[2]
        if self.issue is None:
            purpose = default_purpose(principal)
        elif self.issue in _PURPOSE_CODES:
            purpose = Purpose(PurposeKind(self.issue))
        else:
            purpose = Purpose.application(self.issue)
        try:
            checked = check_purpose(principal, purpose)
        except PurposeNotPermitted as exc:
            raise Forbidden(str(exc)) from None
        self._purpose_memo = (principal, self.issue, checked)
        return checked

    @property
    def purpose(self) -> str:
        """The X-Road ``issue``: the application id, or the stated purpose's code."""
        return self.stated_purpose.issue

    def call_context(self) -> CallContext:
        principal = self.require_principal()
        return CallContext(user_id=principal.sub, issue=self.purpose)

    # --- loaders, one per agency operation ----------------------------------------------------

    def _loader(
        self, name: str, args: tuple[Any, ...], call: Any, default: Any, *, gated: bool = False
    ) -> DataLoader[Any, Any]:
        # every agency read is audited before its answer reaches a resolver (resolvers/audit.py)
        key_args = ("authorization", *args) if gated else args
        return self.loaders.get(
            name,
            key_args,
            lambda: batch_loader(audited(self, name, args, call, gated=gated), default),
        )

    def families(self, *, authorization: bool = False) -> DataLoader[str, FamilyRecord | None]:
        """Families by a member's FIN. ``authorization=True``: the lookup an authorization
        check needs, recorded in the audit log with its verdict
        (:func:`resolvers.audit.settle_family`) instead of as an allowed read."""
        a = self.adapters.population
        return self._loader(
            "population.families",
            (),
            lambda k: a.families(k, self.call_context()),
            _none,
            gated=authorization,
        )

    def persons(self) -> DataLoader[str, PersonRecord | None]:
        a = self.adapters.population
        return self._loader(
            "population.persons", (), lambda k: a.persons(k, self.call_context()), _none
        )

    def household_families(
        self, *, authorization: bool = False
    ) -> DataLoader[str, FamilyRecord | None]:
        """Families by household id (federation `_entities`); ``authorization`` as for
        :meth:`families`."""
        a = self.adapters.population

        async def by_id(ids: Sequence[str]) -> dict[str, FamilyRecord]:
            return await a.families_by_id(ids, self.call_context())

        return self._loader("population.families_by_id", (), by_id, _none, gated=authorization)

    def taxpayers(self) -> DataLoader[str, tuple[TaxpayerRecord, ...]]:
        a = self.adapters.tax
        return self._loader(
            "tax.taxpayers", (), lambda k: a.taxpayers(k, self.call_context()), _empty
        )

    def tax_incomes(
        self, first: date, last: date
    ) -> DataLoader[str, tuple[MonthlyIncomeRecord, ...]]:
        a = self.adapters.tax
        return self._loader(
            "tax.incomes",
            (first, last),
            lambda k: a.incomes(k, first, last, self.call_context()),
            _empty,
        )

    def real_estate(self) -> DataLoader[str, tuple[RealEstateRecord, ...]]:
        a = self.adapters.property
        return self._loader(
            "property.real_estate", (), lambda k: a.real_estate(k, self.call_context()), _empty
        )

    def utility_charges(
        self, kind: UtilityKind, first: date, last: date
    ) -> DataLoader[str, tuple[UtilityChargeRecord, ...]]:
        a = self.adapters.utilities
        return self._loader(
            "utilities.charges",
            (kind, first, last),
            lambda k: a.charges(kind, k, first, last, self.call_context()),
            _empty,
        )

    def residence(self) -> DataLoader[str, ResidenceStatusRecord | None]:
        a = self.adapters.migration
        return self._loader(
            "migration.residence", (), lambda k: a.residence(k, self.call_context()), _none
        )

    def border_crossings(self) -> DataLoader[str, tuple[BorderCrossingRecord, ...]]:
        a = self.adapters.migration
        return self._loader(
            "migration.border_crossings",
            (),
            lambda k: a.border_crossings(k, self.call_context()),
            _empty,
        )

    # --- the other agencies' operations (the means test reads them; resolvers/facts.py) -------

    def vehicles(self) -> DataLoader[str, tuple[VehicleRecord, ...]]:
        a = self.adapters.vehicles
        return self._loader(
            "vehicles.vehicles", (), lambda k: a.vehicles(k, self.call_context()), _empty
        )

    def contracts(self) -> DataLoader[str, tuple[ContractRecord, ...]]:
        a = self.adapters.social_insurance
        return self._loader(
            "social_insurance.contracts",
            (),
            lambda k: a.contracts(k, self.call_context()),
            _empty,
        )

    def social_insurance_payments(
        self, first: date, last: date
    ) -> DataLoader[str, tuple[MonthlyIncomeRecord, ...]]:
        a = self.adapters.social_insurance
        return self._loader(
            "social_insurance.payments",
            (first, last),
            lambda k: a.payments(k, first, last, self.call_context()),
            _empty,
        )

    def assignments(self) -> DataLoader[str, tuple[AssignmentRecord, ...]]:
        a = self.adapters.social_insurance
        return self._loader(
            "social_insurance.assignments",
            (),
            lambda k: a.assignments(k, self.call_context()),
            _empty,
        )

    def findings(self) -> DataLoader[str, FindingRecord | None]:
        a = self.adapters.social_insurance
        return self._loader(
            "social_insurance.findings", (), lambda k: a.findings(k, self.call_context()), _none
        )

    def state_care(self) -> DataLoader[str, bool]:
        a = self.adapters.social_insurance
        return self._loader(
            "social_insurance.state_care",
            (),
            lambda k: a.state_care(k, self.call_context()),
            _false,
        )

    def disabilities(self) -> DataLoader[str, DisabilityRecord | None]:
        a = self.adapters.disability
        return self._loader(
            "disability.disabilities",
            (),
            lambda k: a.disabilities(k, self.call_context()),
            _none,
        )

    def jobseekers(self) -> DataLoader[str, JobseekerRecord | None]:
        a = self.adapters.employment
        return self._loader(
            "employment.jobseekers", (), lambda k: a.jobseekers(k, self.call_context()), _none
        )

    def insurance_payments(
        self, first: date, last: date
    ) -> DataLoader[str, tuple[MonthlyIncomeRecord, ...]]:
        a = self.adapters.employment
        return self._loader(
            "employment.insurance_payments",
            (first, last),
            lambda k: a.insurance_payments(k, first, last, self.call_context()),
            _empty,
        )

    def refused_offers(self) -> DataLoader[str, tuple[RefusedOfferRecord, ...]]:
        a = self.adapters.employment
        return self._loader(
            "employment.refused_offers",
            (),
            lambda k: a.refused_offers(k, self.call_context()),
            _empty,
        )

    def studies(self) -> DataLoader[str, tuple[StudyRecord, ...]]:
        a = self.adapters.education
        return self._loader(
            "education.studies", (), lambda k: a.studies(k, self.call_context()), _empty
        )

    def scholarships(
        self, first: date, last: date
    ) -> DataLoader[str, tuple[MonthlyIncomeRecord, ...]]:
        a = self.adapters.education
        return self._loader(
            "education.scholarships",
            (first, last),
            lambda k: a.scholarships(k, first, last, self.call_context()),
            _empty,
        )

    def active_service(self) -> DataLoader[str, tuple[ServiceRecord, ...]]:
        a = self.adapters.conscription
        return self._loader(
            "conscription.active_service",
            (),
            lambda k: a.active_service(k, self.call_context()),
            _empty,
        )

    def sentences(self) -> DataLoader[str, tuple[SentenceRecord, ...]]:
        a = self.adapters.justice
        return self._loader(
            "justice.sentences", (), lambda k: a.sentences(k, self.call_context()), _empty
        )

    def civil_status(self) -> DataLoader[str, CivilStatusRecord | None]:
        a = self.adapters.justice
        return self._loader(
            "justice.civil_status", (), lambda k: a.civil_status(k, self.call_context()), _none
        )

    def alimony(self, first: date, last: date) -> DataLoader[str, tuple[MonthlyIncomeRecord, ...]]:
        a = self.adapters.justice
        return self._loader(
            "justice.alimony",
            (first, last),
            lambda k: a.alimony(k, first, last, self.call_context()),
            _empty,
        )

    def farmers(self) -> DataLoader[str, FarmerRecord | None]:
        a = self.adapters.agriculture
        return self._loader(
            "agriculture.farmers", (), lambda k: a.farmers(k, self.call_context()), _none
        )

    def telecom_charges(
        self, first: date, last: date
    ) -> DataLoader[str, tuple[UtilityChargeRecord, ...]]:
        a = self.adapters.telecom
        return self._loader(
            "telecom.charges",
            (first, last),
            lambda k: a.charges(k, first, last, self.call_context()),
            _empty,
        )


__all__ = ["AgencyError", "RequestContext"]
