"""GraphQL types of the contract (api.md). Thin: every agency-backed field delegates to a use
case in ``resolvers/`` and is nullable, so a failing agency costs only its own fields."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.federation.schema_directives import Key

from adapters import records
from resolvers import agency_fields as af
from resolvers import applications as apps
from resolvers import eligibility as el
from resolvers import households as uc
from resolvers.context import RequestContext
from schema.decision import Assessment
from schema.enums import IncomeSource
from schema.scalars import FIN

if TYPE_CHECKING:
    from schema.applications import Application

Info = strawberry.Info[RequestContext, None]


def _months(months: int | None) -> int:
    """``months`` as given, 12 when left out or null (api.md: ``months: Int = 12``)."""
    return 12 if months is None else months


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


@strawberry.enum(description="Kind of motor vehicle (State Road Police)")
class VehicleKind(Enum):
    CAR = "car"
    MOTORCYCLE = "motorcycle"
    TRUCK = "truck"
    BUS = "bus"
    TRACTOR = "tractor"


@strawberry.enum(description="How a person is registered for a vehicle")
class VehicleRole(Enum):
    OWNER = "owner"
    USER = "user"


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


@strawberry.type(description="A motor vehicle a member owns or is a registered user of")
class Vehicle:
    fin: FIN
    plate: str
    kind: VehicleKind
    role: VehicleRole
    acquired_on: date
    value: Decimal
    state_rehabilitation: bool = strawberry.field(
        description="Given by the state for rehabilitation (does not refuse assistance)"
    )

    @classmethod
    def of(cls, r: records.VehicleRecord) -> Vehicle:
        return cls(
            fin=FIN(r.fin),
            plate=r.plate,
            kind=VehicleKind(r.kind.value),
            role=VehicleRole(r.role.value),
            acquired_on=r.acquired_on,
            value=r.value,
            state_rehabilitation=r.state_rehabilitation,
        )


@strawberry.type(description="Disability as assessed by the ministry's disability subsystem")
class Disability:
    percent: int = strawberry.field(description="Impairment, percent")
    group: int | None
    child: bool = strawberry.field(description="Disability of a child under 18")
    until: date | None = strawberry.field(description="Valid until (inclusive); null: no end")

    @classmethod
    def of(cls, r: records.DisabilityRecord) -> Disability:
        return cls(percent=r.percent, group=r.group, child=r.child, until=r.until)


@strawberry.type(description="An employment contract in the ministry's register")
class EmploymentContract:
    employer_voen: str
    from_: date = strawberry.field(name="from")
    until: date | None
    monthly_wage: Decimal

    @classmethod
    def of(cls, r: records.ContractRecord) -> EmploymentContract:
        return cls(
            employer_voen=r.employer_voen, from_=r.from_, until=r.until, monthly_wage=r.monthly_wage
        )


@strawberry.type(description="Registration as a job seeker with the State Employment Agency")
class JobseekerRegistration:
    registered_on: date


@strawberry.type(
    description="Work and job seeking: contracts (social insurance), job-seeker registration, "
    "refused offers and unemployment insurance (employment agency); each field from its agency"
)
class Employment:
    fin: strawberry.Private[str]

    @strawberry.field(description="Employment contracts, oldest first (social_insurance)")
    async def contracts(self, info: Info) -> list[EmploymentContract] | None:
        return [EmploymentContract.of(r) for r in await af.contracts(info.context, self.fin)]

    @strawberry.field(description="Job-seeker registration; null when not registered (employment)")
    async def jobseeker(self, info: Info) -> JobseekerRegistration | None:
        found = await af.jobseeker(info.context, self.fin)
        return JobseekerRegistration(registered_on=found.registered_on) if found else None

    @strawberry.field(description="Dates suitable job offers were refused, oldest first")
    async def refused_job_offers(self, info: Info) -> list[date] | None:
        return [r.refused_on for r in await af.refused_offers(info.context, self.fin)]

    @strawberry.field(description="Unemployment insurance by month, oldest first (employment)")
    async def unemployment_insurance(
        self, info: Info, months: int | None = 12, before: date | None = None
    ) -> list[MonthlyIncome] | None:
        found = await af.unemployment_insurance(info.context, self.fin, _months(months), before)
        return [MonthlyIncome.of(r, "employment") for r in found]


@strawberry.type(
    description="Study at an educational institution (Ministry of Science and Education)"
)
class Study:
    full_time: bool
    institution: str
    from_: date = strawberry.field(name="from")
    until: date | None
    fin: strawberry.Private[str]

    @strawberry.field(description="Scholarship by month, oldest first (education)")
    async def scholarships(
        self, info: Info, months: int | None = 12, before: date | None = None
    ) -> list[MonthlyIncome] | None:
        found = await af.scholarships(info.context, self.fin, _months(months), before)
        return [MonthlyIncome.of(r, "education") for r in found]


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

    @strawberry.field(description="Disability; null when none, or when the agency fails")
    async def disability(self, info: Info) -> Disability | None:
        found = await af.disability(info.context, self.fin)
        return Disability.of(found) if found else None

    @strawberry.field(description="Contracts, job seeking, refused offers, unemployment insurance")
    def employment(self) -> Employment | None:
        return Employment(fin=self.fin)

    @strawberry.field(
        description="The study under way today, else the latest (education); null when none"
    )
    async def studies(self, info: Info) -> Study | None:
        found = await af.study(info.context, self.fin)
        if found is None:
            return None
        return Study(
            full_time=found.full_time,
            institution=found.institution,
            from_=found.from_,
            until=found.until,
            fin=self.fin,
        )


async def uc_person(info: Info, fin: str) -> Person | None:
    record = await uc.authorized_person(info.context, fin)
    return Person.of(record) if record else None


@strawberry.type(description="A member of a family, with whether the means test counts them")
class Member:
    person: Person
    relation: Relation
    record: strawberry.Private[records.FamilyMemberRecord]
    person_record: strawberry.Private[records.PersonRecord]

    @strawberry.field(
        description="Whether the means test counts this member today (Law art. 9). When an "
        "agency that could exclude the member fails and nothing known excludes them, this is "
        "the registry's presumption (true) and notCountedReason is null with an error."
    )
    async def counted(self, info: Info) -> bool:
        found = await el.counting(info.context, self.record, self.person_record)
        return found.counted

    @strawberry.field(
        description='Why the member is not counted, in English words (e.g. "serving a prison '
        'sentence"); null when counted'
    )
    async def not_counted_reason(self, info: Info) -> str | None:
        found = await el.counting(info.context, self.record, self.person_record)
        if found.unresolved is not None:
            raise found.unresolved
        return el.not_counted_words(found.reasons)


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
            Member(
                person=Person.of(p),
                relation=Relation(m.relation.value),
                record=m,
                person_record=p,
            )
            for m, p in zip(self.record.members, persons, strict=True)
            if p is not None
        ]

    @strawberry.field(
        description="Monthly incomes of the members, oldest first, from every agency that "
        "records them (tax, social_insurance, employment, education, justice), or only those "
        "of `sources`; null with the agency's error when one of them fails"
    )
    async def monthly_incomes(
        self,
        info: Info,
        months: int | None = 12,
        before: Annotated[date | None, strawberry.argument(description="default: today")] = None,
        sources: Annotated[
            list[IncomeSource] | None, strawberry.argument(description="default: every source")
        ] = None,
    ) -> list[MonthlyIncome] | None:
        wanted = None if sources is None else {records.IncomeSource(s.value) for s in sources}
        found = await af.monthly_incomes(info.context, self.record, _months(months), before, wanted)
        return [MonthlyIncome.of(r, agency) for r, agency in found]

    @strawberry.field(description="Real estate owned by the members (property)")
    async def properties(self, info: Info) -> list[Property] | None:
        return [Property.of(r) for r in await uc.properties(info.context, self.record)]

    @strawberry.field(
        description="Electricity, gas and water charges at the family's address (utilities) "
        "and the members' communication charges (telecom), or only those of `kinds`"
    )
    async def utility_charges(
        self,
        info: Info,
        months: int | None = 12,
        before: date | None = None,
        kinds: Annotated[
            list[UtilityKind] | None, strawberry.argument(description="default: every kind")
        ] = None,
    ) -> list[UtilityCharge] | None:
        wanted = None if kinds is None else {records.UtilityKind(k.value) for k in kinds}
        found = await af.utility_charges(info.context, self.record, _months(months), before, wanted)
        return [UtilityCharge.of(r) for r in found]

    @strawberry.field(description="Vehicles the members own or are registered users of")
    async def vehicles(self, info: Info) -> list[Vehicle] | None:
        return [Vehicle.of(r) for r in await af.vehicles(info.context, self.record)]

    @strawberry.field(
        description="A dry run of the means test on live agency answers for an application "
        "dated `on` (default: today); stores nothing. An agency that fails gives "
        "complete: false, no decision, and the missing inputs"
    )
    async def eligibility(self, info: Info, on: date | None = None) -> Assessment | None:
        return Assessment.of(await el.eligibility(info.context, self.record, on))

    @strawberry.field(description="Border crossings of the members (migration)")
    async def border_crossings(self, info: Info) -> list[BorderCrossing] | None:
        return [BorderCrossing.of(r) for r in await uc.border_crossings(info.context, self.record)]

    @strawberry.field(description="The family's applications the caller may read, newest first")
    async def applications(
        self, info: Info
    ) -> list[Annotated[Application, strawberry.lazy("schema.applications")]]:
        from schema.applications import Application

        found = await apps.household_applications(info.context, self.record.household_id)
        return [Application.of(visible) for visible in found]


__all__ = ["Household", "IncomeSource", "Info", "Key", "Member", "Person"]
