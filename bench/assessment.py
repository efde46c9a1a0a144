"""Assessment engine throughput: decisions per second on one core (quality.md: ≥ 10,000).

Families come from the mock world generator (every scenario of means-test.md, mixed), turned
into facts once by ``gateway.world_facts`` (outside the timing, as the gateway would have them
from the agencies). The process is pinned to one CPU where the OS allows it. Each round decides
every family once; the rate is decisions per CPU second of this process (so that time other
processes take on a shared machine is not charged); the table gives the median round (and the
same with the decision serialized to the GraphQL JSON shape, for context).

    python -m bench.assessment          # or `make bench`
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

HOUSEHOLDS = 2_000
SEED = 20261101
ROUNDS = 7
TARGET = 10_000


def _pin_to_one_core() -> str:
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):  # not Linux, or not allowed
        return "not pinned"


def _rate(work: Callable[[], int]) -> float:
    rates = []
    for _ in range(ROUNDS):
        # CPU time of this process: on a shared machine, time other processes take the core
        # is not charged to the engine.
        start = time.process_time()
        count = work()
        rates.append(count / (time.process_time() - start))
    return statistics.median(rates)


def main() -> list[str]:
    from assessment import Decision, InsufficientData, assess, decision_to_json
    from assessment.legislation import default_legislation
    from gateway.world_facts import household_facts
    from mocks.generate import DEFAULT_AS_OF, generate_world

    pinned = _pin_to_one_core()
    on = DEFAULT_AS_OF
    decided_at = datetime(on.year, on.month, on.day, tzinfo=UTC)
    legislation = default_legislation()
    world = generate_world(HOUSEHOLDS, SEED, as_of=on)
    families = [household_facts(h, on, decided_at) for h in world.households]
    granted = sum(
        1
        for f in families
        if isinstance(d := assess(f, on, decided_at, legislation), Decision) and d.monthly_amount
    )
    waiting = sum(
        1 for f in families if isinstance(assess(f, on, decided_at, legislation), InsufficientData)
    )

    def decide() -> int:
        for facts in families:
            assess(facts, on, decided_at, legislation)
        return len(families)

    def decide_and_serialize() -> int:
        for facts in families:
            result = assess(facts, on, decided_at, legislation)
            if isinstance(result, Decision):
                decision_to_json(result)
        return len(families)

    engine = _rate(decide)
    with_json = _rate(decide_and_serialize)
    verdict = "meets" if engine >= TARGET else "BELOW"
    return [
        "## Assessment engine",
        "",
        f"{len(families)} generated families ({granted} granted, {waiting} waiting for data), "
        f"application date {on.isoformat()}, {ROUNDS} rounds, median, per CPU second; "
        f"one process, {pinned}.",
        "",
        "| measure | decisions per second | CPU µs per decision | target | |",
        "|---|---:|---:|---:|---|",
        f"| `assess()` | {engine:,.0f} | {1e6 / engine:.1f} | ≥ {TARGET:,} | {verdict} |",
        f"| `assess()` + `decision_to_json()` | {with_json:,.0f} | {1e6 / with_json:.1f} | "
        "| context |",
    ]


if __name__ == "__main__":
    print("\n".join(main()))
