"""The means test, one named function per legal test (means-test.md).

Each rule reads only the facts, the application date and the parameter snapshot, and returns
what it found with the parameters it used, or :class:`Missing` naming every unknown input it
needed. Rules never guess: the composition in :mod:`assessment.decision` turns any ``Missing``
into "insufficient data".

Speed (quality.md: at least 10,000 decisions per second on one core) shapes how the rules are
written, never what they decide:

- each rule walks the records it reads once, with plain loops (no generator expressions or
  closures per member or per record), and looks nothing up twice;
- each counted member's age and disability on the application date are worked out once per
  decision, by :func:`count_members`, for the four rules that read them;
- what depends only on the application date and the parameter snapshot (the income window,
  the assignment period, the parameters decisions cite) is worked out once per date
  (:func:`terms`), not once per family; nothing about a family is remembered;
- enum members are bound to module names once (on Python 3.11 reading a member off its class
  costs several times a global lookup), and the rules that cite no parameter return one of
  their two possible findings, built once.

``bench/assessment.py`` measures it; ``tests/assessment/test_golden.py`` pins the decisions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal
from enum import StrEnum
from functools import lru_cache
from operator import itemgetter
from typing import Any, NamedTuple

from assessment.dates import add_months, age_on, month_end, month_start
from assessment.facts import (
    INCOME_INPUTS,
    FamilyFacts,
    IncomeSource,
    Input,
    MemberFacts,
    MissingInput,
    Relation,
    VehicleRole,
)
from assessment.legislation import Parameters, ParameterValue
from assessment.reasons import ReasonCode

CENT = Decimal("0.01")
ZERO = Decimal("0")
ONE = Decimal("1")
# Rule results are NamedTuples: immutable like frozen dataclasses, and several times cheaper
# to build, which shows in the engine's throughput (a decision builds a few dozen of them).

# Decisions use their own decimal context, so that no caller's context changes a result.
DECIMAL_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN)

Parameters_ = tuple[ParameterValue[Any], ...]


def money(amount: Decimal) -> Decimal:
    """``amount`` rounded to 0.01 AZN, half-up (means-test.md §4; the rounding rule is assumed)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP, context=DECIMAL_CONTEXT)


def per_month(total: Decimal, months: int) -> Decimal:
    """``total`` divided by ``months``, exactly to 28 digits whatever the caller's context."""
    # The context converts the integer exactly, as Decimal(months) would.
    return DECIMAL_CONTEXT.divide(total, months)


class Missing(NamedTuple):
    """A rule could not be applied: these inputs are unknown."""

    inputs: tuple[MissingInput, ...]


class Finding(NamedTuple):
    """Whether a refusal ground or qualifying reason holds, and the parameters it read."""

    code: ReasonCode
    holds: bool
    parameters: Parameters_ = ()


# Enum members read per decision, member or record (see the module docstring); and for the
# rules that cite no parameter, their two possible findings (holds or not), built once.


def _findings(code: ReasonCode) -> tuple[Finding, Finding]:
    return (Finding(code, False), Finding(code, True))


_FINDINGS_ACTIVE_ASSIGNMENT_EXISTS = _findings(ReasonCode.ACTIVE_ASSIGNMENT_EXISTS)
_CARER = ReasonCode.CARER
_FINDINGS_DECLARATION_MISMATCH = _findings(ReasonCode.DECLARATION_MISMATCH)
_FALSE_INFORMATION_BAN = ReasonCode.FALSE_INFORMATION_BAN
_INCOME_AT_OR_ABOVE_THRESHOLD = ReasonCode.INCOME_AT_OR_ABOVE_THRESHOLD
_JOB_OFFERS_REFUSED = ReasonCode.JOB_OFFERS_REFUSED
_MEMBER_DIED = ReasonCode.MEMBER_DIED
_FINDINGS_MEMBER_DISABLED = _findings(ReasonCode.MEMBER_DISABLED)
_FINDINGS_MEMBER_IMPRISONED = _findings(ReasonCode.MEMBER_IMPRISONED)
_FINDINGS_MEMBER_MISSING = _findings(ReasonCode.MEMBER_MISSING)
_FINDINGS_MULTIPLE_PROPERTIES_SAME_PURPOSE = _findings(ReasonCode.MULTIPLE_PROPERTIES_SAME_PURPOSE)
_NO_ABLE_BODIED_MEMBER = ReasonCode.NO_ABLE_BODIED_MEMBER
_FINDINGS_NO_QUALIFYING_REASON = _findings(ReasonCode.NO_QUALIFYING_REASON)
_PURCHASES_ABOVE_LIMIT = ReasonCode.PURCHASES_ABOVE_LIMIT
_STUDENT = ReasonCode.STUDENT
_UNEMPLOYMENT_INSURANCE = ReasonCode.UNEMPLOYMENT_INSURANCE
_UTILITY_COSTS_ABOVE_LIMIT = ReasonCode.UTILITY_COSTS_ABOVE_LIMIT
_FINDINGS_VEHICLE_OWNED_OR_USED = _findings(ReasonCode.VEHICLE_OWNED_OR_USED)
_GUARDIAN = Relation.GUARDIAN
_OWNER = VehicleRole.OWNER
_IMPUTED_FARM = IncomeSource.IMPUTED_FARM


