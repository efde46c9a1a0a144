"""Generated worlds: reproducible, valid, realistic, and each family built for what it claims.

The checks of what a family is built for read only the world's facts, with the rules of
means-test.md written out again here in a few lines (independently of the generator's own
budgeting), so that a generator bug shows up as a family whose facts do not match its scenario.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from mocks.generate import (
    DEFAULT_AS_OF,
    SCENARIO_NAMES,
    SCENARIOS,
    generate_household,
    generate_world,
    get_scenario,
    scenario_for,
    scenario_of,
)
from mocks.world import Household, IncomeSource, Member, World, month_range
from mocks.world_io import (
    FIN_PATTERN,
    ID_CARD_PATTERN,
    PHONE_PATTERN,
    load_world,
    parse_world,
    world_to_json,
    world_to_yaml,
)

BAKU = {
    "Binəqədi",
    "Qaradağ",
    "Xəzər",
    "Səbail",
    "Sabunçu",
    "Suraxanı",
    "Xətai",
    "Yasamal",
    "Nərimanov",
    "Nəsimi",
    "Nizami",
    "Pirallahı",
}
NEED = {2021: 170, 2022: 200, 2023: 246, 2024: 270, 2025: 285, 2026: 300}
LIVING_WAGE = {2021: 196, 2022: 210, 2023: 246, 2024: 270, 2025: 285, 2026: 300}
FARM = {
    "cattle": Decimal(20),
    "small_ruminant": Decimal(4),
    "pig": Decimal(5),
    "bee_colony": Decimal(2),
    "poultry": Decimal("0.3"),
}
NOT_INCOME = {IncomeSource.TSA, IncomeSource.CREDIT, IncomeSource.LIBERATED_TERRITORIES_BENEFIT}


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(300, seed=7)


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _add_months(month: date, count: int) -> date:
    total = month.year * 12 + month.month - 1 + count
    return date(total // 12, total % 12 + 1, 1)


@dataclass
class Facts:
    """What means-test.md would look at, computed from one household's facts."""

    refusals: set[str]
    reasons: set[str]
    average_income: Decimal
    threshold: Decimal


