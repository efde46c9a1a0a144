"""The population adapter: persons and families, batched, cached and guarded."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.agency import AgencyCore
from adapters.base import Batch, CallContext
from adapters.errors import AgencyNotFound
from adapters.http import map_http_errors
from adapters.population import mapping
from adapters.population.client import PopulationClient
from adapters.records import FamilyRecord, PersonRecord

AGENCY = "population"


class PopulationAdapter:
    """Persons by FIN; the family composition record by member FIN or household id."""

    def __init__(self, core: AgencyCore, client: PopulationClient) -> None:
        self.core = core
        self.client = client

    async def persons(self, fins: Sequence[str], ctx: CallContext) -> Batch[str, PersonRecord]:
        """Person records by FIN; an unknown FIN is absent from the answer."""

        async def fetch(chunk: list[str]) -> dict[str, PersonRecord]:
            payload = await self.client.persons(chunk, ctx)
            with map_http_errors(AGENCY):
                return mapping.persons(payload, set(chunk))

        return await self.core.batch("persons", fins, fetch)

    async def families(self, fins: Sequence[str], ctx: CallContext) -> Batch[str, FamilyRecord]:
        """The family each FIN belongs to, keyed by the FIN asked; absent if none."""

        async def fetch(chunk: list[str]) -> dict[str, FamilyRecord]:
            payload = await self.client.families(chunk, ctx)
            with map_http_errors(AGENCY):
                return mapping.families(payload, set(chunk))

        return await self.core.batch("families", fins, fetch)

    async def families_by_id(
        self, household_ids: Sequence[str], ctx: CallContext
    ) -> Batch[str, FamilyRecord]:
        """Family composition records by household id (one call for many); absent if none."""

        async def fetch(chunk: list[str]) -> dict[str, FamilyRecord]:
            payload = await self.client.families_by_id(chunk, ctx)
            with map_http_errors(AGENCY):
                return mapping.families_by_id(payload, set(chunk))

        return await self.core.batch("family", household_ids, fetch)

    async def family(self, household_id: str, ctx: CallContext) -> FamilyRecord:
        """The family composition record ``household_id``; ``AgencyNotFound`` if none."""

        async def fetch(chunk: list[str]) -> dict[str, FamilyRecord]:
            (wanted,) = chunk
            try:
                payload = await self.client.family(wanted, ctx)
            except AgencyNotFound:
                return {}
            with map_http_errors(AGENCY):
                record = mapping.family(payload, "$")
            return {wanted: record} if record.household_id == wanted else {}

        found = await self.core.batch("family", [household_id], fetch)
        try:
            return found[household_id]
        except KeyError:
            raise AgencyNotFound(AGENCY, "no family composition record with that id") from None