def _unknown(members: Iterable[MemberFacts], *inputs: Input) -> tuple[MissingInput, ...]:
    missing: tuple[MissingInput, ...] = ()
    for member in members:
        if member.unknown:  # usually empty: every agency answered
            missing += tuple(MissingInput(i, member.fin) for i in inputs if i in member.unknown)
    return missing


# --- the frame: window, period, who is counted ------------------------------------------


class IncomeWindow(NamedTuple):
    """The full calendar months before the application month whose income is averaged."""

    first_month: date  # its first day: the window's first day
    last_month: date  # its first day
    end: date  # the window's last day
    months: int
    parameters: Parameters_

    @property
    def start(self) -> date:
        return self.first_month


class Period(NamedTuple):
    start: date
    end: date
    parameters: Parameters_


class Terms(NamedTuple):
    """What the rules derive from the application date and the parameter snapshot alone: the
    same for every family decided on that date, so worked out once per date (:func:`terms`)."""

    parameters: Parameters  # the snapshot they come from (held, so that its id stays unique)
    window: IncomeWindow
    period: Period
    # What decisions on this date cite, by what varies between families (filled by
    # assessment.decision as decisions are made; see Citations there).
    citations: dict[tuple[int, int], tuple[ParameterValue[Any], ...]]


# Keyed by the application date and the snapshot's identity: a snapshot is a frozen record of
# some thirty values, too slow to hash per decision, and `Legislation.on` gives the same
# object for the same day. Each entry holds its snapshot, so no other object can take its id
# while the entry lives. Bounded: cleared when full (a few dates are decided at a time).
_TERMS: dict[tuple[date, int], Terms] = {}
_TERMS_LIMIT = 256


def terms(on: date, parameters: Parameters) -> Terms:
    """The :class:`Terms` of an application dated ``on`` under ``parameters`` (memoised)."""
    key = (on, id(parameters))
    found = _TERMS.get(key)
    if found is None:
        if len(_TERMS) >= _TERMS_LIMIT:
            _TERMS.clear()
        found = _TERMS[key] = _derive_terms(on, parameters)
    return found


def _derive_terms(on: date, parameters: Parameters) -> Terms:
    application_month = month_start(on)
    window_months = parameters.income_window_months
    last_month = add_months(application_month, -1)
    window = IncomeWindow(
        first_month=add_months(application_month, -window_months.value),
        last_month=last_month,
        end=month_end(last_month),
        months=window_months.value,
        parameters=(window_months,),
    )
    period_months = parameters.assignment_period_months
    period = Period(
        application_month,
        month_end(add_months(application_month, period_months.value - 1)),
        (period_months,),
    )
    return Terms(parameters, window, period, {})


def income_window(on: date, parameters: Parameters) -> IncomeWindow:
    """The income window: the N full calendar months before the month of the application.

    Basis: Decision No. 37 (income of the last 12 months); parameter ``income_window_months``.
    """
    return terms(on, parameters).window


def assignment_period(on: date, parameters: Parameters) -> Period:
    """The assignment period: from the first day of the application month, for the number of
    months in force on the application date, ending on the last day of its last month.

    Basis: Law No. 1039-IIQ as amended by Law No. 125-VIQD of 2 Jun 2020 (2 years to 1 year).
    """
    return terms(on, parameters).period


class NotCountedReason(StrEnum):
    """Why a member adds no need and no income (Law art. 9, and plain facts)."""

    DIED = "DIED"
    NOT_YET_BORN = "NOT_YET_BORN"
    CONSCRIPT = "CONSCRIPT"
    STATE_CARE = "STATE_CARE"
    IMPRISONED = "IMPRISONED"
    WANTED = "WANTED"
    LIVES_ABROAD = "LIVES_ABROAD"
    FOREIGNER_OR_STATELESS = "FOREIGNER_OR_STATELESS"
    GUARDIAN = "GUARDIAN"


