"""Pure: population payloads → records. Shape errors raise ``ShapeError``."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from adapters import shape
from adapters.records import FamilyMemberRecord, FamilyRecord, PersonRecord, Relation, Sex


def person(item: Any, path: str) -> PersonRecord:
    m = shape.obj(item, path)
    return PersonRecord(
        fin=shape.string(m, "fin", path),
        id_card=shape.string(m, "id_card", path),
        first_name=shape.string(m, "first_name", path),
        last_name=shape.string(m, "last_name", path),
        patronymic=shape.optional_string(m, "patronymic", path),
        birth_date=shape.day(m, "birth_date", path),
        sex=shape.choice(m, "sex", path, Sex),
        citizenship=shape.optional_string(m, "citizenship", path),
        address=shape.string(m, "address", path),
        wanted=shape.boolean(m, "wanted", path),
        died_on=shape.optional_day(m, "died_on", path),
    )


def persons(payload: Any, asked: Collection[str]) -> dict[str, PersonRecord]:
    """``{"persons": [...], "not_found": [...]}`` → records by FIN (only FINs asked)."""
    body = shape.obj(payload, "$")
    found: dict[str, PersonRecord] = {}
    for i, item in enumerate(shape.items(body, "persons", "$")):
        record = person(item, f"$.persons[{i}]")
        if record.fin in asked:
            found[record.fin] = record
    return found


def family(item: Any, path: str) -> FamilyRecord:
    m = shape.obj(item, path)
    members = []
    for i, raw in enumerate(shape.items(m, "members", path)):
        member_path = f"{path}.members[{i}]"
        member = shape.obj(raw, member_path)
        members.append(
            FamilyMemberRecord(
                fin=shape.string(member, "fin", member_path),
                relation=shape.choice(member, "relation", member_path, Relation),
            )
        )
    return FamilyRecord(
        household_id=shape.string(m, "household_id", path),
        district=shape.string(m, "district", path),
        address=shape.string(m, "address", path),
        members=tuple(members),
    )


def families(payload: Any, asked: Collection[str]) -> dict[str, FamilyRecord]:
    """``{"families": [{"fin", "family"}], "not_found": [...]}`` → family by the FIN asked."""
    body = shape.obj(payload, "$")
    found: dict[str, FamilyRecord] = {}
    for i, raw in enumerate(shape.items(body, "families", "$")):
        path = f"$.families[{i}]"
        item = shape.obj(raw, path)
        fin = shape.string(item, "fin", path)
        record = family(item.get("family"), f"{path}.family")
        if fin in asked:
            found[fin] = record
    return found


def families_by_id(payload: Any, asked: Collection[str]) -> dict[str, FamilyRecord]:
    """``{"families": [Family], "not_found": [...]}`` → family by household id."""
    body = shape.obj(payload, "$")
    found: dict[str, FamilyRecord] = {}
    for i, raw in enumerate(shape.items(body, "families", "$")):
        record = family(raw, f"$.families[{i}]")
        if record.household_id in asked:
            found[record.household_id] = record
    return found
