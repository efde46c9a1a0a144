"""What every resolver sees for one request: who is asking, why, the agency adapters, the
request's DataLoaders and "today" (pinned by ``VEMTAS_CLOCK`` in dev)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from adapters.base import CallContext
from adapters.errors import AgencyError
from adapters.records import (
    BorderCrossingRecord,
    FamilyRecord,
    MonthlyIncomeRecord,
    PersonRecord,
    RealEstateRecord,
    ResidenceStatusRecord,
    TaxpayerRecord,
    UtilityChargeRecord,
    UtilityKind,
)
from resolvers.errors import Unauthenticated
from resolvers.loaders import LoaderRegistry, batch_loader
from resolvers.principal import Principal, Role

if TYPE_CHECKING:
    from adapters.registry import Adapters


def _none(_: object) -> None:
    return None


def _empty(_: object) -> tuple[()]:
    return ()


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

    # --- who, and why --------------------------------------------------------------------------

    def require_principal(self) -> Principal:
        if self.principal is None:
            raise Unauthenticated(self.auth_failure or "a valid bearer token is required")
        return self.principal

    @property
    def purpose(self) -> str:
        principal = self.require_principal()
        for role in (Role.AUDITOR, Role.CASEWORKER, Role.OPERATOR, Role.CITIZEN, Role.SERVICE):
            if role in principal.roles:
                return PURPOSE_BY_ROLE[role]
        return "unspecified"

    def call_context(self) -> CallContext:
        principal = self.require_principal()
        return CallContext(user_id=principal.sub, issue=self.purpose)

    # --- loaders, one per agency operation ----------------------------------------------------

    def _loader(
        self, name: str, args: tuple[Any, ...], call: Any, default: Any
    ) -> DataLoader[Any, Any]:
        return self.loaders.get(name, args, lambda: batch_loader(call, default))

    def families(self) -> DataLoader[str, FamilyRecord | None]:
        a = self.adapters.population
        return self._loader(
            "population.families", (), lambda k: a.families(k, self.call_context()), _none
        )

    def persons(self) -> DataLoader[str, PersonRecord | None]:
        a = self.adapters.population
        return self._loader(
            "population.persons", (), lambda k: a.persons(k, self.call_context()), _none
        )

    def household_families(self) -> DataLoader[str, FamilyRecord | None]:
        """Families by household id (federation `_entities`)."""
        a = self.adapters.population

        async def by_id(ids: Sequence[str]) -> dict[str, FamilyRecord]:
            return await a.families_by_id(ids, self.call_context())

        return self._loader("population.families_by_id", (), by_id, _none)

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


__all__ = ["AgencyError", "RequestContext"]