def facts(household: Household, as_of: date) -> Facts:
    month = as_of.replace(day=1)
    first, last = _add_months(month, -12), _add_months(month, -1)
    window = list(month_range(first, last))
    window_end = month - timedelta(days=1)

    def counted(m: Member) -> bool:
        return not (
            (m.died_on is not None and m.died_on <= as_of)
            or m.wanted
            or m.missing
            or m.lives_abroad
            or m.in_state_care
            or m.citizenship != "AZ"
            or (m.imprisoned is not None and m.imprisoned.covers(as_of))
            or (m.conscript is not None and m.conscript.covers(as_of))
        )

    def able_bodied(m: Member) -> bool:
        return counted(m) and 18 <= _age(m.birth_date, as_of) < 65 and m.disability is None

    def works(m: Member) -> bool:
        contract = any(
            c.from_ <= as_of and (c.until is None or as_of <= c.until) for c in m.contracts
        )
        business = (
            m.entrepreneur is not None
            and m.entrepreneur.from_ <= as_of
            and (m.entrepreneur.until is None or as_of <= m.entrepreneur.until)
        )
        return contract or business

    members = household.members
    people = [m for m in members if counted(m)]
    total = Decimal(0)
    for m in people:
        for stream in m.income:
            if stream.source not in NOT_INCOME:
                total += sum((stream.amount_in(x) for x in window), Decimal(0))
        if m.agriculture is not None:
            herd = m.agriculture.livestock
            farm = m.agriculture.land_hectares * 15 + sum(FARM[k] * getattr(herd, k) for k in FARM)
            total += farm * 12
    average = total / 12
    threshold = Decimal(NEED[min(as_of.year, 2026)] * len(people))
    living_wage = Decimal(LIVING_WAGE[min(as_of.year, 2026)])
    charges = sum(
        (
            s.amount_in(x)
            for s in (
                *household.utilities.electricity,
                *household.utilities.gas,
                *household.utilities.water,
                *(t for m in members for t in m.telecom),
            )
            for x in window
        ),
        Decimal(0),
    )
    refusals: set[str] = set()
    if average >= threshold:
        refusals.add("INCOME_AT_OR_ABOVE_THRESHOLD")
    if any(not v.state_rehabilitation for m in members for v in m.vehicles):
        refusals.add("VEHICLE_OWNED_OR_USED")
    by_purpose: dict[str, set[str]] = {}
    for m in members:
        for p in m.properties:
            by_purpose.setdefault(p.purpose, set()).add(p.address)
    if any(len(addresses) > 1 for addresses in by_purpose.values()):
        refusals.add("MULTIPLE_PROPERTIES_SAME_PURPOSE")
    bought = {
        p.id: p.value for m in members for p in m.properties if first <= p.acquired_on <= window_end
    }
    bought |= {
        v.plate: v.value
        for m in members
        for v in m.vehicles
        if first <= v.acquired_on <= window_end
    }
    if sum(bought.values(), Decimal(0)) > 12 * living_wage:
        refusals.add("PURCHASES_ABOVE_LIMIT")
    if charges / 12 / len(people) >= living_wage * Decimal("0.15"):
        refusals.add("UTILITY_COSTS_ABOVE_LIMIT")
    for m in people:
        offers = sorted(m.job_offers_refused)
        if len(offers) >= 2 and offers[-1] > _add_months(as_of.replace(day=1), -1).replace(
            day=min(as_of.day, 28)
        ):
            refusals.add("JOB_OFFERS_REFUSED")
    if any(
        m.false_information_found_on is not None
        and m.false_information_found_on > as_of - timedelta(days=365)
        for m in members
    ):
        refusals.add("FALSE_INFORMATION_BAN")
    if any(t.from_ <= month <= t.until for m in members for t in m.tsa_assignments):
        refusals.add("ACTIVE_ASSIGNMENT_EXISTS")

    reasons: set[str] = set()
    if any(m.disability is not None for m in people):
        reasons.add("MEMBER_DISABLED")
    cared_for = any(
        (
            m.disability is not None
            and (m.disability.percent >= 81 or _age(m.birth_date, as_of) < 18)
        )
        or _age(m.birth_date, as_of) < 8
        for m in people
    )
    if cared_for and any(able_bodied(m) and not works(m) for m in people):
        reasons.add("CARER")
    if any(
        able_bodied(m)
        and _age(m.birth_date, as_of) < 23
        and m.student is not None
        and m.student.full_time
        and m.student.from_ <= as_of
        and (m.student.until is None or as_of <= m.student.until)
        for m in people
    ):
        reasons.add("STUDENT")
    if any(
        s.source is IncomeSource.UNEMPLOYMENT_INSURANCE and s.amount_in(last) > 0
        for m in people
        for s in m.income
    ):
        reasons.add("UNEMPLOYMENT_INSURANCE")
    if any(m.died_on is not None and first <= m.died_on <= window_end for m in members):
        reasons.add("MEMBER_DIED")
    if any(m.missing for m in members):
        reasons.add("MEMBER_MISSING")
    if any(m.imprisoned is not None and m.imprisoned.covers(as_of) for m in members):
        reasons.add("MEMBER_IMPRISONED")
    if not any(able_bodied(m) for m in people):
        reasons.add("NO_ABLE_BODIED_MEMBER")
    if not reasons:
        refusals.add("NO_QUALIFYING_REASON")
    return Facts(refusals, reasons, average, threshold)


# ---- reproducible --------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_world_byte_for_byte() -> None:
    assert world_to_yaml(generate_world(150, seed=42)) == world_to_yaml(
        generate_world(150, seed=42)
    )
    assert world_to_json(generate_world(150, seed=42)) == world_to_json(
        generate_world(150, seed=42)
    )


def test_a_different_seed_gives_a_different_world() -> None:
    one, other = generate_world(50, seed=1), generate_world(50, seed=2)
    assert world_to_yaml(one) != world_to_yaml(other)
    assert [h.members[0].first_name for h in one.households] != [
        h.members[0].first_name for h in other.households
    ]


def test_a_household_is_the_same_alone_or_in_a_larger_world() -> None:
    small, large = generate_world(20, seed=5), generate_world(120, seed=5)
    assert large.households[:20] == small.households
    assert generate_household(17, 5) == small.households[16]


