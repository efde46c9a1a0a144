"""Agency answers → the means test's facts: the one place that gathers them for a family.

:func:`family_facts` reads, for one family (a population-registry composition record), every
agency operation a rule of means-test.md depends on, through the request's DataLoaders: the
operations run concurrently, and several families in one GraphQL request still cost one call
per agency operation. Each answer becomes :class:`~assessment.Fact` values carrying the
:class:`~assessment.Evidence` of the operation that gave them; an operation that fails (any
:class:`~adapters.errors.AgencyError`) makes exactly its own facts :meth:`Fact.unknown`, and the
engine then names them as missing inputs instead of deciding.

Evidence: one per (agency, operation) per family, ``fetched_at`` = the request's time
(``RequestContext.now``), ``digest`` = ``sha256:`` of a canonical JSON serialization of the
records received for that operation and that family's keys (FINs, or the address): sorted keys,
money as decimal strings, dates ISO, enums by value. The same answers give the same digest.

The population registry is the frame (who the members are, births, deaths, citizenship, the
wanted flag); without it there is no family, so its failure is an error, not unknown facts.

:func:`member_counting` answers "is this member counted?" from the engine's own rule
(:func:`assessment.rules.count_members`) with only the four agencies that rule reads.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Coroutine, Hashable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Generic, TypeVar

import orjson
from strawberry.dataloader import DataLoader

from adapters.db import Database
from adapters.errors import AgencyBadResponse, AgencyError
from adapters.records import (
    AssignmentRecord,
    CivilStatusRecord,
    ContractRecord,
    DisabilityRecord,
    FamilyMemberRecord,
    FamilyRecord,
    FarmerRecord,
    FindingRecord,
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
from adapters.records import (
    Relation as RelationRecord,
)
from assessment import (
    Agency,
    Assignment,
    Contract,
    Disability,
    Evidence,
    Fact,
    FamilyFacts,
    Farm,
    IncomeSource,
    MemberFacts,
    MonthlyCharge,
    MonthlyIncome,
    NotCountedReason,
    PropertyPurpose,
    RealEstate,
    Relation,
    Span,
    Study,
    Vehicle,
    VehicleKind,
    VehicleRole,
    default_legislation,
)
from assessment.dates import month_end, month_start
from assessment.rules import Counting, count_members, income_window
from resolvers.context import RequestContext

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")
T = TypeVar("T")

# The operation named in each evidence: the agency's own operation (docs/agency-protocols.md),
# the same names `gateway.world_facts` gives, so that both sides' evidence reads alike.
OP_COMPOSITION = "families/{household_id}"
OP_PERSONS = "persons:batch"


# --- evidence --------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A JSON-ready, canonical form of adapter records (dataclasses, enums, money, dates)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


_NATIVE = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
_FIELDS: dict[type, tuple[str, ...]] = {}  # record class → its fields' names


def _native_default(value: Any) -> Any:
    """What orjson does not write as :func:`_plain` would, in :func:`_plain`'s order: records
    as mappings of their fields (their values left to orjson, which comes back here for
    nested records), money as its exact string, dates ISO. Anything else: ``TypeError``."""
    kind = type(value)
    names = _FIELDS.get(kind)
    if names is not None:
        return {name: getattr(value, name) for name in names}
    if kind is date:
        return value.isoformat()
    if kind is Decimal:
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS[kind] = tuple(f.name for f in fields(value))
        return {name: getattr(value, name) for name in names}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):  # and datetime
        return value.isoformat()
    if isinstance(value, Mapping):  # a dict (or subclass) is written by orjson itself
        return {str(key): item for key, item in value.items()}
    raise TypeError(kind.__name__)


def canonical_digest(answer: object) -> str:
    """``sha256:<hex>`` of the canonical JSON of ``answer`` (keys sorted, no spaces, UTF-8)."""
    try:
        # orjson walks the records itself (enums by value, tuples as lists, keys sorted) and
        # asks _native_default only for records, money and dates: the same bytes as the
        # paths below, without building the plain tree in Python first
        data = orjson.dumps(answer, default=_native_default, option=_NATIVE)
    except TypeError:  # a type _native_default refuses, a dict key that is not a string, …
        plain = _plain(answer)
        try:  # orjson writes the same bytes as the json call below, several times faster
            data = orjson.dumps(plain, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # e.g. an integer beyond 64 bits
            text = json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            data = text.encode("utf-8")
    return "sha256:" + hashlib.sha256(data).hexdigest()


# --- one agency operation for one family ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer(Generic[K, R]):
    """What one agency operation answered for one family's keys, or the error it failed with."""

    agency: Agency
    operation: str
    values: Mapping[K, R] | None
    evidence: Evidence | None
    error: AgencyError | None

    def fact(self, key: K, convert: Callable[[R], T]) -> Fact[T]:
        """The fact for ``key``: known (converted, with the evidence), or unknown if the
        operation failed or was not asked about ``key``."""
        values = self.values
        if values is None or key not in values:
            return Fact.unknown()
        return Fact.known(convert(values[key]), self.evidence)