_AS_GUARDIAN = (NotCountedReason.GUARDIAN,)


class NotCounted(NamedTuple):
    fin: str
    reasons: tuple[NotCountedReason, ...]


BY_FIN = itemgetter(0)  # sort key of NotCounted and ChildSupplement: the FIN comes first


class Counting(NamedTuple):
    """Who is counted; ``living`` are the members alive (and born) on the application date,
    ``family`` the living members without a registered guardian, who acts for the family but
    is not of it: the rules on what the family owns, receives or went through read ``family``
    (the guardian's own car, own assistance or own sentence is not the family's).

    ``ages`` and ``disabled`` are, in ``counted``'s order, each counted member's age on the
    application date and whether they have a disability valid on it: worked out once per
    decision for the rules that read them. ``disabled`` is False where the disability is
    unknown; a rule reading it names the unknown input instead (see :func:`_unknown`).
    """

    counted: tuple[MemberFacts, ...]
    not_counted: tuple[NotCounted, ...]
    living: tuple[MemberFacts, ...]
    family: tuple[MemberFacts, ...]
    ages: tuple[int, ...]
    disabled: tuple[bool, ...]
    complete: bool = False  # every agency answered about every member: nothing to check


def is_living(member: MemberFacts, on: date) -> bool:
    """Born on or before ``on`` and not dead on it."""
    return member.birth_date <= on and (member.died_on is None or member.died_on > on)


def everyone_living(facts: FamilyFacts, on: date) -> Counting:
    """Every living member counted: what the rules go on with when counting itself is
    unknown, to name every other missing input at once."""
    living = tuple(member for member in facts.members if is_living(member, on))
    family = of_family(living)
    return Counting(
        family,
        (),
        living,
        family,
        tuple(age_on(member.birth_date, on) for member in family),
        tuple(_disabled(member, on) for member in family),
    )


def of_family(members: Iterable[MemberFacts]) -> tuple[MemberFacts, ...]:
    """``members`` without a registered guardian (see :class:`Counting`)."""
    return tuple(member for member in members if member.relation is not _GUARDIAN)


def _disabled(member: MemberFacts, on: date) -> bool:
    """A disability valid on ``on``; False when the disability is unknown (see Counting)."""
    fact = member.disability
    if not fact.is_known:
        return False
    disability = fact.value
    return disability is not None and disability.valid_on(on)


_COUNTING_INPUTS = (
    Input.CONSCRIPTION_SERVICE,
    Input.SOCIAL_INSURANCE_STATE_CARE,
    Input.JUSTICE_SENTENCES,
    Input.MIGRATION_RESIDENCE,
)


def count_members(facts: FamilyFacts, on: date) -> Counting | Missing:
    """Who is counted in the family on the application date.

    Not counted (Law art. 9): conscripts in active fixed-term military service; people on full
    state support, including residents of state care institutions; people serving a prison
    sentence; wanted persons; citizens living abroad; foreigners and stateless persons; and
    members who have died. Also not counted: a member not yet born on the date, and a
    registered guardian (who acts for the family but is not of it; project interpretation).
    They stay members, shown with every reason that holds; a guardian is shown as such, and
    nothing else about them is read (the gateway does not ask the agencies about them).
    """
    counted: list[MemberFacts] = []
    ages: list[int] = []
    disabled: list[bool] = []
    not_counted: list[NotCounted] = []
    living: list[MemberFacts] = []
    family: list[MemberFacts] = []
    missing: list[MissingInput] = []
    year, month_day = on.year, (on.month, on.day)
    for member in facts.members:
        died_on = member.died_on
        if died_on is not None and died_on <= on:
            not_counted.append(NotCounted(member.fin, (NotCountedReason.DIED,)))
            continue
        born = member.birth_date
        if born > on:
            not_counted.append(NotCounted(member.fin, (NotCountedReason.NOT_YET_BORN,)))
            continue
        living.append(member)
        if member.relation is _GUARDIAN:
            not_counted.append(NotCounted(member.fin, _AS_GUARDIAN))
            continue
        family.append(member)
        if member.unknown:
            unknown = _unknown((member,), *_COUNTING_INPUTS)
            if unknown:
                missing.extend(unknown)
                continue
        reasons: list[NotCountedReason] = []
        service = member.military_service.value
        if service and any(span.covers(on) for span in service):
            reasons.append(NotCountedReason.CONSCRIPT)
        if member.in_state_care.value:
            reasons.append(NotCountedReason.STATE_CARE)
        sentences = member.sentences.value
        if sentences and any(span.covers(on) for span in sentences):
            reasons.append(NotCountedReason.IMPRISONED)
        if member.wanted:
            reasons.append(NotCountedReason.WANTED)
        if member.lives_abroad.value:
            reasons.append(NotCountedReason.LIVES_ABROAD)
        if member.citizenship != "AZ":
            reasons.append(NotCountedReason.FOREIGNER_OR_STATELESS)
        if reasons:
            not_counted.append(NotCounted(member.fin, tuple(reasons)))
        else:
            counted.append(member)
            # age_on, inlined: someone born on 29 February ages on 1 March
            ages.append(year - born.year - (month_day < (born.month, born.day)))
            disabled.append(_disabled(member, on))
    if missing:
        return Missing(tuple(missing))
    return Counting(
        tuple(counted),
        tuple(not_counted),
        tuple(living),
        tuple(family),
        tuple(ages),
        tuple(disabled),
        facts.complete,
    )