def test_as_of_moves_the_income_window() -> None:
    household = generate_household(3, seed=9, as_of=date(2024, 3, 15), scenario="carer")
    head = household.members[0]
    streams = [s for m in household.members for s in m.income]
    assert streams and all(s.until_month >= date(2024, 2, 1) for s in streams)
    assert all(s.from_month <= date(2023, 3, 1) for s in streams)
    assert head.birth_date < date(2024, 3, 15)


# ---- valid ---------------------------------------------------------------------------------


def test_a_generated_world_passes_the_strict_loader_in_both_formats(world: World) -> None:
    assert parse_world(world_to_yaml(world)) == world
    assert parse_world(world_to_json(world)) == world


def test_identifiers_are_well_formed_and_unique(world: World) -> None:
    members = [m for h in world.households for m in h.members]
    fins = [m.fin for m in members]
    cards = [m.id_card for m in members]
    phones = [m.phone for m in members if m.phone is not None]
    assert all(FIN_PATTERN.fullmatch(f) for f in fins)
    assert all(ID_CARD_PATTERN.fullmatch(c) for c in cards)
    assert all(PHONE_PATTERN.fullmatch(p) for p in phones)
    assert len(set(fins)) == len(fins)
    assert len(set(cards)) == len(cards)
    assert len(set(phones)) == len(phones)
    assert len({h.id for h in world.households}) == len(world.households)
    assert len({h.address for h in world.households}) == len(world.households)
    plates = [v.plate for m in members for v in m.vehicles]
    assert len(set(plates)) == len(plates)


def test_identifiers_stay_unique_in_a_large_world() -> None:
    world = generate_world(6000, seed=11)
    fins = [m.fin for h in world.households for m in h.members]
    assert len(set(fins)) == len(fins)
    assert len({m.id_card for h in world.households for m in h.members}) == len(fins)


@pytest.mark.parametrize("households", [0, -1, 1_000_001])
def test_a_world_size_outside_one_to_a_million_is_refused(households: int) -> None:
    with pytest.raises(ValueError, match="between 1 and 1,000,000"):
        generate_world(households, seed=1)


def test_an_application_date_before_2021_is_refused() -> None:
    with pytest.raises(ValueError, match="2021-01-01 or later"):
        generate_world(5, seed=1, as_of=date(2020, 6, 1))


def test_an_unknown_scenario_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown scenario 'rich'"):
        generate_household(1, 1, scenario="rich")


# ---- realistic -----------------------------------------------------------------------------


def test_names_are_azerbaijani_with_patronymics_from_the_fathers_name(world: World) -> None:
    members = [m for h in world.households for m in h.members if m.citizenship == "AZ"]
    text = "".join(m.first_name + m.last_name + (m.patronymic or "") for m in members)
    assert set("əıöüçşğ") <= set(text.lower())
    assert all(re.search(r"(ov|ova|yev|yeva)$", m.last_name) for m in members)
    assert all(re.fullmatch(r"\S+ (oğlu|qızı)", m.patronymic or "") for m in members)
    assert all(
        m.patronymic.endswith("oğlu" if m.sex == "M" else "qızı") for m in members if m.patronymic
    )
    for household in world.households:
        head = household.members[0]
        for child in (m for m in household.members if m.relation == "child"):
            if head.sex == "M":
                assert child.patronymic is not None
                assert child.patronymic.startswith(head.first_name + " ")


def test_households_live_in_bakus_districts_and_in_the_regions(world: World) -> None:
    districts = Counter(h.district for h in world.households)
    assert len(BAKU & set(districts)) >= 10
    assert set(districts) - BAKU  # some outside Baku
    for household in world.households:
        code = household.id.split("-")[1]
        assert re.fullmatch(r"HH-[A-Z]{3}-\d{6}", household.id)
        assert household.address.endswith(", Bakı") == (household.district in BAKU)
        assert code.isascii()


def test_charges_and_income_cover_the_twelve_months_before_the_application_month(
    world: World,
) -> None:
    first, last = date(2025, 11, 1), date(2026, 10, 1)
    for household in world.households:
        u = household.utilities
        for stream in (
            *u.electricity,
            *u.gas,
            *u.water,
            *(t for m in household.members for t in m.telecom),
        ):
            assert stream.from_month <= first and stream.until_month >= last
        for m in household.members:
            for stream in m.income:
                if stream.source is IncomeSource.WAGE and not any(c.until for c in m.contracts):
                    assert stream.from_month <= first and stream.until_month >= last