async def ask(
    loader: DataLoader[K, R],
    keys: Sequence[K],
    agency: Agency,
    operation: str,
    fetched_at: datetime,
) -> Answer[K, R]:
    """Load ``keys`` through ``loader`` (batched with the rest of the request); an
    ``AgencyError`` becomes a failed :class:`Answer`, anything else propagates."""
    wanted = list(dict.fromkeys(keys))
    results = await asyncio.gather(*(loader.load(key) for key in wanted), return_exceptions=True)
    for result in results:
        if isinstance(result, AgencyError):
            return Answer(agency, operation, None, None, result)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    values: dict[K, R] = dict(zip(wanted, results, strict=True))  # type: ignore[arg-type]
    ordered = sorted(values.items(), key=lambda item: str(item[0]))
    evidence = Evidence(agency, operation, fetched_at, canonical_digest(ordered))
    return Answer(agency, operation, values, evidence, None)


# --- adapter records → facts (pure) ---------------------------------------------------------


def incomes(records: tuple[MonthlyIncomeRecord, ...]) -> tuple[MonthlyIncome, ...]:
    return tuple(MonthlyIncome(r.month, IncomeSource(r.source.value), r.amount) for r in records)


def charges(records: tuple[UtilityChargeRecord, ...]) -> tuple[MonthlyCharge, ...]:
    return tuple(MonthlyCharge(r.month, r.amount) for r in records)


def entrepreneur_spans(records: tuple[TaxpayerRecord, ...]) -> tuple[Span, ...]:
    """Registrations as an entrepreneur (an employee's registration under the employer's VÖEN
    is not one)."""
    return tuple(Span(r.registered_from, r.registered_until) for r in records if r.entrepreneur)


def real_estate(records: tuple[RealEstateRecord, ...]) -> tuple[RealEstate, ...]:
    return tuple(
        RealEstate(
            r.object_id,
            PropertyPurpose(r.purpose.value),
            r.address,
            r.share,
            r.acquired_on,
            r.value,
        )
        for r in records
    )


def vehicles(records: tuple[VehicleRecord, ...]) -> tuple[Vehicle, ...]:
    return tuple(
        Vehicle(
            r.plate,
            VehicleKind(r.kind.value),
            VehicleRole(r.role.value),
            r.acquired_on,
            r.value,
            r.state_rehabilitation,
        )
        for r in records
    )


def lives_abroad(record: ResidenceStatusRecord | None) -> bool:
    return record is not None and record.lives_abroad


def contracts(records: tuple[ContractRecord, ...]) -> tuple[Contract, ...]:
    return tuple(Contract(r.employer_voen, r.from_, r.until, r.monthly_wage) for r in records)


def assignments(records: tuple[AssignmentRecord, ...]) -> tuple[Assignment, ...]:
    return tuple(Assignment(r.from_, r.until, r.monthly) for r in records)


def findings(record: FindingRecord | None) -> tuple[date, ...]:
    return () if record is None else (record.false_information_found_on,)


def disability(record: DisabilityRecord | None) -> Disability | None:
    if record is None:
        return None
    return Disability(record.percent, record.group, record.child, record.until)


def refusals(records: tuple[RefusedOfferRecord, ...]) -> tuple[date, ...]:
    return tuple(sorted(r.refused_on for r in records))


def studies(records: tuple[StudyRecord, ...]) -> tuple[Study, ...]:
    return tuple(Study(r.full_time, r.institution, r.from_, r.until) for r in records)


def spans(records: tuple[ServiceRecord, ...] | tuple[SentenceRecord, ...]) -> tuple[Span, ...]:
    return tuple(Span(r.from_, r.until) for r in records)


def declared_missing(record: CivilStatusRecord | None) -> bool:
    return record is not None and record.declared_missing


def farm(record: FarmerRecord | None) -> Farm | None:
    if record is None:
        return None
    stock = record.livestock
    return Farm(
        record.land_hectares,
        stock.cattle,
        stock.small_ruminant,
        stock.pig,
        stock.bee_colony,
        stock.poultry,
    )


