"""Generated mock worlds: deterministic, realistic, and mixed on purpose.

``generate_world(households, seed, as_of=...)`` builds a :class:`~mocks.world.World` of that many
families. The same ``(households, seed, as_of)`` always gives the same world (and the same bytes
when written); ``as_of`` is the application date the world is shaped around and defaults to
:data:`DEFAULT_AS_OF` (2026-11-01) so that worlds are reproducible. Facts are laid out relative
to it: income streams, utility and telecom charges cover the *income window* (the 12 full months
before ``as_of``'s month), statuses such as imprisonment or conscription cover ``as_of``.

Realism: Azerbaijani first names, surnames in -ov/-ova/-yev/-yeva, patronymics built from the
father's name ("Vüqar oğlu", "Vüqar qızı"); FINs, ID cards and phone numbers that are valid and
unique in the world (each is a keyed bijection of the household index and the member's place);
unique addresses in Baku's twelve districts and in the regions; household ids
``HH-<district code>-<index>``, e.g. ``HH-YAS-000001`` (the index is 1-based and global).

Mixture: every household is built for one *scenario* (see :data:`SCENARIOS`): plausible eligible
families for each qualifying reason of means-test.md, families for each refusal ground, families
with members who are not counted, a child under one, and families for which an agency holds no
record at all. Scenarios are laid out in blocks of 100 consecutive indexes: each block holds every
scenario exactly ``weight`` times, shuffled by the seed, so any world of 100 households or more
contains every scenario. :func:`scenario_for` (index, seed) and :func:`scenario_of`
(household id, seed) tell which scenario a household of a generated world was built for.

Each scenario states the refusal grounds and qualifying reasons it is *built* to produce under
means-test.md with the parameters in force on ``as_of`` (need criterion, living wage, the 15 %
utility cap, the purchases limit, and the assumed farm coefficients); margins are kept away from
thresholds except in ``income_at_threshold``, which sits exactly on it. Who is counted is
judged conservatively when budgeting (a missing member is treated as not counted).
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate
from math import gcd
from typing import Any

from mocks import world_names as names
from mocks.world import (
    Agriculture,
    BorderCrossing,
    Contract,
    Disability,
    Entrepreneur,
    Household,
    IncomeSource,
    IncomeStream,
    Jobseeker,
    Livestock,
    Member,
    MonthlyStream,
    Period,
    PropertyPurpose,
    RealEstate,
    Relation,
    Sex,
    Study,
    TsaAssignment,
    Utilities,
    Vehicle,
    VehicleKind,
    VehicleRole,
    World,
)
from mocks.world_io import paused_gc

__all__ = [
    "DEFAULT_AS_OF",
    "MAX_HOUSEHOLDS",
    "SCENARIOS",
    "SCENARIO_NAMES",
    "Scenario",
    "generate_household",
    "generate_world",
    "get_scenario",
    "household_id",
    "iter_households",
    "scenario_for",
    "scenario_of",
]

DEFAULT_AS_OF = date(2026, 11, 1)
"""The application date generated worlds are shaped around unless told otherwise."""
MAX_HOUSEHOLDS = 1_000_000
"""The largest world the generator makes (identifiers are unique up to this size)."""
EARLIEST_AS_OF = date(2021, 1, 1)
"""Rules before 2021 are not modelled, so worlds are not shaped around earlier dates."""

BLOCK = 100  # scenario weights add up to this


@dataclass(frozen=True, slots=True)
class Scenario:
    """A kind of family the generator builds, and the decision it is built to get.

    ``refusals`` and ``reasons`` are means-test.md codes (``VEHICLE_OWNED_OR_USED``,
    ``CARER``, …); ``weight`` is how many households of every block of 100 are of this kind.
    """

    name: str
    weight: int
    description: str
    refusals: frozenset[str] = frozenset()
    reasons: frozenset[str] = frozenset()

    @property
    def granted(self) -> bool:
        """Whether the family is built to be granted assistance."""
        return not self.refusals and bool(self.reasons)


def _s(name: str, weight: int, description: str, refusals: str = "", reasons: str = "") -> Scenario:
    return Scenario(
        name, weight, description, frozenset(refusals.split()), frozenset(reasons.split())
    )


_DISABLED = "MEMBER_DISABLED"
SCENARIOS: tuple[Scenario, ...] = (
    # eligible families, one per qualifying reason
    _s(
        "member_disabled",
        7,
        "a member with a disability (41-80 %), others able-bodied and working",
        reasons=_DISABLED,
    ),
    _s("carer", 10, "a parent who does not work and cares for a child under 8", reasons="CARER"),
    _s(
        "child_under_one",
        4,
        "a newborn under one on the first day of the period; the mother does not work",
        reasons="CARER",
    ),
    _s("student", 4, "a full-time student aged 18-21", reasons="STUDENT"),
    _s(
        "unemployment_insurance",
        4,
        "the head lost a job and receives unemployment insurance",
        reasons="UNEMPLOYMENT_INSURANCE",
    ),
    _s("member_died", 3, "a member died within the income window", reasons="MEMBER_DIED"),
    _s("member_missing", 2, "a spouse whose whereabouts are unknown", reasons="MEMBER_MISSING"),
    _s("member_imprisoned", 3, "a spouse serving a prison sentence", reasons="MEMBER_IMPRISONED"),
    _s(
        "no_able_bodied_member",
        6,
        "pensioners, possibly with a grandchild",
        reasons="NO_ABLE_BODIED_MEMBER",
    ),
    _s(
        "state_rehabilitation_vehicle",
        2,
        "a disabled member has a car the state gave for rehabilitation, which does not refuse",
        reasons=_DISABLED,
    ),
    _s(
        "excluded_income",
        2,
        "credit and the liberated-territories benefit would cross the threshold but are not income",
        reasons="CARER",
    ),
    # members who are not counted (the family otherwise eligible for a disabled member)
    _s("member_conscript", 2, "a son in fixed-term military service", reasons=_DISABLED),
    _s("member_in_state_care", 2, "a grandparent living in a state care home", reasons=_DISABLED),
    _s("member_wanted", 1, "a brother of the head is wanted", reasons=_DISABLED),
    _s("member_lives_abroad", 2, "an adult child or brother living abroad", reasons=_DISABLED),
    _s("member_foreigner", 2, "a spouse of foreign citizenship", reasons=_DISABLED),
    _s("member_stateless", 1, "a stateless spouse", reasons=_DISABLED),
    # one refusal ground each (the family otherwise eligible for a disabled member)
    _s(
        "no_qualifying_reason",
        8,
        "able-bodied working adults, school-age children",
        refusals="NO_QUALIFYING_REASON",
    ),
    _s(
        "income_above_threshold",
        5,
        "wages above need criterion x counted members",
        refusals="INCOME_AT_OR_ABOVE_THRESHOLD",
        reasons=_DISABLED,
    ),
    _s(
        "income_at_threshold",
        2,
        "income exactly at need criterion x counted members",
        refusals="INCOME_AT_OR_ABOVE_THRESHOLD",
        reasons=_DISABLED,
    ),
    _s(
        "vehicle_owned",
        3,
        "the head owns a car bought years ago",
        refusals="VEHICLE_OWNED_OR_USED",
        reasons=_DISABLED,
    ),
    _s(
        "vehicle_used",
        2,
        "the head is the registered user of someone else's vehicle",
        refusals="VEHICLE_OWNED_OR_USED",
        reasons=_DISABLED,
    ),
    _s(
        "multiple_properties",
        2,
        "two dwellings at different addresses",
        refusals="MULTIPLE_PROPERTIES_SAME_PURPOSE",
        reasons=_DISABLED,
    ),
    _s(
        "purchases_above_limit",
        2,
        "a plot bought within the income window above the limit",
        refusals="PURCHASES_ABOVE_LIMIT",
        reasons=_DISABLED,
    ),
    _s(
        "utility_costs_above_limit",
        3,
        "utility and telecom charges above the cap per person",
        refusals="UTILITY_COSTS_ABOVE_LIMIT",
        reasons=_DISABLED,
    ),
    _s(
        "job_offers_refused",
        3,
        "the spouse refused two job offers, the last within a month",
        refusals="JOB_OFFERS_REFUSED",
        reasons=_DISABLED,
    ),
    _s(
        "false_information_ban",
        2,
        "false information found within the last 12 months",
        refusals="FALSE_INFORMATION_BAN",
        reasons=_DISABLED,
    ),
    _s(
        "active_assignment",
        3,
        "an assignment of assistance covers the application month",
        refusals="ACTIVE_ASSIGNMENT_EXISTS",
        reasons=_DISABLED,
    ),
    # an agency with no record at all about the family
    _s("no_utility_records", 2, "no meter at the address with any provider", reasons=_DISABLED),
    _s("no_telecom_records", 2, "no operator charges for any member", reasons=_DISABLED),
    _s(
        "no_tax_records", 2, "nobody works or is registered with the tax service", reasons=_DISABLED
    ),
    _s("no_property_records", 2, "nobody owns real estate", reasons=_DISABLED),
)
"""Every scenario, in a stable order. Weights add up to 100."""

SCENARIO_NAMES: tuple[str, ...] = tuple(s.name for s in SCENARIOS)
_BY_NAME: dict[str, Scenario] = {s.name: s for s in SCENARIOS}
if sum(s.weight for s in SCENARIOS) != BLOCK:  # pragma: no cover - a table invariant
    raise RuntimeError("scenario weights must add up to 100")

# ---------------------------------------------------------------------------------------------
# parameters in force (means-test.md §1), AZN per month, by year (values change on 1 January)

_NEED_CRITERION = {2021: 170, 2022: 200, 2023: 246, 2024: 270, 2025: 285, 2026: 300}
_LIVING_WAGE = {2021: 196, 2022: 210, 2023: 246, 2024: 270, 2025: 285, 2026: 300}
_UTILITY_CAP_PERCENT = 15  # of the living wage per counted member (since 2020-11-01)
_PURCHASES_LIMIT_MULTIPLE = 12  # living wages over the income window
_PENSION_AGE = 65
# imputed farm income (assumed in means-test.md), in cents per month
_FARM_CENTS = {
    "land_per_ha": 1500,
    "cattle": 2000,
    "small_ruminant": 400,
    "pig": 500,
    "bee_colony": 200,
    "poultry": 30,
}
_LIBERATED_BENEFIT_YEARS = (date(2023, 1, 1), date(2027, 12, 1))


def _in_force(table: dict[int, int], day: date) -> int:
    return table[min(max(day.year, min(table)), max(table))]


# ---------------------------------------------------------------------------------------------
# scenario layout: blocks of 100 indexes, each holding every scenario `weight` times

_SLOTS: tuple[str, ...] = tuple(s.name for s in SCENARIOS for _ in range(s.weight))


@lru_cache(maxsize=4096)
def _block(seed: int, block: int) -> tuple[str, ...]:
    slots = list(_SLOTS)
    random.Random(f"vemtas-world-layout:{seed}:{block}").shuffle(slots)  # noqa: S311
    return tuple(slots)


def scenario_for(index: int, seed: int) -> str:
    """The scenario of household ``index`` (1-based) in a world generated with ``seed``."""
    if index < 1:
        raise ValueError("household indexes start at 1")
    block, slot = divmod(index - 1, BLOCK)
    return _block(seed, block)[slot]


def scenario_of(household_id: str, seed: int) -> str:
    """The scenario a household of a world generated with ``seed`` was built for, from its id
    (``HH-YAS-000042`` is household 42)."""
    return scenario_for(int(household_id.rsplit("-", 1)[-1]), seed)


def get_scenario(name: str) -> Scenario:
    """The scenario called ``name`` (``KeyError`` if there is none)."""
    return _BY_NAME[name]


# ---------------------------------------------------------------------------------------------
# identifiers: keyed bijections, so that they are unique without remembering what was issued

_FIN_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_FIN_SPACE = len(_FIN_ALPHABET) ** 7
_CARD_SPACE = 10**7
_OPERATORS = ("10", "50", "51", "55", "60", "70", "77", "99")
_PHONE_SPACE = len(_OPERATORS) * 10**7
_PLATE_REGIONS = ("10", "90", "99", "77", "01", "20", "50", "45")
_PLATE_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_PLATE_SPACE = len(_PLATE_REGIONS) * 26 * 26 * 1000
_HOUSES, _FLATS = 240, 180
_ADDRESS_SPACE = len(names.STREETS) * _HOUSES * _FLATS
_VOEN_SPACE = 10**9
_MEMBERS_PER_HOUSEHOLD = 8  # person number = index * 8 + place, below every space above


@dataclass(frozen=True, slots=True)
class _Keys:
    fin: tuple[int, int]
    card: tuple[int, int]
    phone: tuple[int, int]
    plate: tuple[int, int]
    address: tuple[int, int]
    voen: tuple[int, int]
    employers: tuple[str, ...]


@lru_cache(maxsize=16)
def _keys(seed: int) -> _Keys:
    rng = random.Random(f"vemtas-world-keys:{seed}")  # noqa: S311 - test data, no secret

    def affine(space: int) -> tuple[int, int]:
        while True:
            factor = rng.randrange(space // 3, space)
            if gcd(factor, space) == 1:
                return factor, rng.randrange(space)

    employers = tuple(f"{rng.randrange(10**8, 10**9)}1" for _ in range(400))
    return _Keys(
        fin=affine(_FIN_SPACE),
        card=affine(_CARD_SPACE),
        phone=affine(_PHONE_SPACE),
        plate=affine(_PLATE_SPACE),
        address=affine(_ADDRESS_SPACE),
        voen=affine(_VOEN_SPACE),
        employers=employers,
    )


def _permute(key: tuple[int, int], number: int, space: int) -> int:
    return (key[0] * number + key[1]) % space


def _fin(keys: _Keys, person: int) -> str:
    x = _permute(keys.fin, person, _FIN_SPACE)
    chars = []
    for _ in range(7):
        x, digit = divmod(x, 34)
        chars.append(_FIN_ALPHABET[digit])
    return "".join(chars)


def _id_card(keys: _Keys, person: int) -> str:
    return f"AA{_permute(keys.card, person, _CARD_SPACE):07d}"


def _phone(keys: _Keys, person: int) -> str:
    operator, number = divmod(_permute(keys.phone, person, _PHONE_SPACE), 10**7)
    return f"+994{_OPERATORS[operator]}{number:07d}"


def _plate(keys: _Keys, number: int) -> str:
    x = _permute(keys.plate, number, _PLATE_SPACE)
    x, digits = divmod(x, 1000)
    x, second = divmod(x, 26)
    region, first = divmod(x, 26)
    letters = _PLATE_LETTERS[first] + _PLATE_LETTERS[second]
    return f"{_PLATE_REGIONS[region]}-{letters}-{digits:03d}"


def _street_address(number: int, city: str) -> str:
    x, flat = divmod(number, _FLATS)
    street, house = divmod(x, _HOUSES)
    return f"{names.STREETS[street]} {house + 1}, mənzil {flat + 1}, {city}"


def household_id(index: int, district_code: str) -> str:
    """The id of generated household ``index`` in the district with that code."""
    return f"HH-{district_code}-{index:06d}"


_PLACES: tuple[tuple[str, str, str], ...] = tuple(
    (name, code, "Bakı") for name, code, _ in names.BAKU_DISTRICTS
) + tuple((name, code, name) for name, code, _ in names.REGIONS)
# Baku holds about 60 % of the households
_PLACE_WEIGHTS = tuple(
    accumulate([w * 16 for _, _, w in names.BAKU_DISTRICTS] + [w * 10 for _, _, w in names.REGIONS])
)


# ---------------------------------------------------------------------------------------------
# small date and money helpers


def _add_months(month: date, count: int) -> date:
    total = month.year * 12 + month.month - 1 + count
    return date(total // 12, total % 12 + 1, 1)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _money(cents: int) -> Decimal:
    return Decimal(f"{cents // 100}.{cents % 100:02d}")


def _months_in(first: date, last: date, window: tuple[date, date]) -> int:
    start, end = max(first, window[0]), min(last, window[1])
    if end < start:
        return 0
    return (end.year - start.year) * 12 + end.month - start.month + 1


_NOT_INCOME = frozenset(
    {IncomeSource.TSA, IncomeSource.CREDIT, IncomeSource.LIBERATED_TERRITORIES_BENEFIT}
)

# ---------------------------------------------------------------------------------------------
# the family under construction: members as keyword dicts, frozen into a Household at the end

_Draft = dict[str, Any]


class _Family:
    """One household being built for one scenario, with the rules' numbers for ``as_of``."""

    def __init__(self, index: int, seed: int, as_of: date) -> None:
        self.rng = random.Random(f"vemtas-world:{seed}:{index}")  # noqa: S311
        self.random = self.rng.random
        self.index = index
        self.keys = _keys(seed)
        self.as_of = as_of
        self.month = as_of.replace(day=1)
        self.window = (_add_months(self.month, -12), _add_months(self.month, -1))
        self.need = _in_force(_NEED_CRITERION, as_of) * 100  # cents
        self.living_wage = _in_force(_LIVING_WAGE, as_of) * 100
        name, code, city = _PLACES[bisect(_PLACE_WEIGHTS, self.rng.random() * _PLACE_WEIGHTS[-1])]
        self.district, self.city = name, city
        self.id = household_id(index, code)
        self.address = _street_address(_permute(self.keys.address, index, _ADDRESS_SPACE), city)
        self.members: list[_Draft] = []
        self.workers: list[tuple[_Draft, str]] = []  # (member, "job" | "business")
        self.utilities: dict[str, list[MonthlyStream]] = {}
        self.property_count = 0
        self.vehicle_count = 0
        self.agriculture_cents = 0
        self.allow_farm = True
        self.allow_home = True
        self.allow_telecom = True
        self.allow_utilities = True

    # --- random helpers ---
    # random() is one C call; randint() is several Python frames, and this is the hot path
    def between(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def chance(self, p: float) -> bool:
        return self.random() < p

    def pick(self, items: tuple[str, ...]) -> str:
        return items[int(self.random() * len(items))]

    def days_ago(self, low: int, high: int) -> date:
        return self.as_of - timedelta(days=self.between(low, high))

    def days_ahead(self, low: int, high: int) -> date:
        return self.as_of + timedelta(days=self.between(low, high))

    def born(self, age: int) -> date:
        """A birth date that makes the person exactly ``age`` on ``as_of``."""
        latest = _years_before(self.as_of, age)
        earliest = _years_before(self.as_of, age + 1) + timedelta(days=1)
        return date.fromordinal(self.between(earliest.toordinal(), latest.toordinal()))

    def age(self, member: _Draft) -> int:
        born: date = member["birth_date"]
        years = self.as_of.year - born.year
        return years - ((self.as_of.month, self.as_of.day) < (born.month, born.day))

    def in_window(self) -> date:
        """A day inside the income window, away from its edges."""
        first = self.window[0] + timedelta(days=10)
        last = self.month - timedelta(days=10)
        return date.fromordinal(self.between(first.toordinal(), last.toordinal()))

    def past_month(self, before: int = 0, spread: int = 24) -> date:
        """A first-of-month on or before the window's first month (streams that began earlier)."""
        return _add_months(self.window[0], -before - self.between(0, spread))

    # --- people ---
    def surname(self, root: str, sex: Sex) -> str:
        base = root + ("yev" if root[-1] in names.VOWELS else "ov")
        return base + "a" if sex is Sex.F else base

    def root(self) -> str:
        return self.pick(names.SURNAME_ROOTS)

    def person(
        self,
        relation: Relation,
        sex: Sex,
        age: int,
        *,
        root: str | None = None,
        father: str | None = None,
        first_name: str | None = None,
        born: date | None = None,
    ) -> _Draft:
        place = len(self.members)
        if place >= _MEMBERS_PER_HOUSEHOLD:  # pragma: no cover - scenarios stay below
            raise RuntimeError("too many members in one household")
        number = self.index * _MEMBERS_PER_HOUSEHOLD + place
        first = first_name or self.pick(names.MALE_NAMES if sex is Sex.M else names.FEMALE_NAMES)
        father = father or self.pick(names.MALE_NAMES)
        draft: _Draft = {
            "fin": _fin(self.keys, number),
            "id_card": _id_card(self.keys, number),
            "first_name": first,
            "last_name": self.surname(root or self.root(), sex),
            "patronymic": f"{father} {'oğlu' if sex is Sex.M else 'qızı'}",
            "birth_date": born or self.born(age),
            "sex": sex,
            "relation": relation,
            "income": [],
            "properties": [],
            "vehicles": [],
            "border_crossings": [],
            "telecom": [],
            "contracts": [],
        }
        if age >= 16 and self.chance(0.85):
            draft["phone"] = _phone(self.keys, number)
        if age >= 18 and self.chance(0.3):
            draft["email"] = self.email(first, draft["last_name"], number)
        if age >= 18 and self.chance(0.08):
            out = self.days_ago(30, 700)
            draft["border_crossings"].append(
                BorderCrossing(
                    out, out + timedelta(days=self.between(3, 21)), self.pick(names.TRIP_COUNTRIES)
                )
            )
        self.members.append(draft)
        return draft

    def email(self, first: str, last: str, number: int) -> str:
        local = f"{first}.{last}".lower().translate(_ASCII)
        domain = ("example.az", "example.com", "example.net")[number % 3]
        return f"{local}{number % 997}@{domain}"

    def couple(
        self,
        *,
        head_age: tuple[int, int] = (28, 58),
        children: tuple[int, int] = (0, 3),
        child_ages: tuple[int, int] = (9, 17),
        head_sex: Sex = Sex.M,
    ) -> tuple[_Draft, _Draft, list[_Draft]]:
        """A married couple and their children; the husband's surname goes to the children."""
        root = self.root()
        husband_age = self.between(*head_age)
        wife_age = max(20, husband_age - self.between(0, 8))
        husband_first = self.pick(names.MALE_NAMES)
        wife_root = root if self.chance(0.5) else self.root()
        if head_sex is Sex.M:
            head = self.person(
                Relation.HEAD, Sex.M, husband_age, root=root, first_name=husband_first
            )
            spouse = self.person(Relation.SPOUSE, Sex.F, wife_age, root=wife_root)
        else:
            head = self.person(Relation.HEAD, Sex.F, wife_age, root=wife_root)
            spouse = self.person(
                Relation.SPOUSE, Sex.M, husband_age, root=root, first_name=husband_first
            )
        kids = self.children(children, child_ages, root, husband_first, wife_age)
        return head, spouse, kids

    def children(
        self,
        count: tuple[int, int],
        ages: tuple[int, int],
        root: str,
        father: str,
        mother_age: int,
    ) -> list[_Draft]:
        oldest = min(ages[1], mother_age - 18)
        kids = []
        for _ in range(self.between(*count)):
            if oldest < ages[0] or len(self.members) >= _MEMBERS_PER_HOUSEHOLD - 1:
                break
            sex = Sex.M if self.chance(0.5) else Sex.F
            kids.append(
                self.person(
                    Relation.CHILD, sex, self.between(ages[0], oldest), root=root, father=father
                )
            )
        return kids

    def parent_of(self, head: _Draft, age: tuple[int, int]) -> _Draft:
        """The head's mother or father (whichever is not in the household yet)."""
        present = {m["sex"] for m in self.members if m["relation"] is Relation.PARENT}
        sex = Sex.F if self.chance(0.6) else Sex.M
        if sex in present:
            sex = Sex.M if sex is Sex.F else Sex.F
        low = max(age[0], self.age(head) + 18)
        years = self.between(low, max(low, age[1]))
        if sex is Sex.M:  # the head's father: the head's surname, and the patronymic's name
            return self.person(
                Relation.PARENT,
                Sex.M,
                years,
                root=_root_of(head["last_name"]),
                first_name=head["patronymic"].rsplit(" ", 1)[0],
            )
        return self.person(Relation.PARENT, Sex.F, years)

    # --- facts ---
    def stream(
        self,
        member: _Draft,
        source: IncomeSource,
        cents: int,
        first: date | None = None,
        last: date | None = None,
    ) -> None:
        member["income"].append(
            IncomeStream(_money(cents), first or self.past_month(), last or self.window[1], source)
        )

    def disable(self, member: _Draft, low: int = 41, high: int = 80) -> None:
        percent = self.between(low, high)
        group = 1 if percent >= 81 else 2 if percent >= 61 else 3
        elderly = self.age(member) >= _PENSION_AGE
        until = None if elderly or self.chance(0.3) else self.days_ahead(120, 1500)
        member["disability"] = Disability(percent, group, self.age(member) < 18, until)
        source = IncomeSource.PENSION if elderly else IncomeSource.BENEFIT
        self.stream(member, source, self.need * self.between(35, 60) // 100 // 100 * 100)

    def pension(self, member: _Draft, low: int = 55, high: int = 80) -> None:
        self.stream(
            member, IncomeSource.PENSION, self.need * self.between(low, high) // 100 // 100 * 100
        )

    def job(self, member: _Draft, cents: int, *, ended: date | None = None) -> None:
        """An employment contract that began years before the window, and its wage."""
        start = self.career_start(member, spread=120)
        member["contracts"].append(
            Contract(
                self.pick(self.keys.employers),
                start + timedelta(days=self.between(0, 27)),
                ended,
                _money(cents),
            )
        )
        last = ended.replace(day=1) if ended else self.window[1]
        self.stream(member, IncomeSource.WAGE, cents, max(start, self.past_month()), last)

    def career_start(self, member: _Draft, spread: int) -> date:
        """A first-of-month after the member turned 18 and on or before the window's start."""
        start = self.past_month(before=self.between(1, 12), spread=spread)
        adult = _years_before(member["birth_date"], -18).replace(day=1)
        return min(max(start, adult), self.window[0])

    def business(self, member: _Draft, cents: int) -> None:
        start = self.career_start(member, spread=96)
        number = self.index * _MEMBERS_PER_HOUSEHOLD + self.members.index(member)
        voen = f"{_permute(self.keys.voen, number, _VOEN_SPACE):09d}2"
        member["entrepreneur"] = Entrepreneur(voen, start + timedelta(days=self.between(0, 27)))
        self.stream(member, IncomeSource.ENTREPRENEUR, cents, start, self.window[1])

    def counted(self, member: _Draft) -> bool:
        """Whether the member adds need and income (art. 9), judged conservatively."""
        died = member.get("died_on")
        return not (
            (died is not None and died <= self.as_of)
            or member.get("wanted")
            or member.get("missing")
            or member.get("lives_abroad")
            or member.get("in_state_care")
            or member.get("citizenship", "AZ") != "AZ"
            or (member.get("imprisoned") and member["imprisoned"].covers(self.as_of))
            or (member.get("conscript") and member["conscript"].covers(self.as_of))
        )

    def counted_members(self) -> list[_Draft]:
        return [m for m in self.members if self.counted(m)]

    def threshold(self) -> int:
        """Need criterion x counted members, in cents per month."""
        return self.need * len(self.counted_members())

    def counted_income_total(self) -> int:
        """Counted income over the income window, in cents (12 x the monthly average)."""
        total = 0
        for member in self.counted_members():
            for item in member["income"]:
                if item.source not in _NOT_INCOME:
                    months = _months_in(item.from_month, item.until_month, self.window)
                    total += int(item.monthly * 100) * months
        return total + 12 * self.agriculture_cents

    def farm(self, head: _Draft, budget: int) -> None:
        """Land and livestock for some families outside Baku, within ``budget`` cents/month."""
        if not self.allow_farm or self.city == "Bakı" or not self.chance(0.4):
            return
        tenths = self.between(1, 15)  # tenths of a hectare
        herd = Livestock(
            cattle=self.between(0, 2),
            small_ruminant=self.between(0, 6),
            pig=0,
            bee_colony=self.between(0, 3) if self.chance(0.2) else 0,
            poultry=self.between(0, 20),
        )
        cents = (
            _FARM_CENTS["land_per_ha"] * tenths // 10
            + _FARM_CENTS["cattle"] * herd.cattle
            + _FARM_CENTS["small_ruminant"] * herd.small_ruminant
            + _FARM_CENTS["bee_colony"] * herd.bee_colony
            + _FARM_CENTS["poultry"] * herd.poultry
        )
        if cents > budget:
            herd, cents = Livestock(), _FARM_CENTS["land_per_ha"] * tenths // 10
            if cents > budget:
                return
        head["agriculture"] = Agriculture(Decimal(tenths) / 10, herd)
        self.agriculture_cents = cents

    def settle_income(self, low: int, high: int, *, exact: bool = False) -> None:
        """Give the workers wages (or business income) so that counted income averages
        ``low``-``high`` percent of the threshold (``exact``: exactly ``low`` percent)."""
        target = self.threshold() * self.between(low, high) // 100
        counted = [(m, kind) for m, kind in self.workers if self.counted(m)]
        for member, kind in self.workers:
            if not self.counted(member):
                self.work(member, kind, self.between(450, 1200) * 100)
        if not exact and counted:
            self.farm(self.members[0], (target - self.counted_income_total() // 12) // 4)
        remaining = target - -(-self.counted_income_total() // 12)
        if not counted:
            return
        if not exact:
            remaining = remaining // 100 * 100  # whole manats
        if remaining < 3000 * len(counted):
            counted = counted[:1] if remaining >= 3000 else []
            if not counted:
                return
        shares = [remaining]
        if len(counted) > 1:
            first = remaining * self.between(50, 75) // 100 // 100 * 100
            shares = [first, remaining - first]
        for (member, kind), cents in zip(counted, shares, strict=True):
            self.work(member, kind, cents)

    def work(self, member: _Draft, kind: str, cents: int) -> None:
        if kind == "business":
            self.business(member, cents)
        else:
            self.job(member, cents)

    def settle_utilities(self, low: int, high: int) -> None:
        """Charges averaging ``low``-``high`` percent of the utility cap per counted member."""
        allowed = (
            self.living_wage
            * _UTILITY_CAP_PERCENT
            // 100
            * len(self.counted_members())
            * self.between(low, high)
            // 100
        )
        telecom_total = 0
        if self.allow_telecom:
            phones = [m for m in self.members if "phone" in m]
            if phones:
                each = min(self.between(300, 1200), allowed * 25 // 100 // len(phones))
                for member in phones:
                    cents = max(100, each - self.between(0, each // 3))
                    member["telecom"].append(
                        MonthlyStream(_money(cents), self.past_month(), self.window[1])
                    )
                    telecom_total += cents
        if not self.allow_utilities:
            return
        rest = max(300, allowed - telecom_total)
        for kind, share in (("electricity", 45), ("gas", 40), ("water", 15)):
            cents = max(100, rest * share // 100 - self.between(0, 50))
            self.utilities[kind] = [
                MonthlyStream(_money(cents), self.past_month(spread=60), self.window[1])
            ]

    def home(self, owners: list[_Draft], *, force: bool = False) -> None:
        """The dwelling at the household's address, owned long ago (or not at all)."""
        if not force and (not self.allow_home or not self.chance(0.6)):
            return
        acquired = self.days_ago(3 * 365, 30 * 365)
        value = self.between(150, 1200) * 100 * 100
        object_id = self.property_id()
        share = Decimal(1) / len(owners)
        for owner in owners:
            owner["properties"].append(
                RealEstate(
                    object_id,
                    PropertyPurpose.RESIDENTIAL,
                    self.address,
                    share,
                    acquired,
                    _money(value),
                )
            )

    def property_id(self) -> str:
        self.property_count += 1
        return f"RE-{self.index:07d}-{self.property_count}"

    def vehicle(
        self,
        member: _Draft,
        kind: VehicleKind,
        role: VehicleRole,
        *,
        acquired: date,
        rehabilitation: bool = False,
    ) -> None:
        number = self.index * 2 + self.vehicle_count
        self.vehicle_count += 1
        value = (
            self.between(15, 200) * 100 * 100
            if kind is VehicleKind.CAR
            else self.between(5, 30) * 100 * 100
        )
        member["vehicles"].append(
            Vehicle(_plate(self.keys, number), kind, role, acquired, _money(value), rehabilitation)
        )

    def build(self) -> Household:
        members = []
        for draft in self.members:
            for key in (
                "income",
                "properties",
                "vehicles",
                "border_crossings",
                "telecom",
                "contracts",
                "job_offers_refused",
                "tsa_assignments",
            ):
                if key in draft:
                    draft[key] = tuple(draft[key])
            members.append(Member(**draft))
        return Household(
            id=self.id,
            district=self.district,
            address=self.address,
            members=tuple(members),
            utilities=Utilities(
                electricity=tuple(self.utilities.get("electricity", ())),
                gas=tuple(self.utilities.get("gas", ())),
                water=tuple(self.utilities.get("water", ())),
            ),
        )


_ASCII = str.maketrans(
    {
        "ə": "e",
        "ı": "i",
        "ö": "o",
        "ü": "u",
        "ç": "c",
        "ş": "s",
        "ğ": "g",
        "\u0307": "",
        " ": "",
        "'": "",
    }
)


def _root_of(surname: str) -> str:
    for ending in ("yeva", "yev", "ova", "ov"):
        if surname.endswith(ending):
            return surname[: -len(ending)]
    return surname


# ---------------------------------------------------------------------------------------------
# scenarios: composition first, then what sets the family apart, then income and charges


def _disabled_base(
    f: _Family, *, spouse_works: bool | None = None, head_age: tuple[int, int] = (30, 55)
) -> tuple[_Draft, _Draft]:
    """A working head, a spouse, school-age children and a disabled member (41-80 %): the
    family qualifies through MEMBER_DISABLED only (no care target, someone able-bodied)."""
    head, spouse, _ = f.couple(head_age=head_age, children=(0, 2))
    f.workers.append((head, "business" if f.chance(0.2) else "job"))
    if f.chance(0.6):
        f.disable(f.parent_of(head, (62, 85)))
        if spouse_works if spouse_works is not None else f.chance(0.5):
            f.workers.append((spouse, "job"))
    else:
        f.disable(spouse)
    return head, spouse


def _finish(
    f: _Family,
    *,
    income: tuple[int, int] = (35, 80),
    utilities: tuple[int, int] = (30, 75),
    exact: bool = False,
) -> None:
    f.settle_income(*income, exact=exact)
    f.settle_utilities(*utilities)
    head = f.members[0]
    owners = [head]
    if (
        len(f.members) > 1
        and f.members[1]["relation"] is Relation.SPOUSE
        and f.chance(0.25)
        and f.counted(f.members[1])
    ):
        owners.append(f.members[1])
    f.home(owners)


def _member_disabled(f: _Family) -> None:
    head, spouse, _ = f.couple(children=(0, 3))
    f.workers.append((head, "business" if f.chance(0.2) else "job"))
    who = f.between(0, 2)
    if who == 2 and f.age(spouse) < 40:
        who = 0
    if who == 0:
        f.disable(spouse)
    elif who == 1:
        f.disable(f.parent_of(head, (60, 85)))
    else:  # an adult son or daughter with a disability
        adult = f.person(
            Relation.CHILD,
            Sex.M if f.chance(0.5) else Sex.F,
            f.between(18, max(18, f.age(spouse) - 20)),
            root=_root_of(head["last_name"]),
            father=head["first_name"],
        )
        f.disable(adult)
    _finish(f)


def _carer(f: _Family) -> None:
    if f.chance(0.2):  # a single mother at home, living on alimony
        mother = f.person(Relation.HEAD, Sex.F, f.between(24, 40))
        root, father = f.root(), f.pick(names.MALE_NAMES)
        kids = f.children((1, 2), (2, 7), root, father, f.age(mother))
        f.children((0, 1), (2, 14), root, father, f.age(mother))
        if not kids:
            f.person(Relation.CHILD, Sex.F, 3, root=root, father=father)
        f.stream(mother, IncomeSource.ALIMONY, f.between(60, 200) * 100)
        _finish(f)
        return
    head, _, kids = f.couple(head_age=(25, 45), children=(1, 3), child_ages=(2, 14))
    if not any(f.age(k) < 8 for k in kids):
        f.person(
            Relation.CHILD,
            Sex.M,
            f.between(2, 7),
            root=_root_of(head["last_name"]),
            father=head["first_name"],
        )
    f.workers.append((head, "business" if f.chance(0.15) else "job"))
    _finish(f)


def _child_under_one(f: _Family) -> None:
    head, _, _ = f.couple(head_age=(24, 42), children=(0, 2), child_ages=(2, 12))
    period_start = f.month
    born = period_start - timedelta(days=f.between(30, 330))
    f.person(
        Relation.CHILD,
        Sex.M if f.chance(0.5) else Sex.F,
        0,
        born=born,
        root=_root_of(head["last_name"]),
        father=head["first_name"],
    )
    f.workers.append((head, "job"))
    _finish(f)


def _student(f: _Family) -> None:
    head, spouse, _ = f.couple(head_age=(44, 58), children=(0, 2))
    student = f.person(
        Relation.CHILD,
        Sex.M if f.chance(0.5) else Sex.F,
        f.between(18, min(21, max(18, f.age(spouse) - 20))),
        root=_root_of(head["last_name"]),
        father=head["first_name"],
    )
    year = f.as_of.year - f.between(0, 3) - (f.as_of.month < 9)
    start = date(year, 9, 15)
    student["student"] = Study(
        True, f.pick(names.UNIVERSITIES), start, date(max(year + 4, f.as_of.year + 1), 6, 30)
    )
    if f.chance(0.6):
        f.stream(
            student,
            IncomeSource.SCHOLARSHIP,
            f.between(60, 150) * 100,
            max(start.replace(day=1), f.past_month()),
        )
    f.workers.append((head, "job"))
    if f.chance(0.4):
        f.workers.append((spouse, "job"))
    _finish(f)


def _unemployment_insurance(f: _Family) -> None:
    head, spouse, _ = f.couple(children=(1, 3))
    lost = f.window[1] - timedelta(days=f.between(60, 150))  # a day 2-5 months before the month
    lost = max(lost, f.window[0] + timedelta(days=40))
    f.job(head, f.need * f.between(90, 130) // 100 // 100 * 100, ended=lost)
    f.stream(
        head,
        IncomeSource.UNEMPLOYMENT_INSURANCE,
        f.need * f.between(50, 80) // 100,
        _add_months(lost.replace(day=1), 1),
        _add_months(f.month, 2),
    )
    head["jobseeker"] = Jobseeker(lost + timedelta(days=f.between(1, 20)))
    if f.chance(0.5):
        f.workers.append((spouse, "job"))
    _finish(f, income=(50, 80))


def _member_died(f: _Family) -> None:
    if f.chance(0.5):  # the husband died; his widow heads the family
        head, husband, _ = f.couple(head_age=(35, 65), children=(1, 3), head_sex=Sex.F)
        husband["died_on"] = f.in_window()
        husband.pop("phone", None)
        f.workers.append((head, "job"))
    else:  # a grandparent died
        head, _, _ = f.couple(children=(0, 3))
        grandparent = f.parent_of(head, (70, 90))
        grandparent["died_on"] = f.in_window()
        grandparent.pop("phone", None)
        f.pension(grandparent)
        grandparent["income"][0] = IncomeStream(
            grandparent["income"][0].monthly,
            grandparent["income"][0].from_month,
            grandparent["died_on"].replace(day=1),
            IncomeSource.PENSION,
        )
        f.workers.append((head, "job"))
    _finish(f)


def _member_missing(f: _Family) -> None:
    head, husband, _ = f.couple(children=(1, 3), head_sex=Sex.F)
    husband["missing"] = True
    f.workers.append((head, "job"))
    _finish(f)


def _member_imprisoned(f: _Family) -> None:
    head, husband, _ = f.couple(children=(1, 3), head_sex=Sex.F)
    husband["imprisoned"] = Period(f.days_ago(60, 900), f.days_ahead(120, 1800))
    husband.pop("phone", None)
    f.workers.append((head, "job"))
    _finish(f)


def _no_able_bodied_member(f: _Family) -> None:
    root = f.root()
    head = f.person(Relation.HEAD, Sex.M if f.chance(0.5) else Sex.F, f.between(66, 85), root=root)
    f.pension(head)
    if f.chance(0.6):
        partner_sex = Sex.F if head["sex"] is Sex.M else Sex.M
        partner = f.person(Relation.SPOUSE, partner_sex, f.between(66, 85), root=root)
        f.pension(partner)
    if f.chance(0.35):
        f.person(Relation.GRANDCHILD, Sex.M if f.chance(0.5) else Sex.F, f.between(9, 16))
    _finish(f)


def _state_rehabilitation_vehicle(f: _Family) -> None:
    head, spouse, _ = f.couple(children=(0, 2))
    f.workers.append((head, "job"))
    f.disable(spouse, 41, 80)
    f.vehicle(
        spouse,
        VehicleKind.CAR,
        VehicleRole.OWNER,
        acquired=f.days_ago(500, 3000),
        rehabilitation=True,
    )
    _finish(f)


def _excluded_income(f: _Family) -> None:
    head, _, kids = f.couple(head_age=(25, 45), children=(1, 3), child_ages=(2, 7))
    if not kids:
        f.person(
            Relation.CHILD, Sex.F, 4, root=_root_of(head["last_name"]), father=head["first_name"]
        )
    f.workers.append((head, "job"))
    _finish(f, income=(40, 70))
    threshold = f.threshold()
    f.stream(head, IncomeSource.CREDIT, threshold * f.between(60, 120) // 100 // 100 * 100)
    if _LIBERATED_BENEFIT_YEARS[0] <= f.window[0] and f.window[1] <= _LIBERATED_BENEFIT_YEARS[1]:
        f.stream(
            head,
            IncomeSource.LIBERATED_TERRITORIES_BENEFIT,
            threshold * f.between(20, 40) // 100 // 100 * 100,
            f.window[0],
        )


def _member_conscript(f: _Family) -> None:
    head, _ = _disabled_base(f, head_age=(42, 58))
    son = f.person(
        Relation.CHILD,
        Sex.M,
        f.between(18, 20),
        root=_root_of(head["last_name"]),
        father=head["first_name"],
    )
    start = f.days_ago(30, 300)
    son["conscript"] = Period(start, max(start + timedelta(days=365), f.days_ahead(60, 120)))
    _finish(f)


def _member_in_state_care(f: _Family) -> None:
    head, _ = _disabled_base(f)
    elder = f.parent_of(head, (72, 92))
    elder["in_state_care"] = True
    _finish(f)


def _member_wanted(f: _Family) -> None:
    head, _ = _disabled_base(f)
    brother = f.person(
        Relation.SIBLING,
        Sex.M,
        max(19, f.age(head) + f.between(-8, 8)),
        root=_root_of(head["last_name"]),
        father=head["patronymic"].rsplit(" ", 1)[0],
    )
    brother["wanted"] = True
    _finish(f)


def _member_lives_abroad(f: _Family) -> None:
    head, _ = _disabled_base(f)
    relative = f.person(
        Relation.SIBLING,
        Sex.M if f.chance(0.6) else Sex.F,
        max(20, f.age(head) + f.between(-8, 8)),
        root=_root_of(head["last_name"]),
        father=head["patronymic"].rsplit(" ", 1)[0],
    )
    relative["lives_abroad"] = True
    relative.pop("phone", None)
    relative["border_crossings"] = [
        BorderCrossing(f.days_ago(400, 2500), None, f.pick(names.ABROAD_COUNTRIES))
    ]
    _finish(f)


def _member_foreigner(f: _Family) -> None:
    _, spouse = _disabled_base(f, spouse_works=False)
    country = f.pick(tuple(names.FOREIGN_NAMES))
    first_names, surnames = names.FOREIGN_NAMES[country]
    if spouse.get("disability") is None:
        foreigner = spouse
        f.workers.append((spouse, "job"))
    else:  # the disabled spouse must stay counted: the foreigner is the son's wife
        foreigner = f.person(Relation.OTHER, Sex.F, f.between(20, 35))
    foreigner.update(
        first_name=f.pick(first_names),
        last_name=f.pick(surnames),
        patronymic=None,
        citizenship=country,
    )
    if "email" in foreigner:
        number = f.index * _MEMBERS_PER_HOUSEHOLD + f.members.index(foreigner)
        foreigner["email"] = f.email(foreigner["first_name"], foreigner["last_name"], number)
    _finish(f)


def _member_stateless(f: _Family) -> None:
    _, spouse = _disabled_base(f, spouse_works=False)
    stateless = (
        spouse
        if spouse.get("disability") is None
        else f.person(Relation.OTHER, Sex.M, f.between(20, 40))
    )
    stateless["citizenship"] = None
    _finish(f)


def _no_qualifying_reason(f: _Family) -> None:
    if f.chance(0.2):
        head = f.person(Relation.HEAD, Sex.M if f.chance(0.5) else Sex.F, f.between(24, 60))
        f.workers.append((head, "job"))
    else:
        _, spouse, _ = f.couple(children=(0, 3))
        f.workers.append((f.members[0], "business" if f.chance(0.2) else "job"))
        if f.chance(0.6):
            f.workers.append((spouse, "job"))
    _finish(f)


def _income_above_threshold(f: _Family) -> None:
    _disabled_base(f)
    _finish(f, income=(110, 180))


def _income_at_threshold(f: _Family) -> None:
    _disabled_base(f)
    f.allow_farm = False
    _finish(f, income=(100, 100), exact=True)


def _vehicle_owned(f: _Family) -> None:
    head, _ = _disabled_base(f)
    f.vehicle(head, VehicleKind.CAR, VehicleRole.OWNER, acquired=f.days_ago(800, 4000))
    _finish(f)


def _vehicle_used(f: _Family) -> None:
    head, _ = _disabled_base(f)
    kind = VehicleKind.MOTORCYCLE if f.chance(0.5) else VehicleKind.CAR
    f.vehicle(head, kind, VehicleRole.USER, acquired=f.days_ago(800, 4000))
    _finish(f)


def _multiple_properties(f: _Family) -> None:
    head, _ = _disabled_base(f)
    f.allow_home = False
    _finish(f)
    f.home([head], force=True)
    other = _street_address(
        (_permute(f.keys.address, f.index, _ADDRESS_SPACE) + f.between(1, _ADDRESS_SPACE - 1))
        % _ADDRESS_SPACE,
        f.pick(("Bakı", "Sumqayıt", "Gəncə", "Xırdalan")),
    )
    head["properties"].append(
        RealEstate(
            f.property_id(),
            PropertyPurpose.RESIDENTIAL,
            other,
            Decimal(1),
            f.days_ago(4 * 365, 20 * 365),
            _money(f.between(200, 900) * 100 * 100),
        )
    )


def _purchases_above_limit(f: _Family) -> None:
    head, _ = _disabled_base(f)
    _finish(f)
    limit = f.living_wage * _PURCHASES_LIMIT_MULTIPLE
    value = limit * f.between(150, 400) // 100 // 10000 * 10000
    purpose = PropertyPurpose.GARDEN if f.chance(0.5) else PropertyPurpose.LAND
    if f.city == "Bakı":
        plot = f"{f.pick(names.VILLAGES)} qəs., bağ sahəsi {f.between(1, 400)}, Bakı"
    else:
        plot = f"{f.city} r., torpaq sahəsi {f.between(1, 400)}"
    head["properties"].append(
        RealEstate(f.property_id(), purpose, plot, Decimal(1), f.in_window(), _money(value))
    )


def _utility_costs_above_limit(f: _Family) -> None:
    _disabled_base(f)
    _finish(f, utilities=(140, 260))


def _job_offers_refused(f: _Family) -> None:
    head, spouse = _disabled_base(f, spouse_works=False)
    seeker = spouse if spouse.get("disability") is None else head
    if seeker is head:  # the head refuses offers and does not work: the family lives on benefits
        f.workers.clear()
    second = f.days_ago(3, 25)
    first = second - timedelta(days=f.between(14, 120))
    seeker["jobseeker"] = Jobseeker(first - timedelta(days=f.between(20, 200)))
    seeker["job_offers_refused"] = [first, second]
    _finish(f)


def _false_information_ban(f: _Family) -> None:
    head, _ = _disabled_base(f)
    head["false_information_found_on"] = f.days_ago(20, 330)
    _finish(f)


def _active_assignment(f: _Family) -> None:
    head, _ = _disabled_base(f)
    _finish(f)
    start = _add_months(f.month, -f.between(1, 10))
    monthly = f.need * f.between(30, 90) // 100 // 100 * 100
    head["tsa_assignments"] = [
        TsaAssignment(start, _add_months(start, 12) - timedelta(days=1), _money(monthly))
    ]
    f.stream(head, IncomeSource.TSA, monthly, start, f.window[1])


def _no_utility_records(f: _Family) -> None:
    _disabled_base(f)
    f.allow_utilities = False
    _finish(f)


def _no_telecom_records(f: _Family) -> None:
    _disabled_base(f)
    f.allow_telecom = False
    _finish(f)


def _no_tax_records(f: _Family) -> None:
    head, spouse, _ = f.couple(children=(1, 3))
    f.disable(head)
    if f.chance(0.5):
        f.stream(spouse, IncomeSource.BENEFIT, f.between(40, 90) * 100)
    _finish(f)


def _no_property_records(f: _Family) -> None:
    _disabled_base(f)
    f.allow_home = False
    _finish(f)


_BUILDERS: dict[str, Callable[[_Family], None]] = {
    "member_disabled": _member_disabled,
    "carer": _carer,
    "child_under_one": _child_under_one,
    "student": _student,
    "unemployment_insurance": _unemployment_insurance,
    "member_died": _member_died,
    "member_missing": _member_missing,
    "member_imprisoned": _member_imprisoned,
    "no_able_bodied_member": _no_able_bodied_member,
    "state_rehabilitation_vehicle": _state_rehabilitation_vehicle,
    "excluded_income": _excluded_income,
    "member_conscript": _member_conscript,
    "member_in_state_care": _member_in_state_care,
    "member_wanted": _member_wanted,
    "member_lives_abroad": _member_lives_abroad,
    "member_foreigner": _member_foreigner,
    "member_stateless": _member_stateless,
    "no_qualifying_reason": _no_qualifying_reason,
    "income_above_threshold": _income_above_threshold,
    "income_at_threshold": _income_at_threshold,
    "vehicle_owned": _vehicle_owned,
    "vehicle_used": _vehicle_used,
    "multiple_properties": _multiple_properties,
    "purchases_above_limit": _purchases_above_limit,
    "utility_costs_above_limit": _utility_costs_above_limit,
    "job_offers_refused": _job_offers_refused,
    "false_information_ban": _false_information_ban,
    "active_assignment": _active_assignment,
    "no_utility_records": _no_utility_records,
    "no_telecom_records": _no_telecom_records,
    "no_tax_records": _no_tax_records,
    "no_property_records": _no_property_records,
}
if set(_BUILDERS) != set(SCENARIO_NAMES):  # pragma: no cover - a table invariant
    raise RuntimeError("every scenario needs a builder")


# ---------------------------------------------------------------------------------------------
# public API


def _check(seed: int, as_of: date) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError("seed must be an integer")
    if as_of < EARLIEST_AS_OF:
        raise ValueError(
            f"as_of must be {EARLIEST_AS_OF.isoformat()} or later (rules before "
            "2021 are not modelled)"
        )


def generate_household(
    index: int, seed: int, as_of: date = DEFAULT_AS_OF, scenario: str | None = None
) -> Household:
    """Household ``index`` (1-based) of the world generated with ``seed`` for ``as_of``.

    With ``scenario`` (one of :data:`SCENARIO_NAMES`) the household is built for that scenario
    instead of the one its index has in the layout; its identifiers stay those of ``index``, so
    do not mix such a household into a generated world that already holds that index.
    """
    _check(seed, as_of)
    if not 1 <= index <= MAX_HOUSEHOLDS:
        raise ValueError(f"index must be between 1 and {MAX_HOUSEHOLDS}")
    name = scenario if scenario is not None else scenario_for(index, seed)
    builder = _BUILDERS.get(name)
    if builder is None:
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(SCENARIO_NAMES)}")
    family = _Family(index, seed, as_of)
    builder(family)
    return family.build()


def iter_households(households: int, seed: int, as_of: date = DEFAULT_AS_OF) -> Iterator[Household]:
    """The households of :func:`generate_world`, one at a time (for streaming large worlds)."""
    if isinstance(households, bool) or not isinstance(households, int):
        raise TypeError("households must be an integer")
    if not 1 <= households <= MAX_HOUSEHOLDS:
        raise ValueError(f"households must be between 1 and {MAX_HOUSEHOLDS:,}, got {households:,}")
    _check(seed, as_of)
    for index in range(1, households + 1):
        yield generate_household(index, seed, as_of)


def generate_world(households: int, seed: int, *, as_of: date | None = None) -> World:
    """A world of ``households`` families (1 to 1,000,000), the same for the same arguments.

    ``as_of`` (default :data:`DEFAULT_AS_OF`) is the application date the facts are laid out
    around. Household ``i`` (1-based) has an id ending in ``i`` and was built for scenario
    :func:`scenario_for(i, seed) <scenario_for>`.
    """
    with paused_gc():
        return World(tuple(iter_households(households, seed, as_of or DEFAULT_AS_OF)))