# ---- mixed: every scenario, each built for what it claims ----------------------------------


def test_scenario_weights_fill_blocks_of_one_hundred() -> None:
    assert sum(s.weight for s in SCENARIOS) == 100
    assert len(set(SCENARIO_NAMES)) == len(SCENARIO_NAMES)
    block = Counter(scenario_for(i, seed=3) for i in range(101, 201))
    assert block == {s.name: s.weight for s in SCENARIOS}


def test_every_scenario_appears_in_a_world_of_two_hundred(world: World) -> None:
    seen = Counter(scenario_of(h.id, seed=7) for h in world.households[:200])
    assert set(seen) == set(SCENARIO_NAMES)


def test_the_layout_depends_on_the_seed() -> None:
    assert [scenario_for(i, 1) for i in range(1, 101)] != [
        scenario_for(i, 2) for i in range(1, 101)
    ]


def test_the_scenarios_cover_every_refusal_ground_and_qualifying_reason() -> None:
    refusals = set().union(*(s.refusals for s in SCENARIOS))
    reasons = set().union(*(s.reasons for s in SCENARIOS))
    assert refusals == {
        "INCOME_AT_OR_ABOVE_THRESHOLD",
        "VEHICLE_OWNED_OR_USED",
        "MULTIPLE_PROPERTIES_SAME_PURPOSE",
        "PURCHASES_ABOVE_LIMIT",
        "UTILITY_COSTS_ABOVE_LIMIT",
        "JOB_OFFERS_REFUSED",
        "NO_QUALIFYING_REASON",
        "FALSE_INFORMATION_BAN",
        "ACTIVE_ASSIGNMENT_EXISTS",
    }  # DECLARATION_MISMATCH depends on the application, not on the world
    assert reasons == {
        "MEMBER_DISABLED",
        "CARER",
        "STUDENT",
        "UNEMPLOYMENT_INSURANCE",
        "MEMBER_DIED",
        "MEMBER_MISSING",
        "MEMBER_IMPRISONED",
        "NO_ABLE_BODIED_MEMBER",
    }


@pytest.mark.parametrize("as_of", [DEFAULT_AS_OF, date(2023, 1, 20), date(2025, 6, 30)])
@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_each_family_has_exactly_the_refusals_and_reasons_of_its_scenario(
    name: str, as_of: date
) -> None:
    expected = get_scenario(name)
    for index in range(1, 13):
        household = generate_household(index, seed=index * 31, as_of=as_of, scenario=name)
        found = facts(household, as_of)
        assert (frozenset(found.refusals), frozenset(found.reasons)) == (
            expected.refusals,
            expected.reasons,
        ), (
            household.id,
            found,
        )


def test_a_family_at_the_threshold_sits_exactly_on_it() -> None:
    for index in range(1, 20):
        household = generate_household(index, 3, scenario="income_at_threshold")
        found = facts(household, DEFAULT_AS_OF)
        assert found.average_income == found.threshold


def test_the_families_of_a_world_are_those_of_their_scenarios(world: World) -> None:
    for household in world.households:
        expected = get_scenario(scenario_of(household.id, seed=7))
        found = facts(household, DEFAULT_AS_OF)
        assert (frozenset(found.refusals), frozenset(found.reasons)) == (
            expected.refusals,
            expected.reasons,
        )


def _members(name: str, count: int = 10) -> list[tuple[Household, list[Member]]]:
    out = []
    for index in range(1, count + 1):
        household = generate_household(index, seed=99, scenario=name)
        out.append((household, list(household.members)))
    return out