def _same(value: T) -> T:
    return value


# --- the family's facts ---------------------------------------------------------------------


def income_months(on: date) -> tuple[date, date]:
    """First and last month of the income window for an application dated ``on`` (the 12 full
    calendar months before its month; the engine's own window and parameter)."""
    window = income_window(on, default_legislation().on(on))
    return window.first_month, window.last_month


async def frame(ctx: RequestContext, family: FamilyRecord) -> list[PersonRecord]:
    """The person records of every member, in the composition's order. Raises the population
    registry's ``AgencyError``, or ``AgencyBadResponse`` when a member has no person record."""
    fins = [m.fin for m in family.members]
    persons = await ctx.persons().load_many(fins)
    found = [p for p in persons if p is not None]
    if len(found) != len(fins):
        raise AgencyBadResponse(
            "population", "the family composition names a person the registry does not hold"
        )
    return found


async def family_facts(ctx: RequestContext, family: FamilyRecord, on: date) -> FamilyFacts:
    """Every fact the means test reads about ``family`` for an application dated ``on``.

    Every operation runs at once; an agency that fails leaves its facts unknown (never an
    exception), except the population registry, the frame of the facts, whose error is raised.
    A registered guardian is not of the family: the agencies are asked only whether the
    family's assistance is registered to them (``assessment.facts.GUARDIAN_INPUTS``).
    """
    everyone = [m.fin for m in family.members]
    fins = [m.fin for m in family.members if m.relation is not RelationRecord.GUARDIAN]
    first, last = income_months(on)
    at = ctx.now
    address = [family.address]
    a = Agency

    tasks: list[asyncio.Future[Any]] = []

    def start(work: Coroutine[Any, Any, T]) -> asyncio.Future[T]:
        task = asyncio.ensure_future(work)
        tasks.append(task)
        return task

    # Every operation is started at once (the loaders batch them with other families').
    persons_task = start(frame(ctx, family))
    taxpayers_task = start(ask(ctx.taxpayers(), fins, a.TAX, "taxpayers:batch", at))
    tax_incomes_task = start(ask(ctx.tax_incomes(first, last), fins, a.TAX, "incomes:batch", at))
    estates_task = start(ask(ctx.real_estate(), fins, a.PROPERTY, "GetRealEstateByOwners", at))
    electricity_task = start(
        ask(
            ctx.utility_charges(UtilityKind.ELECTRICITY, first, last),
            address,
            a.UTILITIES,
            "electricity/charges:batch",
            at,
        )
    )
    gas_task = start(
        ask(
            ctx.utility_charges(UtilityKind.GAS, first, last),
            address,
            a.UTILITIES,
            "gas/charges:batch",
            at,
        )
    )
    water_task = start(
        ask(
            ctx.utility_charges(UtilityKind.WATER, first, last),
            address,
            a.UTILITIES,
            "water/charges:batch",
            at,
        )
    )
    residence_task = start(ask(ctx.residence(), fins, a.MIGRATION, "GetResidenceStatus", at))
    vehicle_answer_task = start(ask(ctx.vehicles(), fins, a.VEHICLES, "GetVehiclesByPersons", at))
    contract_answer_task = start(
        ask(ctx.contracts(), fins, a.SOCIAL_INSURANCE, "contracts:batch", at)
    )
    payments_task = start(
        ask(
            ctx.social_insurance_payments(first, last),
            fins,
            a.SOCIAL_INSURANCE,
            "payments:batch",
            at,
        )
    )
    assignment_answer_task = start(
        ask(ctx.assignments(), everyone, a.SOCIAL_INSURANCE, "assignments:batch", at)
    )
    finding_answer_task = start(ask(ctx.findings(), fins, a.SOCIAL_INSURANCE, "findings:batch", at))
    state_care_task = start(ask(ctx.state_care(), fins, a.SOCIAL_INSURANCE, "state-care:batch", at))
    disabilities_task = start(ask(ctx.disabilities(), fins, a.DISABILITY, "disabilities:batch", at))
    insurance_task = start(
        ask(ctx.insurance_payments(first, last), fins, a.EMPLOYMENT, "insurance-payments:batch", at)
    )
    refused_task = start(ask(ctx.refused_offers(), fins, a.EMPLOYMENT, "refused-offers:batch", at))
    study_answer_task = start(ask(ctx.studies(), fins, a.EDUCATION, "studies:batch", at))
    scholarships_task = start(
        ask(ctx.scholarships(first, last), fins, a.EDUCATION, "scholarships:batch", at)
    )
    service_task = start(ask(ctx.active_service(), fins, a.CONSCRIPTION, "GetActiveService", at))
    sentences_task = start(ask(ctx.sentences(), fins, a.JUSTICE, "GetSentences", at))
    civil_task = start(ask(ctx.civil_status(), fins, a.JUSTICE, "GetCivilStatus", at))
    alimony_task = start(ask(ctx.alimony(first, last), fins, a.JUSTICE, "GetAlimony", at))
    farmers_task = start(ask(ctx.farmers(), fins, a.AGRICULTURE, "farmers:batch", at))
    telecom_task = start(
        ask(ctx.telecom_charges(first, last), fins, a.TELECOM, "charges:batch", at)
    )
    await asyncio.gather(*tasks)
    persons = persons_task.result()
    taxpayers = taxpayers_task.result()
    tax_incomes = tax_incomes_task.result()
    estates = estates_task.result()
    electricity = electricity_task.result()
    gas = gas_task.result()
    water = water_task.result()
    residence = residence_task.result()
    vehicle_answer = vehicle_answer_task.result()
    contract_answer = contract_answer_task.result()
    payments = payments_task.result()
    assignment_answer = assignment_answer_task.result()
    finding_answer = finding_answer_task.result()
    state_care = state_care_task.result()
    disabilities = disabilities_task.result()
    insurance = insurance_task.result()
    refused = refused_task.result()
    study_answer = study_answer_task.result()
    scholarships = scholarships_task.result()
    service = service_task.result()
    sentences = sentences_task.result()
    civil = civil_task.result()
    alimony = alimony_task.result()
    farmers = farmers_task.result()
    telecom = telecom_task.result()

    members = tuple(
        MemberFacts(
            fin=m.fin,
            relation=Relation(m.relation.value),
            birth_date=p.birth_date,
            citizenship=p.citizenship,
            wanted=p.wanted,
            died_on=p.died_on,
            lives_abroad=residence.fact(m.fin, lives_abroad),
            in_state_care=state_care.fact(m.fin, _same),
            military_service=service.fact(m.fin, spans),
            sentences=sentences.fact(m.fin, spans),
            declared_missing=civil.fact(m.fin, declared_missing),
            disability=disabilities.fact(m.fin, disability),
            contracts=contract_answer.fact(m.fin, contracts),
            entrepreneur=taxpayers.fact(m.fin, entrepreneur_spans),
            studies=study_answer.fact(m.fin, studies),
            refused_job_offers=refused.fact(m.fin, refusals),
            real_estate=estates.fact(m.fin, real_estate),
            vehicles=vehicle_answer.fact(m.fin, vehicles),
            assignments=assignment_answer.fact(m.fin, assignments),
            false_information_found=finding_answer.fact(m.fin, findings),
            farm=farmers.fact(m.fin, farm),
            telecom_charges=telecom.fact(m.fin, charges),
            tax_incomes=tax_incomes.fact(m.fin, incomes),
            social_insurance_payments=payments.fact(m.fin, incomes),
            unemployment_insurance=insurance.fact(m.fin, incomes),
            scholarships=scholarships.fact(m.fin, incomes),
            alimony=alimony.fact(m.fin, incomes),
        )
        for m, p in zip(family.members, persons, strict=True)
    )
    composition = Evidence(a.POPULATION, OP_COMPOSITION, at, canonical_digest(family))
    people = Evidence(
        a.POPULATION, OP_PERSONS, at, canonical_digest(sorted(persons, key=lambda p: p.fin))
    )
    return FamilyFacts(
        household_id=family.household_id,
        members=members,
        electricity=electricity.fact(family.address, charges),
        gas=gas.fact(family.address, charges),
        water=water.fact(family.address, charges),
        declared_members=None,
        evidence=(composition, people),
    )


