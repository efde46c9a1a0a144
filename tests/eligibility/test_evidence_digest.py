"""Evidence digests are the SHA-256 of one canonical JSON form of the records an agency gave
(keys sorted, no spaces, UTF-8, money as its exact decimal string, dates ISO, enums by value):
checked against that definition, written with the standard library, on the records the adapters
read from a generated world and on values at the edges."""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from types import MappingProxyType
from typing import Any

import httpx

from adapters.base import CallContext
from adapters.records import (
    FamilyMemberRecord,
    FamilyRecord,
    FarmerRecord,
    IncomeSource,
    LivestockRecord,
    MonthlyIncomeRecord,
    Relation,
    UtilityKind,
)
from adapters.registry import open_adapters
from gateway.app import adapter_config
from mocks.app import create_mock_app
from mocks.generate import generate_world
from resolvers.facts import canonical_digest, income_months
from tests.stack import BASE, stack_settings

CTX = CallContext(user_id="caseworker-17", issue="APP-2026-000123")


def _reference(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _reference(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_reference(item) for item in value]
    if isinstance(value, dict | MappingProxyType):
        return {str(key): _reference(item) for key, item in value.items()}
    return value


def reference_digest(answer: object) -> str:
    text = json.dumps(_reference(answer), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def as_asked(batch: dict[str, Any]) -> list[tuple[str, Any]]:
    """An answer as ``resolvers.facts.ask`` digests it: (key, value) pairs by key."""
    return sorted(batch.items(), key=lambda item: str(item[0]))


async def test_digests_of_real_answers_follow_the_canonical_form() -> None:
    world = generate_world(60, 11)
    settings = stack_settings(date(2026, 11, 15))
    transport = httpx.ASGITransport(app=create_mock_app(world, dev=False, base_url=BASE))
    first, last = income_months(date(2026, 11, 15))
    answers: list[object] = []
    async with open_adapters(adapter_config(settings), transport=transport) as a:
        for household in world.households:
            fins = [m.fin for m in household.members]
            family = (await a.population.families(fins[:1], CTX))[fins[0]]
            answers += [family, sorted((await a.population.persons(fins, CTX)).values(), key=str)]
            for batch in (
                await a.tax.taxpayers(fins, CTX),
                await a.tax.incomes(fins, first, last, CTX),
                await a.property.real_estate(fins, CTX),
                await a.utilities.charges(UtilityKind.GAS, [family.address], first, last, CTX),
                await a.migration.residence(fins, CTX),
                await a.vehicles.vehicles(fins, CTX),
                await a.social_insurance.contracts(fins, CTX),
                await a.social_insurance.payments(fins, first, last, CTX),
                await a.social_insurance.assignments(fins, CTX),
                await a.social_insurance.findings(fins, CTX),
                await a.social_insurance.state_care(fins, CTX),
                await a.disability.disabilities(fins, CTX),
                await a.employment.insurance_payments(fins, first, last, CTX),
                await a.employment.refused_offers(fins, CTX),
                await a.education.studies(fins, CTX),
                await a.education.scholarships(fins, first, last, CTX),
                await a.conscription.active_service(fins, CTX),
                await a.justice.sentences(fins, CTX),
                await a.justice.civil_status(fins, CTX),
                await a.justice.alimony(fins, first, last, CTX),
                await a.agriculture.farmers(fins, CTX),
                await a.telecom.charges(fins, first, last, CTX),
            ):
                answers.append(as_asked(batch))
    assert sum(1 for answer in answers if answer) > 600
    for answer in answers:
        assert canonical_digest(answer) == reference_digest(answer)


def test_digests_of_values_at_the_edges_follow_the_canonical_form() -> None:
    income = MonthlyIncomeRecord("5ZX3K8P", date(2026, 1, 1), IncomeSource.WAGE, Decimal("1E+2"))
    values: list[object] = [
        income,
        [("5ZX3K8P", (income,)), ("7QW2R9T", ())],
        [("5ZX3K8P", None), ("7QW2R9T", True)],
        FarmerRecord("5ZX3K8P", Decimal("-0.50"), LivestockRecord(1, 0, 0, 2, 10)),
        FamilyRecord(
            "HH-1", "Yasamal", "Şərifzadə küç. 12", (FamilyMemberRecord("X", Relation.HEAD),)
        ),
        {"b": Decimal("0.000"), "a": [date(1, 1, 1), date(9999, 12, 31)]},
        MappingProxyType({"z": 1, "a": income}),
        {1: "a key that is not a string", "0": "one that is"},
        [datetime(2026, 1, 1, 4, 5, 6, 7, tzinfo=UTC)],
        [datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=4, seconds=30)))],
        [1.5, -0.0, 10**20, 'ə\u2028"\\'],
    ]
    for value in values:
        assert canonical_digest(value) == reference_digest(value), value
    assert canonical_digest(income) != canonical_digest(
        MonthlyIncomeRecord("5ZX3K8P", date(2026, 1, 1), IncomeSource.WAGE, Decimal("100"))
    )