# --- income -------------------------------------------------------------------------------


class SourceTotal(NamedTuple):
    source: IncomeSource
    total: Decimal


class IncomeAssessment(NamedTuple):
    """Income of the counted members over the window; ``average`` is exact (not rounded)."""

    total: Decimal
    average: Decimal
    by_source: tuple[SourceTotal, ...]
    excluded: tuple[SourceTotal, ...]
    parameters: Parameters_


def imputed_farm_income(member: MemberFacts, parameters: Parameters) -> tuple[Decimal, Parameters_]:
    """Monthly income imputed from a member's agricultural land and livestock.

    Basis: Law art. 1 (income includes income from land and livestock); the coefficients are
    assumed (no public coefficient was found).
    """
    farm = member.farm.value
    if farm is None:
        return ZERO, ()
    used = (
        parameters.farm_income_per_hectare,
        parameters.farm_income_per_cattle,
        parameters.farm_income_per_small_ruminant,
        parameters.farm_income_per_pig,
        parameters.farm_income_per_bee_colony,
        parameters.farm_income_per_poultry,
    )
    monthly = (
        farm.land_hectares * parameters.farm_income_per_hectare.value
        + farm.cattle * parameters.farm_income_per_cattle.value
        + farm.small_ruminant * parameters.farm_income_per_small_ruminant.value
        + farm.pig * parameters.farm_income_per_pig.value
        + farm.bee_colony * parameters.farm_income_per_bee_colony.value
        + farm.poultry * parameters.farm_income_per_poultry.value
    )
    return monthly, used


@lru_cache(maxsize=8)
def _excluded_sources(
    credit_counted_as_income: bool, liberated_territories_benefit_excluded: bool
) -> frozenset[IncomeSource]:
    excluded = {IncomeSource.TSA}
    if not credit_counted_as_income:
        excluded.add(IncomeSource.CREDIT)
    if liberated_territories_benefit_excluded:
        excluded.add(IncomeSource.LIBERATED_TERRITORIES_BENEFIT)
    return frozenset(excluded)


def average_monthly_income(
    counting: Counting, window: IncomeWindow, parameters: Parameters
) -> IncomeAssessment | Missing:
    """Average monthly income: every counted member's income in the income window, divided by
    the number of months in the window. Months with no record count as 0 because the agency
    answered; an agency that did not answer makes the income unknown.

    Counted: wages, entrepreneur income, rent, pensions, benefits, unemployment insurance,
    scholarships, alimony and imputed farm income. Excluded: TSA payments; credit (from
    2020-11-01, Decision No. 445); the benefit for specialists in the liberated territories
    (2023-01-01 to 2027-12-31). Basis: Law art. 1; Decision No. 37.
    """
    if not counting.complete:
        missing = _unknown(counting.counted, *INCOME_INPUTS, Input.AGRICULTURE_FARM)
        if missing:
            return Missing(missing)
    credit, liberated = (
        parameters.credit_counted_as_income,
        parameters.liberated_territories_benefit_excluded,
    )
    excluded_sources = _excluded_sources(credit.value, liberated.value)
    # Per source, in the order the records come: the sums are those of adding one record
    # after the other, member by member, agency by agency.
    counted: dict[IncomeSource, Decimal] = {}
    excluded: dict[IncomeSource, Decimal] = {}
    farm_used: Parameters_ = ()
    first, last, months = window.first_month, window.last_month, window.months
    for member in counting.counted:
        for records in (
            member.tax_incomes.value,
            member.social_insurance_payments.value,
            member.unemployment_insurance.value,
            member.scholarships.value,
            member.alimony.value,
        ):
            for record in records:
                if first <= record.month <= last:
                    source = record.source
                    if source in excluded_sources:
                        excluded[source] = excluded.get(source, ZERO) + record.amount
                    else:
                        counted[source] = counted.get(source, ZERO) + record.amount
        if member.farm.value is not None:
            monthly_farm, farm_used = imputed_farm_income(member, parameters)
            counted[_IMPUTED_FARM] = counted.get(_IMPUTED_FARM, ZERO) + monthly_farm * months
    total = sum(counted.values(), ZERO)
    return IncomeAssessment(
        total,
        per_month(total, months),
        _totals(counted),
        _totals(excluded),
        (*window.parameters, credit, liberated, *farm_used),
    )