# --- who is counted ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberCounting:
    """Whether the means test counts a member on a day, by the engine's rule.

    ``reasons`` are why not (empty when counted). ``unresolved`` is set when an agency that
    could exclude the member failed and nothing known excludes them: ``counted`` is then the
    registry's presumption (``True``), not a finding.
    """

    counted: bool
    reasons: tuple[NotCountedReason, ...]
    unresolved: AgencyError | None = None


def _count_one(
    member: FamilyMemberRecord,
    person: PersonRecord,
    on: date,
    abroad: Fact[bool],
    care: Fact[bool],
    service: Fact[tuple[Span, ...]],
    sentences: Fact[tuple[Span, ...]],
) -> Counting | None:
    unknown: Fact[Any] = Fact.unknown()
    facts = MemberFacts(
        fin=member.fin,
        relation=Relation(member.relation.value),
        birth_date=person.birth_date,
        citizenship=person.citizenship,
        wanted=person.wanted,
        died_on=person.died_on,
        lives_abroad=abroad,
        in_state_care=care,
        military_service=service,
        sentences=sentences,
        declared_missing=unknown,
        disability=unknown,
        contracts=unknown,
        entrepreneur=unknown,
        studies=unknown,
        refused_job_offers=unknown,
        real_estate=unknown,
        vehicles=unknown,
        assignments=unknown,
        false_information_found=unknown,
        farm=unknown,
        telecom_charges=unknown,
        tax_incomes=unknown,
        social_insurance_payments=unknown,
        unemployment_insurance=unknown,
        scholarships=unknown,
        alimony=unknown,
    )
    found = count_members(FamilyFacts(member.fin, (facts,), unknown, unknown, unknown), on)
    return found if isinstance(found, Counting) else None


