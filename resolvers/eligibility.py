"""Use cases behind ``Household.eligibility``, ``Member.counted`` and ``meansTestParameters``.

``eligibility`` is a dry run: the facts are gathered from the agencies
(:func:`resolvers.facts.family_facts`), the engine decides, and nothing is stored. When an
agency failed, the engine's answer is "insufficient data" naming the missing inputs, never a
decision. An answer the adapters served from stale cache (stale-if-error) counts as missing too,
by the rule the decision path applies (:func:`resolvers.staleness.require_fresh_answers`): the
dry run says what an application submitted at the same moment would get. The caller has already
read the family through the authorization check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from adapters.records import FamilyMemberRecord, FamilyRecord, PersonRecord
from assessment import (
    SUPPORTED_FROM,
    Decision,
    InsufficientData,
    NotCountedReason,
    ParameterNotInForce,
    ParameterValue,
    assess,
    default_legislation,
    rules_version,
)
from resolvers.context import RequestContext
from resolvers.errors import BadUserInput, database_errors
from resolvers.facts import MemberCounting, family_facts, member_counting, with_own_grants
from resolvers.staleness import StaleAnswers, answers_used, require_fresh_answers

# Law art. 9's grounds, in plain English words (Member.notCountedReason).
NOT_COUNTED_WORDS: dict[NotCountedReason, str] = {
    NotCountedReason.DIED: "died",
    NotCountedReason.NOT_YET_BORN: "not yet born",
    NotCountedReason.CONSCRIPT: "in active fixed-term military service",
    NotCountedReason.STATE_CARE: "on full state support in a state care institution",
    NotCountedReason.IMPRISONED: "serving a prison sentence",
    NotCountedReason.WANTED: "a wanted person",
    NotCountedReason.LIVES_ABROAD: "living permanently abroad",
    NotCountedReason.FOREIGNER_OR_STATELESS: "a foreigner or stateless person",
    NotCountedReason.GUARDIAN: "a registered guardian, not a member of the family",
}


def not_counted_words(reasons: tuple[NotCountedReason, ...]) -> str | None:
    """The reasons a member is not counted, in English words joined by "; " (None if none)."""
    return "; ".join(NOT_COUNTED_WORDS[r] for r in reasons) or None


def _application_date(ctx: RequestContext, on: date | None) -> date:
    day = on or ctx.today
    if day < SUPPORTED_FROM:
        raise BadUserInput(
            f"rules before {SUPPORTED_FROM.isoformat()} are not modelled", field=["on"]
        )
    return day


async def eligibility(
    ctx: RequestContext, family: FamilyRecord, on: date | None
) -> Decision | InsufficientData | StaleAnswers:
    """Would ``family`` be granted assistance on an application dated ``on`` (default today)?
    Decided from live agency answers, stamped ``ctx.now``; stores nothing. When any answer it
    used was served stale, :class:`~resolvers.staleness.StaleAnswers` naming those operations
    instead of a decision, whichever field of the request had asked the agency first."""
    day = _application_date(ctx, on)
    with answers_used() as used:
        facts = await family_facts(ctx, family, day)
    if ctx.database is not None:  # our own grants count, as they do for an application
        with database_errors():
            facts = await with_own_grants(
                ctx.database,
                facts,
                household_id=family.household_id,
                fins=sorted(m.fin for m in family.members),
                on=day,
            )
    return require_fresh_answers(assess(facts, day, ctx.now), used.stale_operations)


async def counting(
    ctx: RequestContext, member: FamilyMemberRecord, person: PersonRecord
) -> MemberCounting:
    """Whether ``member`` is counted today (``ctx.today``), by the engine's rule."""
    return await member_counting(ctx, member, person, ctx.today)


@dataclass(frozen=True, slots=True)
class ParametersInForce:
    """Every means-test parameter in force on ``on`` (by name), and the rules version."""

    on: date
    rules_version: str
    parameters: tuple[ParameterValue[Any], ...]


def parameters_on(ctx: RequestContext, on: date) -> ParametersInForce:
    """The parameters in force on ``on``; ``BAD_USER_INPUT`` for a day some parameter the
    rules need has no value (before the first values of the legislation)."""
    ctx.require_principal()
    legislation = default_legislation()
    try:
        legislation.on(on)
    except ParameterNotInForce as exc:
        raise BadUserInput(
            f"no value of {exc.name} is in force on {on.isoformat()}", field=["on"]
        ) from None
    found = (p.in_force(on) for p in sorted(legislation.parameters, key=lambda p: p.name))
    return ParametersInForce(
        on=on,
        rules_version=rules_version(legislation),
        parameters=tuple(p for p in found if p is not None),
    )