_SOURCE_ORDER = {source: index for index, source in enumerate(IncomeSource)}


def _totals(amounts: dict[IncomeSource, Decimal]) -> tuple[SourceTotal, ...]:
    if not amounts:
        return ()
    if len(amounts) == 1:  # mostly: nothing to sort
        ((source, total),) = amounts.items()
        return (SourceTotal(source, total),)
    return tuple(
        SourceTotal(source, amounts[source])
        for source in sorted(amounts, key=_SOURCE_ORDER.__getitem__)
    )


# --- refusal grounds ----------------------------------------------------------------------


def threshold(counting: Counting, parameters: Parameters) -> Decimal:
    """The family's threshold: need criterion × counted members."""
    return parameters.need_criterion.value * len(counting.counted)


def income_at_or_above_threshold(
    counting: Counting, income: IncomeAssessment, parameters: Parameters
) -> Finding:
    """Refused when the average monthly income is at or above the need criterion × counted
    members. Basis: Law art. 1 (need criterion); Fund's refusal list."""
    holds = income.average >= threshold(counting, parameters)
    return Finding(_INCOME_AT_OR_ABOVE_THRESHOLD, holds, (parameters.need_criterion,))


def vehicle_owned_or_used(counting: Counting, on: date) -> Finding | Missing:
    """Refused when any member owns, or is a registered user of, a motor vehicle (motorcycles
    included), other than one the state gave for rehabilitation. Basis: Fund's refusal list."""
    if not counting.complete:
        missing = _unknown(counting.family, Input.VEHICLES)
        if missing:
            return Missing(missing)
    holds = False
    for member in counting.family:
        for vehicle in member.vehicles.value:
            if vehicle.acquired_on <= on and not vehicle.state_rehabilitation:
                holds = True
    return _FINDINGS_VEHICLE_OWNED_OR_USED[holds]


def _address_key(address: str) -> str:
    return " ".join(address.split()).casefold()


def multiple_properties_same_purpose(counting: Counting, on: date) -> Finding | Missing:
    """Refused when the members own two or more real-estate objects of the same purpose (e.g.
    two dwellings) at different addresses. Basis: Fund's refusal list."""
    if not counting.complete:
        missing = _unknown(counting.family, Input.PROPERTY_REAL_ESTATE)
        if missing:
            return Missing(missing)
    addresses: dict[str, set[str]] = {}
    for member in counting.family:
        for estate in member.real_estate.value:
            if estate.acquired_on <= on:
                addresses.setdefault(estate.purpose.value, set()).add(_address_key(estate.address))
    holds = False
    for found in addresses.values():
        if len(found) >= 2:
            holds = True
    return _FINDINGS_MULTIPLE_PROPERTIES_SAME_PURPOSE[holds]


class Purchases(NamedTuple):
    total: Decimal
    limit: Decimal
    finding: Finding


def purchases_above_limit(
    counting: Counting, window: IncomeWindow, parameters: Parameters
) -> Purchases | Missing:
    """Refused when the value of real estate and vehicles the members acquired in the income
    window is above the limit (a multiple of the living wage). Real estate counts by the
    family's share of each object (at most the whole object); vehicles count once each, for
    their owners. Basis: Fund's refusal list; Decision No. 37."""
    if not counting.complete:
        missing = _unknown(counting.family, Input.PROPERTY_REAL_ESTATE, Input.VEHICLES)
        if missing:
            return Missing(missing)
    shares: dict[str, Decimal] = {}
    values: dict[str, Decimal] = {}
    vehicles: dict[str, Decimal] = {}
    first, end = window.first_month, window.end
    for member in counting.family:
        for estate in member.real_estate.value:
            if first <= estate.acquired_on <= end:
                shares[estate.id] = shares.get(estate.id, ZERO) + estate.share
                values[estate.id] = estate.value
        for vehicle in member.vehicles.value:
            if vehicle.role is _OWNER and first <= vehicle.acquired_on <= end:
                vehicles[vehicle.plate] = vehicle.value
    total = ZERO
    if values or vehicles:  # mostly nothing was bought, and the sums below would be 0
        total = sum((values[key] * min(shares[key], ONE) for key in sorted(values)), ZERO)
        total += sum([vehicles[plate] for plate in sorted(vehicles)], ZERO)
    multiple, living_wage = parameters.purchases_limit_multiple, parameters.living_wage
    limit = multiple.value * living_wage.value
    finding = Finding(
        _PURCHASES_ABOVE_LIMIT, total > limit, (*window.parameters, multiple, living_wage)
    )
    return Purchases(total, limit, finding)