def _or_nothing(fact: Fact[T], nothing: T) -> Fact[T]:
    return fact if fact.is_known else Fact.known(nothing)


async def member_counting(
    ctx: RequestContext,
    member: FamilyMemberRecord,
    person: PersonRecord,
    on: date,
    *,
    along: Sequence[str] = (),
) -> MemberCounting:
    """Whether ``member`` is counted on ``on`` (Law art. 9, :func:`count_members`), reading
    migration, social insurance (state care), conscription and justice (sentences) only.
    ``along``: other FINs asked in the same agency calls (the rest of the family, whose
    assessment follows and then finds the answers in the adapters' cache)."""
    keys = [member.fin, *along]
    at = ctx.now
    a = Agency
    residence, care, service, sentences = await asyncio.gather(
        ask(ctx.residence(), keys, a.MIGRATION, "GetResidenceStatus", at),
        ask(ctx.state_care(), keys, a.SOCIAL_INSURANCE, "state-care:batch", at),
        ask(ctx.active_service(), keys, a.CONSCRIPTION, "GetActiveService", at),
        ask(ctx.sentences(), keys, a.JUSTICE, "GetSentences", at),
    )
    abroad_fact = residence.fact(member.fin, lives_abroad)
    care_fact = care.fact(member.fin, _same)
    service_fact = service.fact(member.fin, spans)
    sentence_fact = sentences.fact(member.fin, spans)
    counting = _count_one(member, person, on, abroad_fact, care_fact, service_fact, sentence_fact)
    if counting is not None:
        return MemberCounting(
            counted=bool(counting.counted),
            reasons=counting.not_counted[0].reasons if counting.not_counted else (),
        )
    # Some agency failed: a reason that holds on the known facts still excludes the member;
    # read the failed ones as "nothing held", which can only ever add no reason.
    counting = _count_one(
        member,
        person,
        on,
        _or_nothing(abroad_fact, False),
        _or_nothing(care_fact, False),
        _or_nothing(service_fact, ()),
        _or_nothing(sentence_fact, ()),
    )
    assert counting is not None  # every input the rule reads is known now
    if counting.not_counted:
        return MemberCounting(False, counting.not_counted[0].reasons)
    failed = next(x.error for x in (residence, care, service, sentences) if x.error is not None)
    return MemberCounting(True, (), unresolved=failed)


async def with_own_grants(
    db: Database,
    facts: FamilyFacts,
    *,
    household_id: str | None,
    fins: Sequence[str],
    on: date,
    excluding_application_id: str | None = None,
) -> FamilyFacts:
    """Our own current grants count like the social insurance fund's assignments
    (``ACTIVE_ASSIGNMENT_EXISTS``): a grant recorded here whose period overlaps the month of
    ``on``, for the household or any of ``fins``, is added to the first member's known
    assignments as an assignment covering that month, so the engine itself names the ground.
    When the fund's answer is unknown the facts are left as they are (the engine waits)."""
    covered = await db.active_grant_covering(
        household_id=household_id,
        member_fins=fins,
        month=on,
        excluding_application_id=excluding_application_id,
    )
    if not covered or not facts.members:
        return facts
    first, *rest = facts.members
    if not first.assignments.is_known:
        return facts
    own = Assignment(month_start(on), month_end(on), Decimal("0.00"))
    assignments = Fact.known((*first.assignments.value, own), first.assignments.evidence)
    return replace(facts, members=(replace(first, assignments=assignments), *rest))
