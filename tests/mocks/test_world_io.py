"""World files: what loads, what is refused, and that writing and reading give the same world."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mocks.world import (
    Household,
    IncomeSource,
    Member,
    PropertyPurpose,
    RealEstate,
    Relation,
    Sex,
    Study,
    VehicleKind,
    VehicleRole,
    World,
)
from mocks.world_io import WorldError, load_world, parse_world, world_to_json, world_to_yaml

WORLDS = Path(__file__).parent / "worlds"
EXAMPLE = WORLDS / "example.yaml"

# A small valid world: two households; the broken variants below change one line each.
BASE = """\
households:
  - id: HH-NES-000001
    district: Nəsimi
    address: "Bülbül pr. 7, mənzil 3, Bakı"
    members:
      - fin: 2AB3C4D
        id_card: AA0000001
        first_name: Rəşad
        last_name: Quliyev
        patronymic: Vüqar oğlu
        birth_date: 1980-02-10
        sex: M
        citizenship: AZ
        relation: head
        phone: "+994551112233"
        income:
          - {source: wage, monthly: "400.00", from: 2025-11, until: 2026-10}
  - id: HH-YAS-000002
    district: Yasamal
    address: "Hüseyn Cavid pr. 31, mənzil 44, Bakı"
    members:
      - fin: 5ZX3K8P
        id_card: AA1234567
        first_name: Aynur
        last_name: Məmmədova
        patronymic: Əli qızı
        birth_date: 1988-04-02
        sex: F
        citizenship: AZ
        relation: head
        email: aynur@example.az
      - fin: 7KLM2NP
        id_card: AA7654321
        first_name: Ülvi
        last_name: Məmmədov
        birth_date: 2012-09-01
        sex: M
        relation: child
        disability: {percent: 60, group: 2, child: true, until: 2027-01-01}
        vehicles: [{plate: 10-AB-123, kind: car, role: user, acquired_on: 2019-05-01, value: "8000.00"}]
    utilities:
      gas: [{monthly: "9.00", from: 2025-11, until: 2026-10}]