class UtilityCost(NamedTuple):
    monthly_total: Decimal
    per_person: Decimal | None  # None when no member is counted
    limit: Decimal
    finding: Finding


_UTILITY_INPUTS = (Input.UTILITIES_ELECTRICITY, Input.UTILITIES_GAS, Input.UTILITIES_WATER)


def utility_costs_above_limit(
    facts: FamilyFacts, counting: Counting, window: IncomeWindow, parameters: Parameters
) -> UtilityCost | Missing:
    """Refused when the average monthly electricity, gas, water and communication charges over
    the income window, per counted member, are at or above the cap × the living wage.
    Communication charges are those of the counted members. Basis: Decision No. 445 (cap
    raised from 10 % to 15 % of the living wage)."""
    if not facts.complete:
        missing = tuple(
            MissingInput(item)
            for item in _UTILITY_INPUTS
            if not facts.household_fact(item).is_known
        ) + _unknown(counting.counted, Input.TELECOM_CHARGES)
        if missing:
            return Missing(missing)
    first, last = window.first_month, window.last_month
    # One charge after the other: electricity, gas, water, then each counted member's.
    total = ZERO
    for charges in (facts.electricity.value, facts.gas.value, facts.water.value):
        for charge in charges:
            if first <= charge.month <= last:
                total += charge.amount
    for member in counting.counted:
        for charge in member.telecom_charges.value:
            if first <= charge.month <= last:
                total += charge.amount
    monthly = per_month(total, window.months)
    share, living_wage = parameters.utility_cap_share, parameters.living_wage
    limit = share.value * living_wage.value
    per_person: Decimal | None = None
    holds = False
    if counting.counted:
        per_person = per_month(monthly, len(counting.counted))
        holds = per_person >= limit
    finding = Finding(_UTILITY_COSTS_ABOVE_LIMIT, holds, (*window.parameters, share, living_wage))
    return UtilityCost(monthly, per_person, limit, finding)


def job_offers_refused(counting: Counting, on: date, parameters: Parameters) -> Finding | Missing:
    """Refused when a counted member refused two or more suitable job offers from the State
    Employment Agency and the latest of them was less than one month before the application
    date (after a month the family may apply again). Basis: Fund's refusal list."""
    if not counting.complete:
        missing = _unknown(counting.counted, Input.EMPLOYMENT_REFUSED_OFFERS)
        if missing:
            return Missing(missing)
    limit, wait = parameters.job_offers_refused_limit, parameters.job_offers_reapply_months
    holds = False
    for member in counting.counted:
        offers = member.refused_job_offers.value
        if not offers:
            continue
        refusals = sorted(day for day in offers if day <= on)
        if len(refusals) >= limit.value and on < add_months(refusals[-1], wait.value):
            holds = True
    return Finding(_JOB_OFFERS_REFUSED, holds, (limit, wait))


def declaration_mismatch(facts: FamilyFacts, counting: Counting) -> Finding:
    """Refused when the members declared in the application differ from the registry's family
    composition (its members alive on the application date). Does not apply when nothing was
    declared (a dry run). Basis: Decision No. 37 (inconsistent information)."""
    holds = facts.declared_members is not None and set(facts.declared_members) != {
        member.fin for member in counting.living
    }
    return _FINDINGS_DECLARATION_MISMATCH[holds]


def false_information_ban(
    counting: Counting, on: date, parameters: Parameters
) -> Finding | Missing:
    """Refused when the family was found to have given false information less than 12 months
    before the application date. Basis: Law as amended by Law No. 125-VIQD (2020)."""
    if not counting.complete:
        missing = _unknown(counting.family, Input.SOCIAL_INSURANCE_FINDINGS)
        if missing:
            return Missing(missing)
    ban = parameters.false_information_ban_months
    holds = False
    for member in counting.family:
        for found_on in member.false_information_found.value:
            if found_on <= on < add_months(found_on, ban.value):
                holds = True
    return Finding(_FALSE_INFORMATION_BAN, holds, (ban,))


