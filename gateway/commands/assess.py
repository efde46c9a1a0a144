"""`vemtas assess --world FILE --household ID --on DATE [--json] [--agency-down KEY ...]`

Runs the means test on one household of a world file, offline, and prints the decision. With
``--json``: exactly the GraphQL ``Decision`` shape, or ``{"missingData": [...]}``. The decision
is stamped ``decided_at`` = midnight UTC of ``--on``, so the output is the same on every run.
``--agency-down`` (repeatable) makes that agency's facts unknown, to see what the engine does
when it does not answer.

Exit status: 0 with a decision or insufficient data; 2 for bad arguments, an unknown household,
an unreadable world file or an application date the engine does not model.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

AGENCY_KEYS = (
    "tax",
    "property",
    "utilities",
    "migration",
    "vehicles",
    "social_insurance",
    "disability",
    "employment",
    "education",
    "conscription",
    "justice",
    "agriculture",
    "telecom",
)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--world", required=True, metavar="FILE", help="world file (YAML or JSON)")
    parser.add_argument("--household", required=True, metavar="ID", help="household id")
    parser.add_argument("--on", required=True, type=_date, metavar="DATE", help="application date")
    parser.add_argument("--json", action="store_true", help="print the GraphQL Decision shape")
    parser.add_argument(
        "--agency-down",
        action="append",
        default=[],
        choices=AGENCY_KEYS,
        metavar="KEY",
        help="treat this agency as not answering (repeatable)",
    )


def run(args: argparse.Namespace) -> int:
    import json
    from datetime import UTC, datetime, time

    from assessment import (
        SUPPORTED_FROM,
        InsufficientData,
        UnsupportedApplicationDate,
        assess,
        decision_to_json,
        missing_to_json,
    )
    from gateway.world_facts import household_facts
    from mocks.world_io import WorldError, load_world

    if args.on < SUPPORTED_FROM:
        print(f"vemtas assess: {UnsupportedApplicationDate(args.on)}", file=sys.stderr)
        return 2
    try:
        world = load_world(args.world)
    except (OSError, WorldError) as exc:
        print(f"vemtas assess: cannot read world file: {exc}", file=sys.stderr)
        return 2
    household = world.household(args.household)
    if household is None:
        print(f"vemtas assess: no household {args.household!r} in {args.world}", file=sys.stderr)
        return 2
    decided_at = datetime.combine(args.on, time(0), tzinfo=UTC)
    facts = household_facts(household, args.on, decided_at, unavailable=args.agency_down)
    result = assess(facts, args.on, decided_at)
    if isinstance(result, InsufficientData):
        payload = missing_to_json(result)
    else:
        payload = decision_to_json(result)
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(render_text(payload, household.id))
    return 0


def render_text(payload: dict[str, Any], household_id: str) -> str:
    """A short human reading of the JSON payload (English messages)."""
    if "missingData" in payload:
        lines = [f"Household {household_id}: insufficient data; the application would wait for:"]
        lines += [
            f"  - {item['input']} ({item['agency']})"
            + (f" for {item['fin']}" if item["fin"] else "")
            for item in payload["missingData"]
        ]
        return "\n".join(lines)
    c = payload["calculation"]
    lines = [
        f"Household {household_id}, application of {c['applicationDate']}: {payload['outcome']}"
    ]
    if payload["monthlyAmount"] is not None:
        lines.append(
            f"  amount: {payload['monthlyAmount']} AZN a month, "
            f"{payload['periodStart']} to {payload['periodEnd']}"
        )
    lines.append("  reasons:")
    lines += [f"    {r['kind']:<10} {r['code']}: {r['messages']['en']}" for r in payload["reasons"]]
    not_counted = ", ".join(f"{n['fin']} ({'/'.join(n['reasons'])})" for n in c["notCounted"])
    lines += [
        "  calculation:",
        f"    need criterion {c['needCriterion']} × {c['countedMembers']} counted = "
        f"threshold {c['threshold']}" + (f"; not counted: {not_counted}" if not_counted else ""),
        f"    income {c['incomeWindowStart']} to {c['incomeWindowEnd']}: total {c['totalIncome']}, "
        f"average {c['averageMonthlyIncome']} a month",
    ]
    lines += [
        f"      {s['source'].lower()}: {s['total']} ({s['monthlyAverage']} a month)"
        for s in c["incomeBySource"]
    ]
    lines += [f"      excluded {s['source'].lower()}: {s['total']}" for s in c["excludedIncome"]]
    per_person = c["utilityCostPerPerson"] or "n/a"
    lines += [
        f"    utilities and communication per person: {per_person} "
        f"(limit {c['utilityLimitPerPerson']})",
        f"    purchases in the window: {c['purchases']} (limit {c['purchasesLimit']})",
    ]
    lines += [f"    supplement {s['kind']} for {s['fin']}: {s['amount']}" for s in c["supplements"]]
    assumed = [p["name"] for p in payload["parameters"] if p["status"] == "ASSUMED"]
    if assumed:
        lines.append(f"  assumed parameters used: {', '.join(assumed)}")
    lines.append(f"  rules version {payload['rulesVersion']}")
    return "\n".join(lines)