"""

HH1 = "households[1] (HH-YAS-000002)"
AYNUR = f"{HH1} members[0] (5ZX3K8P)"
ULVI = f"{HH1} members[1] (7KLM2NP)"


def test_reads_the_example_of_the_world_format() -> None:
    world = load_world(EXAMPLE)
    aynur = world.member("5ZX3K8P")
    assert aynur is not None
    assert aynur.last_name == "Məmmədova"
    assert aynur.patronymic == "Əli qızı"
    assert aynur.birth_date == date(1988, 4, 2)
    assert aynur.sex is Sex.F
    assert aynur.relation is Relation.HEAD
    assert aynur.income[0].source is IncomeSource.WAGE
    assert aynur.income[0].monthly == Decimal("450.00")
    assert aynur.income[0].from_month == date(2025, 1, 1)
    assert aynur.income[0].until_month == date(2026, 10, 1)
    assert aynur.properties[0].purpose is PropertyPurpose.RESIDENTIAL
    assert aynur.vehicles[0].kind is VehicleKind.CAR
    assert aynur.vehicles[0].role is VehicleRole.OWNER
    assert aynur.agriculture is not None
    assert aynur.agriculture.livestock.small_ruminant == 4
    assert aynur.imprisoned is not None
    assert aynur.imprisoned.until == date(2028, 1, 10)
    household = world.household("HH-YAS-000001")
    assert household is not None
    assert household.utilities.electricity[0].monthly == Decimal("15.40")


@pytest.mark.parametrize("to_text", [world_to_yaml, world_to_json], ids=["yaml", "json"])
@pytest.mark.parametrize("source", ["example", "base"])
def test_writing_and_reading_gives_the_same_world_and_the_same_bytes(
    to_text: Callable[[World], str | bytes], source: str
) -> None:
    world = load_world(EXAMPLE) if source == "example" else parse_world(BASE)
    written = to_text(world)
    again = parse_world(written)
    assert again == world
    assert to_text(again) == written


def test_yaml_and_json_hold_the_same_world() -> None:
    world = parse_world(BASE)
    assert parse_world(world_to_json(world), fmt="json") == parse_world(world_to_yaml(world))


def test_azerbaijani_letters_survive_the_round_trip_unescaped() -> None:
    world = parse_world(BASE)
    yaml_text = world_to_yaml(world)
    assert "Məmmədova" in yaml_text and "Nəsimi" in yaml_text and "Ülvi" in yaml_text
    assert "Məmmədova" in world_to_json(world).decode("utf-8")
    member = parse_world(yaml_text).member("7KLM2NP")
    assert member is not None and member.first_name == "Ülvi"


def test_loads_json_files_by_their_suffix(tmp_path: Path) -> None:
    path = tmp_path / "world.json"
    path.write_bytes(world_to_json(parse_world(BASE)))
    assert load_world(path) == parse_world(BASE)


def test_values_written_by_hand_mean_what_they_look_like() -> None:
    text = (
        BASE.replace('phone: "+994551112233"', "phone: +994551112233")
        .replace(
            "citizenship: AZ\n        relation: head\n        email",
            "citizenship: NO\n        relation: head\n        email",
        )
        .replace("relation: child\n", "relation: child\n        wanted: no\n        missing: yes\n")
    )
    world = parse_world(text)
    rashad, aynur, ulvi = (world.member(f) for f in ("2AB3C4D", "5ZX3K8P", "7KLM2NP"))
    assert rashad is not None and rashad.phone == "+994551112233"
    assert aynur is not None and aynur.citizenship == "NO"  # Norway, not false
    assert ulvi is not None and ulvi.wanted is False and ulvi.missing is True
    assert ulvi.citizenship == "AZ"  # the default when not written


def test_an_unquoted_all_digit_fin_keeps_its_leading_zero() -> None:
    world = parse_world(BASE.replace("fin: 2AB3C4D", "fin: 0123456"))
    assert world.member("0123456") is not None


def test_stateless_is_written_as_null_and_read_back() -> None:
    world = parse_world(
        BASE.replace(
            "citizenship: AZ\n        relation: head\n        phone",
            "citizenship: null\n        relation: head\n        phone",
        )
    )
    rashad = world.member("2AB3C4D")
    assert rashad is not None and rashad.citizenship is None
    again = parse_world(world_to_yaml(world)).member("2AB3C4D")
    assert again is not None and again.citizenship is None


def test_an_empty_world_is_a_world_without_households() -> None:
    assert parse_world("households: []\n").households == ()


def test_a_world_built_in_code_round_trips() -> None:
    member = Member(
        fin="9ABCDEF",
        id_card="AA9999999",
        first_name="Şəhriyar",
        last_name="Ağayev",
        birth_date=date(1950, 1, 1),
        sex=Sex.M,
        relation=Relation.HEAD,
        citizenship=None,
    )
    world = World((Household("HH-QAR-000009", "Qaradağ", "Ələt qəs., ev 4", (member,)),))
    assert parse_world(world_to_yaml(world)) == world
    assert parse_world(world_to_json(world)) == world


# Each case: (what the line becomes, where the error must point, what it must say).
BROKEN: list[tuple[str, str, str, str, str]] = [
    (
        "birth_date: 1988-04-02",
        "birth_date: 1988-13-02",
        AYNUR,
        "birth_date",
        "not a date: '1988-13-02'",
    ),
    ("birth_date: 1988-04-02", "birth_date: 1988-02-30", AYNUR, "birth_date", "not a date"),
    ("birth_date: 1988-04-02", 'birth_date: "02.04.1988"', AYNUR, "birth_date", "not a date"),
    (
        "birth_date: 1988-04-02",
        "birth_date: 1988-04-02 10:00:00",
        AYNUR,
        "birth_date",
        "not a date",
    ),
    ("sex: F", "sex: X", AYNUR, "sex", "not one of F, M"),
    ("relation: child", "relation: cousin", ULVI, "relation", "not one of head, spouse"),
    ("fin: 7KLM2NP", "fin: 7KLM2NO", f"{HH1} members[1]", "fin", "not a FIN"),
    ("fin: 7KLM2NP", "fin: 7klm2np", f"{HH1} members[1]", "fin", "not a FIN"),
    (
        "fin: 7KLM2NP",
        "fin: 2AB3C4D",
        f"{HH1} members[1] (2AB3C4D)",
        "fin",
        "already a member of households[0] (HH-NES-000001)",
    ),
    ("id_card: AA7654321", "id_card: AB7654321", ULVI, "id_card", "not an ID card number"),
    ("id_card: AA7654321", "id_card: AA765432", ULVI, "id_card", "not an ID card number"),
    ("id_card: AA7654321", "id_card: AA1234567", ULVI, "id_card", "already used by"),
    (
        'phone: "+994551112233"',
        'phone: "+994521112233"',
        "households[0] (HH-NES-000001) members[0] (2AB3C4D)",
        "phone",
        "not a +994 mobile number",
    ),
    (
        'phone: "+994551112233"',
        'phone: "0551112233"',
        "households[0] (HH-NES-000001) members[0] (2AB3C4D)",
        "phone",
        "not a +994 mobile number",
    ),
    ("email: aynur@example.az", "email: aynur.example.az", AYNUR, "email", "not an e-mail address"),
    ("email: aynur@example.az", "email: aynur@localhost", AYNUR, "email", "not an e-mail address"),
    (
        "citizenship: AZ\n        relation: head\n        email",
        "citizenship: Azerbaijan\n        relation: head\n        email",
        AYNUR,
        "citizenship",
        "not an ISO 3166 alpha-2 country code",
    ),
    (
        "first_name: Aynur",
        'first_name: "Ay\\u202Enur"',
        AYNUR,
        "first_name",
        "control or direction character",
    ),
    ("first_name: Aynur", 'first_name: ""', AYNUR, "first_name", "must not be empty"),
    ("first_name: Aynur", "first_name: 12", AYNUR, "first_name", "expected a string"),
    ("        last_name: Məmmədova\n", "", AYNUR, "last_name", "required field missing"),
    (
        "email: aynur@example.az",
        "email: aynur@example.az\n        nickname: Ayka",
        AYNUR,
        "nickname",
        "unknown key",
    ),
    (
        "email: aynur@example.az",
        "email: aynur@example.az\n        sex: F",
        AYNUR,
        "sex",
        "duplicate key (line",
    ),
    (
        "disability: {percent: 60,",
        "disability: {percent: 160,",
        ULVI,
        "disability.percent",
        "must be between 0 and 100",
    ),
    (
        "disability: {percent: 60,",
        "disability: {percent: '60',",
        ULVI,
        "disability.percent",
        "not an integer",
    ),
    ("group: 2,", "group: 4,", ULVI, "disability.group", "must be between 1 and 3"),
    ("child: true", "child: maybe", ULVI, "disability.child", "not true or false"),
    (
        'monthly: "400.00"',
        "monthly: 400.10",
        "households[0] (HH-NES-000001) members[0] (2AB3C4D)",
        "income[0].monthly",
        "is a float, which is not exact",
    ),
    (
        'monthly: "400.00"',
        'monthly: "-400.00"',
        "households[0] (HH-NES-000001) members[0] (2AB3C4D)",
        "income[0].monthly",
        "must not be negative",
    ),
    (
        'monthly: "400.00"',
        'monthly: "four hundred"',
        "households[0] (HH-NES-000001) members[0] (2AB3C4D)",
        "income[0].monthly",
        "not an amount of money",
    ),
    (
        "source: wage",
        "source: salary",
        "households[0] (HH-NES-000001) members[0] (2AB3C4D)",
        "income[0].source",
        "not one of wage, entrepreneur, rent",
    ),
    (
        "from: 2025-11, until: 2026-10}\n  - id",
        "from: 2025-11, until: 2025-10}\n  - id",
        "households[0] (HH-NES-000001) members[0] (2AB3C4D)",
        "income[0].until",
        "2025-10 is before 2025-11",
    ),
    (
        "from: 2025-11, until: 2026-10}\n  - id",
        "from: 2025-13, until: 2026-10}\n  - id",
        "households[0] (HH-NES-000001) members[0] (2AB3C4D)",
        "income[0].from",
        "not a month (YYYY-MM)",
    ),
    (
        "from: 2025-11, until: 2026-10}\n  - id",
        "from: 2025-11-01, until: 2026-10}\n  - id",
        "households[0] (HH-NES-000001) members[0] (2AB3C4D)",
        "income[0].from",
        "not a month (YYYY-MM)",
    ),
    ("kind: car", "kind: boat", ULVI, "vehicles[0].kind", "not one of car, motorcycle"),
    ("role: user", "role: driver", ULVI, "vehicles[0].role", "not one of owner, user"),
    ("plate: 10-AB-123", "plate: 10AB123", ULVI, "vehicles[0].plate", "not a plate"),
    ('value: "8000.00"', "value: 8000.5", ULVI, "vehicles[0].value", "is a float"),
    (
        "acquired_on: 2019-05-01",
        "acquired_on: 2019-05-32",
        ULVI,
        "vehicles[0].acquired_on",
        "not a date",
    ),
    (
        "email: aynur@example.az",
        "email: aynur@example.az\n        properties: [{id: RE-1, purpose: house, address: X, "
        'share: "1", acquired_on: 2012-05-01, value: "1.00"}]',
        AYNUR,
        "properties[0].purpose",
        "not one of residential, non_residential, garden, land",
    ),
    (
        "email: aynur@example.az",
        "email: aynur@example.az\n        properties: [{id: RE-1, purpose: garden, address: X, "
        'share: "0", acquired_on: 2012-05-01, value: "1.00"}]',
        AYNUR,
        "properties[0].share",
        "must be more than 0 and at most 1",
    ),
    (
        "email: aynur@example.az",
        "email: aynur@example.az\n        properties: [{id: RE-1, purpose: garden, address: X, "
        'share: "1", acquired_on: 2012-05-01}]',
        AYNUR,
        "properties[0].value",
        "required field missing",
    ),
    (
        "email: aynur@example.az",
        "email: aynur@example.az\n        imprisoned: {from: 2026-01-10, until: 2025-01-10}",
        AYNUR,
        "imprisoned.until",
        "2025-01-10 is before 2026-01-10",
    ),
    (
        "email: aynur@example.az",
        "email: aynur@example.az\n        conscript: {until: 2026-07-01}",
        AYNUR,
        "conscript.from",
        "required field missing",
    ),
    (
        "email: aynur@example.az",
        "email: aynur@example.az\n        died_on: 1970-01-01",
        AYNUR,
        "died_on",
        "is before birth_date",
    ),
    (
        "email: aynur@example.az",
        "email: aynur@example.az\n        contracts: [{employer_voen: '14012345', from: 2024-01-01,"
        ' monthly_wage: "450.00"}]',
        AYNUR,
        "contracts[0].employer_voen",
        "not a VÖEN",
    ),
    (
        "email: aynur@example.az",
        "email: aynur@example.az\n        border_crossings: [{exit: 2026-01-05, entry: 2026-01-01,"
        " country: TR}]",
        AYNUR,
        "border_crossings[0].entry",
        "is before 2026-01-05",
    ),
    (
        "email: aynur@example.az",
        "email: aynur@example.az\n        border_crossings: [{exit: 2026-01-05, country: Turkey}]",
        AYNUR,
        "border_crossings[0].country",
        "not an ISO 3166 alpha-2 country code",
    ),
    (
        "email: aynur@example.az",
        "email: aynur@example.az\n        agriculture: {land_hectares: 0.5}",
        AYNUR,
        "agriculture.land_hectares",
        "is a float",
    ),
    (
        "email: aynur@example.az",
        "email: aynur@example.az\n        agriculture: {land_hectares: '1', livestock: {camel: 2}}",
        AYNUR,
        "agriculture.livestock.camel",
        "unknown key",
    ),
    (
        "email: aynur@example.az",
        "email: aynur@example.az\n        tsa_assignments: [{from: 2025-01-01, monthly: '300.00'}]",
        AYNUR,
        "tsa_assignments[0].until",
        "required field missing",
    ),
    (
        "email: aynur@example.az",
        "email: aynur@example.az\n        job_offers_refused: [2026-03-01, 2026-02-30]",
        AYNUR,
        "job_offers_refused[1]",
        "not a date",
    ),
    (
        "email: aynur@example.az",
        "email: aynur@example.az\n        in_state_care: 1",
        AYNUR,
        "in_state_care",
        "not true or false",
    ),
    ("relation: child", "relation: head", ULVI, "relation", "at most one head"),
    ('gas: [{monthly: "9.00"', 'steam: [{monthly: "9.00"', HH1, "utilities.steam", "unknown key"),
    (
        'gas: [{monthly: "9.00"',
        'gas: [{monthly: "-9.00"',
        HH1,
        "utilities.gas[0].monthly",
        "must not be negative",
    ),
    (
        "id: HH-YAS-000002",
        "id: HH-NES-000001",
        "households[1] (HH-NES-000001)",
        "id",
        "already used by households[0]",
    ),
    ("id: HH-YAS-000002", "id: HH YAS 2", "households[1] (HH YAS 2)", "id", "not a household id"),
    (
        'address: "Hüseyn Cavid pr. 31, mənzil 44, Bakı"',
        'address: "Bülbül pr. 7, mənzil 3, Bakı"',
        HH1,
        "address",
        "already the address of households[0]",
    ),
    ("    district: Yasamal\n", "", HH1, "district", "required field missing"),
    ("district: Yasamal\n", "district: Yasamal\n    flat: 5\n", HH1, "flat", "unknown key"),
]


@pytest.mark.parametrize(
    ("old", "new", "where", "field", "problem"),
    BROKEN,
    ids=[f"{case[3]}:{case[4][:30]}" for case in BROKEN],
)
def test_a_broken_world_file_is_refused_naming_household_member_and_field(
    old: str, new: str, where: str, field: str, problem: str
) -> None:
    assert old in BASE
    with pytest.raises(WorldError) as caught:
        parse_world(BASE.replace(old, new, 1))
    message = str(caught.value)
    assert message.startswith(f"{where} {field}: "), message
    assert problem in message, message


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("households: {}\n", "households: expected a list"),
        ("people: []\n", "people: unknown key"),
        ("households: []\nhouseholds: []\n", "households: duplicate key"),
        ("{}\n", "households: required field missing"),
        ("- 1\n", "world: expected a mapping"),
        ("households: [1]\n", "households[0]: expected a mapping"),
        (
            "households:\n  - id: HH-1\n    district: X\n    address: Y\n    members: []\n",
            "households[0] (HH-1) members: a household has at least one member",
        ),
        ("households: [\n", "line 2"),
        ("households:\n  - &h {id: HH-1}\n  - *h\n", "aliases are not allowed"),
        ("households: !!python/object:os.system {}\n", "could not determine a constructor"),
    ],
)
def test_a_world_file_of_the_wrong_shape_is_refused_with_a_clear_message(
    text: str, problem: str
) -> None:
    with pytest.raises(WorldError, match=re.escape(problem)):
        parse_world(text)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b'{"households": [], "households": []}', "households: duplicate key"),
        (b'{"households": [', "line 1 column"),
        (b'{"households": NaN}', "NaN is not a number"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_a_broken_json_world_is_refused_with_a_clear_message(text: bytes, problem: str) -> None:
    with pytest.raises(WorldError, match=problem):
        parse_world(text, fmt="json")


def test_json_money_as_a_number_is_refused_unless_it_is_a_whole_number() -> None:
    world = parse_world(BASE)
    text = world_to_json(world).decode()
    assert parse_world(text.replace('"400.00"', "400")).member("2AB3C4D") is not None
    with pytest.raises(WorldError, match=r"income\[0\]\.monthly: 400.5 is a float"):
        parse_world(text.replace('"400.00"', "400.5"))


def test_a_missing_file_is_reported_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(WorldError, match=r"nowhere\.yaml: cannot read"):
        load_world(tmp_path / "nowhere.yaml")


def test_the_file_name_prefixes_validation_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BASE.replace("sex: F", "sex: W"), encoding="utf-8")
    with pytest.raises(WorldError, match=r"bad.yaml: households\[1\] \(HH-YAS-000002\)"):
        load_world(path)


TRICKY_TEXT = [
    "yes",
    "No",
    "NO",
    "null",
    "~",
    "true",
    "On",
    "y",
    "- x",
    "a: b",
    "a:b",
    "#x",
    "x #y",
    "'quoted'",
    '"double"',
    "[a]",
    "{b}",
    "a, b",
    "1.5",
    "0123",
    "2025-01-01",
    "2025-01",
    "&a",
    "*b",
    "!tag",
    "%x",
    "@x",
    "`x",
    "|",
    ">",
    "? x",
    " x",
    "x ",
    "x\\y",
    "Ə'li",
    "ı",
    "<<",
    ".inf",
    "-",
    "1e5",
    "+994501234567",
    "Şərifzadə küç. 12, mənzil 5, Bakı",
    "a\u00a0b",
]


def _world_with_text(text: str) -> World:
    member = Member(
        fin="9ABCDEF",
        id_card="AA9999999",
        first_name=text,
        last_name=text,
        patronymic=text,
        birth_date=date(1950, 1, 1),
        sex=Sex.M,
        relation=Relation.HEAD,
    )
    member = replace(member, student=Study(True, text, date(2024, 9, 15), None))
    member = replace(
        member,
        properties=(
            RealEstate(
                text,
                PropertyPurpose.GARDEN,
                text,
                Decimal("0.5"),
                date(2001, 2, 3),
                Decimal("100.00"),
            ),
        ),
    )
    return World((Household("HH-1", text, text, (member,)),))


@pytest.mark.parametrize("text", TRICKY_TEXT)
def test_text_that_looks_like_yaml_syntax_round_trips(text: str) -> None:
    world = _world_with_text(text)
    assert parse_world(world_to_yaml(world)) == world
    assert parse_world(world_to_json(world)) == world


@given(
    st.text(
        st.characters(
            blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"),
            blacklist_characters="\u180e\u00ad",
        ),
        min_size=1,
        max_size=40,
    ).filter(lambda t: t.strip() != "")
)
def test_any_printable_text_round_trips_through_yaml(text: str) -> None:
    world = _world_with_text(text)
    assert parse_world(world_to_yaml(world)) == world
