"""Golden decisions: 200 generated households, decided on several dates, with and without a
declaration and with agencies down, must give exactly the decisions (and missing-data
answers) they gave when this file was written, byte for byte. A change to the engine that
alters any decision, or any byte of its JSON, fails here; so does a speed-up that is not
exactly equivalent.

The sample's *inputs* are pinned too, so that a change to the world generator
(``mocks/generate.py``) or to ``gateway/world_facts.py`` is told apart from a change to the
engine. After an intended change of either, re-pin with::

    .venv/bin/python tests/assessment/test_golden.py      # prints both digests

(for the engine, only after checking the new decisions one by one).

Also here: the engine's per-date memo (``rules.terms``) gives what working everything out
afresh gives, and stays bounded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_DOWN, Context, localcontext
from typing import Any

from assessment import (
    Agency,
    Decision,
    FamilyFacts,
    InsufficientData,
    assess,
    decision_to_json,
    missing_to_json,
    rules,
)
from assessment import decision as decision_module
from assessment.legislation import default_legislation
from gateway.world_facts import household_facts
from mocks.generate import generate_world

# (seed, the date the world is laid out for, households, application dates after it in days)
SAMPLE = (
    (20261101, date(2026, 11, 1), 80, (0, 20)),
    (7, date(2023, 1, 1), 60, (0, -1)),
    (42, date(2025, 11, 1), 60, (0, 45)),
)
DOWN = ((Agency.TAX,), (Agency.UTILITIES,), (Agency.DISABILITY, Agency.VEHICLES))
INPUTS_SHA256 = "a1d359cfced0e2027c4ff6c1c23bc77b15fefdada9b58705c1dc6051ec3a2fd8"
DECISIONS_SHA256 = "1849d478163a233f6bc3c67ef3c6a61a51fd1777d46f045a5ae6acc5a1d701b8"


def _cases() -> Iterator[tuple[FamilyFacts, date, datetime]]:
    """The sample: each household on each date, plain, then declared or with agencies down."""
    for seed, laid_out_on, households, offsets in SAMPLE:
        world = generate_world(households, seed, as_of=laid_out_on)
        for index, household in enumerate(world.households):
            fins = tuple(member.fin for member in household.members)
            variants: list[dict[str, Any]] = [{}]
            if index % 3 == 0:
                variants.append({"declared_members": fins})
            if index % 5 == 1:
                variants.append({"declared_members": fins[:-1]})
            if index % 4 == 2:
                variants.append({"unavailable": DOWN[index // 4 % len(DOWN)]})
            for offset in offsets:
                on = laid_out_on + timedelta(days=offset)
                zone = UTC if index % 2 else timezone(timedelta(hours=4))
                decided_at = datetime(on.year, on.month, on.day, 9, 30, tzinfo=zone)
                for variant in variants:
                    yield household_facts(household, on, decided_at, **variant), on, decided_at


def _canonical(result: Decision | InsufficientData) -> str:
    data = (
        missing_to_json(result)
        if isinstance(result, InsufficientData)
        else decision_to_json(result)
    )
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _digests() -> tuple[str, str, int]:
    legislation = default_legislation()
    inputs, decisions = hashlib.sha256(), hashlib.sha256()
    count = 0
    for facts, on, decided_at in _cases():
        inputs.update(f"{facts!r}|{on}|{decided_at}\n".encode())
        decisions.update(_canonical(assess(facts, on, decided_at, legislation)).encode())
        decisions.update(b"\n")
        count += 1
    return inputs.hexdigest(), decisions.hexdigest(), count


def test_the_sample_decisions_are_exactly_those_pinned() -> None:
    inputs, decisions, count = _digests()
    assert count > 400
    assert inputs == INPUTS_SHA256, (
        "the sample's facts changed (mocks/generate.py or gateway/world_facts.py), not "
        "necessarily the engine: re-pin INPUTS_SHA256 and DECISIONS_SHA256 with the engine "
        "unchanged (see this module's docstring)"
    )
    assert decisions == DECISIONS_SHA256, "a decision or its JSON changed"


def test_the_sample_holds_granted_refused_and_waiting_families() -> None:
    outcomes = set()
    for facts, on, decided_at in _cases():
        result = assess(facts, on, decided_at)
        outcomes.add(result.outcome.value if isinstance(result, Decision) else "WAITING")
    assert outcomes == {"GRANTED", "REFUSED", "WAITING"}


def test_a_callers_decimal_context_changes_no_decision() -> None:
    for facts, on, decided_at in list(_cases())[:60]:
        expected = _canonical(assess(facts, on, decided_at))
        with localcontext(Context(prec=4, rounding=ROUND_DOWN)):
            assert _canonical(assess(facts, on, decided_at)) == expected


def test_decisions_are_the_same_whether_the_date_is_worked_out_afresh_or_remembered() -> None:
    # The per-date memo also remembers which parameters decisions cite (by what varies between
    # families): a decision made on a fresh memo, that works them out from its own findings,
    # cites exactly what one made on a warm memo does.
    legislation = default_legislation()
    remembered = [
        _canonical(assess(facts, on, decided_at, legislation)) for facts, on, decided_at in _cases()
    ]
    afresh = []
    for facts, on, decided_at in _cases():
        rules._TERMS.clear()
        afresh.append(_canonical(assess(facts, on, decided_at, legislation)))
    assert afresh == remembered


def test_deciding_on_many_dates_applies_each_dates_parameters_and_stays_bounded() -> None:
    legislation = default_legislation()
    world = generate_world(1, 20261101, as_of=date(2026, 11, 1))
    need_criterion = legislation.parameter("need_criterion")
    first = date(2025, 6, 1)
    for offset in range(rules._TERMS_LIMIT + 40):
        on = first + timedelta(days=offset)
        at = datetime(on.year, on.month, on.day, tzinfo=UTC)
        result = assess(household_facts(world.households[0], on, at), on, at, legislation)
        assert isinstance(result, Decision)
        assert result.calculation.need_criterion == need_criterion.at(on).value
        cited = {p["name"]: p for p in decision_to_json(result)["parameters"]}
        assert cited["need_criterion"]["value"] == str(need_criterion.at(on).value)
        assert (
            cited["need_criterion"]["inForceFrom"]
            == need_criterion.at(on).in_force_from.isoformat()
        )
        window = rules.income_window(on, legislation.on(on))
        assert (window.first_month.year * 12 + window.first_month.month) + 12 == (
            on.year * 12 + on.month
        )
        assert len(rules._TERMS) <= rules._TERMS_LIMIT
        assert len(decision_module._PARAMETERS_JSON) <= decision_module._PARAMETERS_JSON_LIMIT


def test_a_caller_changing_one_decisions_json_changes_no_other() -> None:
    facts, on, decided_at = next(_cases())
    decision = assess(facts, on, decided_at)
    assert isinstance(decision, Decision) and decision.reasons
    first = decision_to_json(decision)
    expected = json.dumps(first)
    first["parameters"][0]["value"] = "changed"
    first["parameters"].clear()
    first["reasons"][0]["messages"]["en"] = "changed"
    first["evidence"].clear()
    again = decision_to_json(decision)
    assert json.dumps(again) == expected


if __name__ == "__main__":
    found_inputs, found_decisions, found_count = _digests()
    print(f"{found_count} results")
    print(f'INPUTS_SHA256 = "{found_inputs}"')
    print(f'DECISIONS_SHA256 = "{found_decisions}"')