def active_assignment_exists(facts: FamilyFacts, on: date) -> Finding | Missing:
    """Refused when the family already receives TSA for a period covering (any day of) the
    application month, registered to any member. Basis: duplicate protection, Decision 37.

    A registered guardian's assignments count too (the one rule that reads them): the
    family's own assistance may be registered to the guardian who applied for it."""
    if not facts.complete:
        missing = _unknown(facts.members, Input.SOCIAL_INSURANCE_ASSIGNMENTS)
        if missing:
            return Missing(missing)
    first, last = month_start(on), month_end(on)
    holds = False
    for member in facts.members:
        for assignment in member.assignments.value:
            if assignment.from_ <= last and assignment.until >= first:
                holds = True
    return _FINDINGS_ACTIVE_ASSIGNMENT_EXISTS[holds]


def no_qualifying_reason(qualifying: Sequence[Finding]) -> Finding:
    """Refused when none of the qualifying reasons holds. Basis: Law art. 3."""
    holds = True
    for finding in qualifying:
        if finding.holds:
            holds = False
    return _FINDINGS_NO_QUALIFYING_REASON[holds]


# --- qualifying reasons -------------------------------------------------------------------


def works(member: MemberFacts, on: date) -> bool:
    """An employment contract is active on ``on``, or the member is registered as an
    entrepreneur on it."""
    for contract in member.contracts.value:
        if contract.from_ <= on and (contract.until is None or on <= contract.until):
            return True
    spans = member.entrepreneur.value
    return bool(spans) and any(span.covers(on) for span in spans)


def _working_age(parameters: Parameters) -> Parameters_:
    return (parameters.working_age, parameters.pension_age)


def member_disabled(counting: Counting) -> Finding | Missing:
    """Qualifies: a counted member has a disability valid on the application date (unable to
    work). Basis: Law art. 3."""
    if not counting.complete:
        missing = _unknown(counting.counted, Input.DISABILITY)
        if missing:
            return Missing(missing)
    return _FINDINGS_MEMBER_DISABLED[True in counting.disabled]


def carer(counting: Counting, on: date, parameters: Parameters) -> Finding | Missing:
    """Qualifies: an able-bodied counted member who does not work, and another counted member
    who needs care: impairment of at least 81 %, a disabled child under 18, or a child under 8.
    Basis: Law art. 3 (as amended in 2020)."""
    if not counting.complete:
        missing = _unknown(
            counting.counted, Input.DISABILITY, Input.SOCIAL_INSURANCE_CONTRACTS, Input.TAX_TAXPAYER
        )
        if missing:
            return Missing(missing)
    child_age = parameters.carer_child_age
    disabled_child_age = parameters.carer_disabled_child_age
    severe = parameters.carer_severe_impairment_percent
    working_age, pension_age = parameters.working_age.value, parameters.pension_age.value
    dependants: set[str] = set()
    carers: set[str] = set()
    for member, age, disabled in zip(
        counting.counted, counting.ages, counting.disabled, strict=True
    ):
        if disabled:
            # needs care: severely impaired, or a disabled child
            disability = member.disability.value
            if age < disabled_child_age.value or (
                disability is not None and disability.percent >= severe.value
            ):
                dependants.add(member.fin)
        if age < child_age.value:
            dependants.add(member.fin)
        # able-bodied (of working age, without a disability) and not working
        if working_age <= age < pension_age and not disabled and not works(member, on):
            carers.add(member.fin)
    # someone to care for someone else: a carer and a dependant who are not the same member
    holds = bool(carers and dependants) and (
        len(carers) > 1 or len(dependants) > 1 or carers != dependants
    )
    return Finding(
        _CARER, holds, (child_age, disabled_child_age, severe, *_working_age(parameters))
    )


def student(counting: Counting, on: date, parameters: Parameters) -> Finding | Missing:
    """Qualifies: an able-bodied counted member under 23 in full-time education on the
    application date. Basis: Law art. 3 (as amended in 2020)."""
    if not counting.complete:
        missing = _unknown(counting.counted, Input.DISABILITY, Input.EDUCATION_STUDIES)
        if missing:
            return Missing(missing)
    age_limit = parameters.student_age
    working_age, pension_age = parameters.working_age.value, parameters.pension_age.value
    holds = False
    for member, age, disabled in zip(
        counting.counted, counting.ages, counting.disabled, strict=True
    ):
        for study in member.studies.value:
            if (
                study.full_time
                and study.from_ <= on
                and (study.until is None or on <= study.until)
                and age < age_limit.value
                and working_age <= age < pension_age  # able-bodied: of working age and
                and not disabled  # without a disability
            ):
                holds = True
    return Finding(_STUDENT, holds, (age_limit, *_working_age(parameters)))


