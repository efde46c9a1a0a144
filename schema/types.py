"""GraphQL types of the contract (api.md). Thin: every agency-backed field delegates to a use
case in ``resolvers/`` and is nullable, so a failing agency costs only its own fields."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.federation.schema_directives import Key

from adapters import records
from resolvers import households as uc
from resolvers.context import RequestContext
from schema.scalars import FIN

Info = strawberry.Info[RequestContext, None]


@strawberry.enum(description="Sex as recorded in the population registry")
class Sex(Enum):
    F = "F"
    M = "M"


@strawberry.enum(description="A member's relation to the family head")
class Relation(Enum):
    HEAD = "head"
    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"
    SIBLING = "sibling"
    GRANDCHILD = "grandchild"
    OTHER = "other"
    GUARDIAN = "guardian"


@strawberry.enum(description="Where a month's income comes from")
class IncomeSource(Enum):
    WAGE = "wage"
    ENTREPRENEUR = "entrepreneur"
    RENT = "rent"
    PENSION = "pension"
    BENEFIT = "benefit"
    UNEMPLOYMENT_INSURANCE = "unemployment_insurance"
    SCHOLARSHIP = "scholarship"
    ALIMONY = "alimony"
    LIBERATED_TERRITORIES_BENEFIT = "liberated_territories_benefit"
    TSA = "tsa"


@strawberry.enum(description="Purpose of a real-estate object in the property registry")
class PropertyPurpose(Enum):
    RESIDENTIAL = "residential"
    NON_RESIDENTIAL = "non_residential"
    GARDEN = "garden"
    LAND = "land"


@strawberry.enum(description="Utility or communication service")
class UtilityKind(Enum):
    ELECTRICITY = "electricity"
    GAS = "gas"
    WATER = "water"
    COMMUNICATION = "communication"


@strawberry.type(description="Taxpayer registration with the State Tax Service")
class Taxpayer:
    voen: str
    entrepreneur: bool
    registered_from: date
    registered_until: date | None

    @classmethod
    def of(cls, r: records.TaxpayerRecord) -> Taxpayer:
        return cls(
            voen=r.voen,
            entrepreneur=r.entrepreneur,
            registered_from=r.registered_from,
            registered_until=r.registered_until,
        )


@strawberry.type(description="A crossing of the state border (State Border Service)")
class BorderCrossing:
    fin: FIN
    exit_date: date
    entry_date: date | None
    country: str

    @classmethod
    def of(cls, r: records.BorderCrossingRecord) -> BorderCrossing:
        return cls(
            fin=FIN(r.fin), exit_date=r.exit_date, entry_date=r.entry_date, country=r.country
        )


@strawberry.type(description="Residence status and border crossings (State Migration Service)")
class MigrationStatus:
    lives_abroad: bool
    country: str | None
    fin: strawberry.Private[str]

    @strawberry.field(description="Border crossings of this person, oldest first")
    async def border_crossings(self, info: Info) -> list[BorderCrossing]:
        found = await info.context.border_crossings().load(self.fin)
        return [BorderCrossing.of(r) for r in sorted(found, key=lambda r: r.exit_date)]


@strawberry.type(description="One month's income of one person from one source")
class MonthlyIncome:
    fin: FIN
    month: date = strawberry.field(description="First day of the month")
    source: IncomeSource
    amount: Decimal
    agency: str

    @classmethod
    def of(cls, r: records.MonthlyIncomeRecord, agency: str) -> MonthlyIncome:
        return cls(
            fin=FIN(r.fin),
            month=r.month,
            source=IncomeSource(r.source.value),
            amount=r.amount,
            agency=agency,
        )


@strawberry.type(description="A real-estate object owned (in share) by a member")
class Property:
    id: str
    owner_fin: FIN
    purpose: PropertyPurpose
    address: str
    share: Decimal
    acquired_on: date
    value: Decimal

    @classmethod
    def of(cls, r: records.RealEstateRecord) -> Property:
        return cls(
            id=r.object_id,
            owner_fin=FIN(r.owner_fin),
            purpose=PropertyPurpose(r.purpose.value),
            address=r.address,
            share=r.share,
            acquired_on=r.acquired_on,
            value=r.value,
        )


@strawberry.type(description="A monthly charge for a utility or communication service")
class UtilityCharge:
    kind: UtilityKind
    month: date = strawberry.field(description="First day of the month")
    amount: Decimal
    meter_id: str | None
    fin: FIN | None = strawberry.field(description="For communication charges: whose line")

    @classmethod
    def of(cls, r: records.UtilityChargeRecord) -> UtilityCharge:
        return cls(
            kind=UtilityKind(r.kind.value),
            month=r.month,
            amount=r.amount,
            meter_id=r.meter_id,
            fin=FIN(r.fin) if r.fin else None,
        )


@strawberry.federation.type(keys=["fin"], description="A person in the population registry")
class Person:
    fin: FIN
    first_name: str
    last_name: str
    patronymic: str | None
    birth_date: date
    sex: Sex
    citizenship: str | None

    @classmethod
    def of(cls, r: records.PersonRecord) -> Person:
        return cls(
            fin=FIN(r.fin),
            first_name=r.first_name,
            last_name=r.last_name,
            patronymic=r.patronymic,
            birth_date=r.birth_date,
            sex=Sex(r.sex.value),
            citizenship=r.citizenship,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, fin: str) -> Person | None:
        return await uc_person(info, fin)

    @strawberry.field(description="Taxpayer registration (tax); null when the agency fails")
    async def taxpayer(self, info: Info) -> Taxpayer | None:
        found = await info.context.taxpayers().load(self.fin)
        return Taxpayer.of(found[0]) if found else None

    @strawberry.field(description="Residence status and border crossings (migration)")
    async def migration(self, info: Info) -> MigrationStatus | None:
        status = await info.context.residence().load(self.fin)
        if status is None:
            return MigrationStatus(lives_abroad=False, country=None, fin=self.fin)
        return MigrationStatus(
            lives_abroad=status.lives_abroad, country=status.country, fin=self.fin
        )


async def uc_person(info: Info, fin: str) -> Person | None:
    family = await uc.authorized_family(info.context, fin)
    if family is None:
        return None
    record = await uc.person_record(info.context, fin)
    return Person.of(record) if record else None


@strawberry.type(description="A member of a family, with whether the means test counts them")
class Member:
    person: Person
    relation: Relation


@strawberry.federation.type(
    keys=["id"], description="A family as registered by the local executive authority"
)
class Household:
    id: strawberry.ID
    district: str
    address: str
    record: strawberry.Private[records.FamilyRecord]

    @classmethod
    def of(cls, r: records.FamilyRecord) -> Household:
        return cls(
            id=strawberry.ID(r.household_id), district=r.district, address=r.address, record=r
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Household | None:
        family = await uc.authorized_family_by_id(info.context, str(id))
        return cls.of(family) if family else None

    @strawberry.field(description="Members from the population registry")
    async def members(self, info: Info) -> list[Member]:
        persons = await uc.member_persons(info.context, self.record)
        return [
            Member(person=Person.of(p), relation=Relation(m.relation.value))
            for m, p in zip(self.record.members, persons, strict=True)
            if p is not None
        ]

    @strawberry.field(description="Monthly incomes of the members, oldest first (tax)")
    async def monthly_incomes(
        self,
        info: Info,
        months: int = 12,
        before: Annotated[date | None, strawberry.argument(description="default: today")] = None,
    ) -> list[MonthlyIncome] | None:
        found = await uc.monthly_incomes(info.context, self.record, months, before)
        return [MonthlyIncome.of(r, "tax") for r in found]

    @strawberry.field(description="Real estate owned by the members (property)")
    async def properties(self, info: Info) -> list[Property] | None:
        return [Property.of(r) for r in await uc.properties(info.context, self.record)]

    @strawberry.field(description="Electricity, gas and water charges at the family's address")
    async def utility_charges(
        self, info: Info, months: int = 12, before: date | None = None
    ) -> list[UtilityCharge] | None:
        found = await uc.utility_charges(info.context, self.record, months, before)
        return [UtilityCharge.of(r) for r in found]

    @strawberry.field(description="Border crossings of the members (migration)")
    async def border_crossings(self, info: Info) -> list[BorderCrossing] | None:
        return [BorderCrossing.of(r) for r in await uc.border_crossings(info.context, self.record)]


__all__ = ["Household", "Info", "Key", "Member", "Person"]