@pytest.mark.parametrize(
    ("name", "has_it"),
    [
        ("member_conscript", lambda m: m.conscript is not None),
        ("member_in_state_care", lambda m: m.in_state_care),
        ("member_wanted", lambda m: m.wanted),
        (
            "member_lives_abroad",
            lambda m: m.lives_abroad and any(b.entry is None for b in m.border_crossings),
        ),
        ("member_foreigner", lambda m: m.citizenship not in (None, "AZ")),
        ("member_stateless", lambda m: m.citizenship is None),
        ("member_imprisoned", lambda m: m.imprisoned is not None),
        ("member_died", lambda m: m.died_on is not None),
        ("member_missing", lambda m: m.missing),
        ("state_rehabilitation_vehicle", lambda m: any(v.state_rehabilitation for v in m.vehicles)),
        ("excluded_income", lambda m: any(s.source is IncomeSource.CREDIT for s in m.income)),
        ("student", lambda m: m.student is not None and m.student.full_time),
    ],
)
def test_each_not_counted_or_special_member_is_there(
    name: str, has_it: Callable[[Member], bool]
) -> None:
    for household, members in _members(name):
        assert any(has_it(m) for m in members), household.id


def test_a_child_under_one_is_under_one_on_the_first_day_of_the_period() -> None:
    period_start = DEFAULT_AS_OF.replace(day=1)
    for household, members in _members("child_under_one"):
        assert any(
            _age(m.birth_date, period_start) == 0 and m.birth_date <= period_start for m in members
        ), household.id


@pytest.mark.parametrize(
    ("name", "has_no_record"),
    [
        (
            "no_utility_records",
            lambda h: not (h.utilities.electricity or h.utilities.gas or h.utilities.water),
        ),
        ("no_telecom_records", lambda h: not any(m.telecom for m in h.members)),
        (
            "no_tax_records",
            lambda h: (
                not any(
                    m.contracts
                    or m.entrepreneur
                    or any(
                        s.source
                        in (IncomeSource.WAGE, IncomeSource.ENTREPRENEUR, IncomeSource.RENT)
                        for s in m.income
                    )
                    for m in h.members
                )
            ),
        ),
        ("no_property_records", lambda h: not any(m.properties for m in h.members)),
    ],
)
def test_some_families_are_unknown_to_an_agency(
    name: str, has_no_record: Callable[[Household], bool]
) -> None:
    for household, _ in _members(name):
        assert has_no_record(household), household.id


def test_other_families_are_known_to_every_agency_that_holds_such_facts(world: World) -> None:
    with_utilities = [h for h in world.households if h.utilities.electricity]
    assert len(with_utilities) >= 0.9 * len(world.households)
    assert any(m.agriculture for h in world.households for m in h.members)
    assert any(m.border_crossings for h in world.households for m in h.members)


# ---- the command line ----------------------------------------------------------------------


def test_the_command_writes_yaml_to_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    from gateway.cli import main

    assert main(["world", "generate", "--households", "3", "--seed", "4"]) == 0
    printed = capsys.readouterr().out
    assert parse_world(printed) == generate_world(3, seed=4)


def test_the_command_writes_json_or_yaml_by_the_file_suffix(tmp_path: Path) -> None:
    from gateway.cli import main

    as_json, as_yaml = tmp_path / "w.json", tmp_path / "w.yaml"
    for target in (as_json, as_yaml):
        argv = ["world", "generate", "--households", "5", "--seed", "8", "--as-of", "2025-03-10"]
        assert main([*argv, "-o", str(target)]) == 0
    expected = generate_world(5, seed=8, as_of=date(2025, 3, 10))
    assert as_json.read_bytes() == world_to_json(expected)
    assert as_yaml.read_text(encoding="utf-8") == world_to_yaml(expected)
    assert load_world(as_json) == load_world(as_yaml) == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.json", "w.yaml"]  # no leftovers


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--households", "0", "--seed", "1"], "--households: must be a whole number from 1 to"),
        (["--households", "1000001", "--seed", "1"], "from 1 to 1,000,000, got '1000001'"),
        (["--households", "ten", "--seed", "1"], "--households: must be a whole number"),
        (["--households", "2", "--seed", "x"], "--seed: must be a whole number"),
        (["--households", "2", "--seed", "1", "--as-of", "2026-13-01"], "must be a date"),
        (["--households", "2", "--seed", "1", "--as-of", "2020-12-31"], "2021-01-01 or later"),
    ],
)
def test_the_command_refuses_bad_arguments_with_a_clear_error(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from gateway.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["world", "generate", *argv])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