def unemployment_insurance(counting: Counting, window: IncomeWindow) -> Finding | Missing:
    """Qualifies: a counted member receives unemployment insurance, i.e. was paid it for the
    last full month before the application month. Basis: Law art. 3."""
    if not counting.complete:
        missing = _unknown(counting.counted, Input.EMPLOYMENT_INSURANCE_PAYMENTS)
        if missing:
            return Missing(missing)
    last_month = window.last_month
    holds = False
    for member in counting.counted:
        for record in member.unemployment_insurance.value:
            if record.month == last_month and record.amount > 0:
                holds = True
    return Finding(_UNEMPLOYMENT_INSURANCE, holds, window.parameters)


def member_died(facts: FamilyFacts, on: date, window: IncomeWindow) -> Finding:
    """Qualifies: a member died within the income window, or later but before the
    application date. Basis: Law art. 3."""
    start = window.first_month
    holds = False
    for member in facts.members:
        died_on = member.died_on
        if died_on is not None and start <= died_on <= on and member.relation is not _GUARDIAN:
            holds = True
    return Finding(_MEMBER_DIED, holds, window.parameters)


def member_missing(counting: Counting) -> Finding | Missing:
    """Qualifies: a member was declared missing or dead by a court, or their whereabouts are
    unknown. Basis: Law art. 3."""
    if not counting.complete:
        missing = _unknown(counting.family, Input.JUSTICE_CIVIL_STATUS)
        if missing:
            return Missing(missing)
    holds = False
    for member in counting.family:
        if member.declared_missing.value:
            holds = True
    return _FINDINGS_MEMBER_MISSING[holds]


def member_imprisoned(counting: Counting, on: date) -> Finding | Missing:
    """Qualifies: a member is serving a prison sentence on the application date.
    Basis: Law art. 3."""
    if not counting.complete:
        missing = _unknown(counting.family, Input.JUSTICE_SENTENCES)
        if missing:
            return Missing(missing)
    holds = False
    for member in counting.family:
        for span in member.sentences.value:
            if span.covers(on):
                holds = True
    return _FINDINGS_MEMBER_IMPRISONED[holds]


def no_able_bodied_member(counting: Counting, parameters: Parameters) -> Finding | Missing:
    """Qualifies: no counted member is of working age and able-bodied (a family of children,
    pensioners and disabled people). Basis: Law art. 3 (project interpretation)."""
    if not counting.complete:
        missing = _unknown(counting.counted, Input.DISABILITY)
        if missing:
            return Missing(missing)
    working_age, pension_age = parameters.working_age.value, parameters.pension_age.value
    holds = True
    for age, disabled in zip(counting.ages, counting.disabled, strict=True):
        if working_age <= age < pension_age and not disabled:
            holds = False
    return Finding(_NO_ABLE_BODIED_MEMBER, holds, _working_age(parameters))


# --- amount -------------------------------------------------------------------------------


class ChildSupplement(NamedTuple):
    fin: str
    amount: Decimal


class Supplements(NamedTuple):
    items: tuple[ChildSupplement, ...]
    total: Decimal
    parameters: Parameters_


def child_under_one_supplement(
    counting: Counting, period_start: date, parameters: Parameters
) -> Supplements:
    """A supplement for each counted child younger than one year on the first day of the
    period (a child born later in the application month included); none before the
    supplement came into force. Basis: Law as amended (child-under-one supplement)."""
    supplement = parameters.child_under_one_supplement
    if supplement is None:
        return Supplements((), ZERO, ())
    found: list[ChildSupplement] = []
    born_since = period_start.year - 1  # anyone born before that year is at least one
    for member in counting.counted:
        born = member.birth_date
        if born.year >= born_since and age_on(born, period_start) < 1:
            found.append(ChildSupplement(member.fin, supplement.value))
    items = tuple(found)
    return Supplements(items, supplement.value * len(items), (supplement,) if items else ())


class Amount(NamedTuple):
    base: Decimal  # threshold − average income, rounded
    supplements: Decimal
    monthly: Decimal


def monthly_amount(
    counting: Counting, income: IncomeAssessment, supplements: Supplements, parameters: Parameters
) -> Amount:
    """The monthly amount: need criterion × counted members − average monthly income, rounded
    to 0.01 AZN half-up (rounding assumed), plus the supplements. Basis: Law No. 1039-IIQ
    (the amount is the difference between the family's need and its income)."""
    base = money(threshold(counting, parameters) - income.average)
    return Amount(base, supplements.total, base + supplements.total)
