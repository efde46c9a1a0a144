"""What every mock agency shares: the world it serves from, the call log and the fault board.

One :class:`MockState` per mock server. The world sits in a :class:`WorldHolder` so that the test
controls can replace it (``PUT /_admin/world``) while agencies keep answering; every request reads
``state.world`` once and answers from that world only.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from mocks.faults import FaultBoard
from mocks.world import MonthlyStream, World

#: Every agency this server mounts, in the order of the catalog (agencies.md).
AGENCY_KEYS: tuple[str, ...] = (
    "population",
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
    "bank",
    "messaging",
)

#: How many X-Road identifier sets ``GET /_admin/calls`` keeps per agency and operation.
LAST_CALLS_KEPT = 20


class XRoadIds(NamedTuple):
    """The X-Road identifiers a call carried (``None`` where the caller sent none); a named
    tuple, the cheapest immutable record to make once per call."""

    id: str | None = None
    user_id: str | None = None
    issue: str | None = None
    client: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {"id": self.id, "userId": self.user_id, "issue": self.issue, "client": self.client}


class WorldHolder:
    """The world currently served; replaced as a whole, never mutated in place."""

    def __init__(self, world: World) -> None:
        self.world = world


@dataclass(slots=True)
class _OperationCalls:
    count: int = 0
    last: deque[XRoadIds] = field(default_factory=lambda: deque(maxlen=LAST_CALLS_KEPT))


class CallLog:
    """Calls per agency and operation: a count and the X-Road ids of the last calls."""

    def __init__(self, agencies: Iterable[str]) -> None:
        self._agencies = tuple(agencies)
        self._calls: dict[str, dict[str, _OperationCalls]] = {a: {} for a in self._agencies}

    def record(self, agency: str, operation: str, ids: XRoadIds) -> None:
        by_operation = self._calls[agency]
        calls = by_operation.get(operation)
        if calls is None:
            calls = by_operation[operation] = _OperationCalls()
        calls.count += 1
        calls.last.append(ids)

    def count(self, agency: str, operation: str | None = None) -> int:
        by_operation = self._calls[agency]
        if operation is not None:
            found = by_operation.get(operation)
            return found.count if found else 0
        return sum(c.count for c in by_operation.values())

    def reset(self) -> None:
        self._calls = {a: {} for a in self._agencies}

    def to_json(self) -> dict[str, dict[str, dict[str, object]]]:
        """The shape of ``GET /_admin/calls``: every agency key, ``{}`` for one not called."""
        return {
            agency: {
                operation: {"count": c.count, "last": [ids.to_json() for ids in c.last]}
                for operation, c in by_operation.items()
            }
            for agency, by_operation in self._calls.items()
        }


@dataclass(slots=True)
class MockState:
    """Everything a mock server's endpoints share."""

    holder: WorldHolder
    calls: CallLog
    faults: FaultBoard
    base_url: str = "http://127.0.0.1:8100"
    #: What the outbound agencies (``bank``, ``messaging``) keep beyond the world: their orders
    #: and outboxes, by agency key (each module creates and reads its own entry).
    ledgers: dict[str, object] = field(default_factory=dict)

    @property
    def world(self) -> World:
        return self.holder.world

    @classmethod
    def create(
        cls,
        world: World,
        *,
        base_url: str = "http://127.0.0.1:8100",
        agencies: Iterable[str] = AGENCY_KEYS,
        faults: FaultBoard | None = None,
    ) -> MockState:
        keys = tuple(agencies)
        return cls(
            holder=WorldHolder(world),
            calls=CallLog(keys),
            faults=faults or FaultBoard(keys),
            base_url=base_url.rstrip("/"),
        )


def header_ids(headers: Mapping[str, str]) -> XRoadIds:
    """The X-Road identifiers of a REST call, from its ``X-Road-*`` headers."""
    return XRoadIds(
        id=headers.get("x-road-id"),
        user_id=headers.get("x-road-userid"),
        issue=headers.get("x-road-issue"),
        client=headers.get("x-road-client"),
    )


_ZERO = Decimal("0")
_CENT = Decimal("0.01")
#: "YYYY-MM" by month number (year * 12 + month - 1), filled as months are asked for.
_MONTH_TEXTS: dict[int, str] = {}


def _month_text(number: int) -> str:
    text = _MONTH_TEXTS.get(number)
    if text is None:
        year, month = divmod(number, 12)
        text = _MONTH_TEXTS[number] = f"{year:04d}-{month + 1:02d}"
    return text


def monthly_amounts(
    streams: Iterable[MonthlyStream], first: date, last: date
) -> list[tuple[str, str]]:
    """The sum of ``streams`` in each month from ``first`` to ``last``, in month order, as
    ``("YYYY-MM", amount with two decimals)``; months summing to zero are left out (an agency has
    no record of a month nobody paid or was charged)."""
    spans: list[tuple[int, int, Decimal]] = []
    for stream in streams:
        start, end = max(first, stream.from_month), min(last, stream.until_month)
        if start <= end:
            spans.append(
                (start.year * 12 + start.month - 1, end.year * 12 + end.month, stream.monthly)
            )
    if not spans:
        return []
    if len(spans) == 1:  # the usual case: one amount, the same every month
        begin, stop, monthly = spans[0]
        amount = _ZERO + monthly
        if amount == 0:
            return []
        text = f"{amount.quantize(_CENT):f}"
        return [(_month_text(number), text) for number in range(begin, stop)]
    totals: dict[int, Decimal] = {}
    for begin, stop, monthly in spans:
        for number in range(begin, stop):
            totals[number] = totals.get(number, _ZERO) + monthly
    return [
        (_month_text(number), f"{amount.quantize(_CENT):f}")
        for number, amount in sorted(totals.items())
        if amount != 0
    ]
