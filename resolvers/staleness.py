"""No decision rests on a stale agency answer: the rule the dry run and the decision path share.

When an agency fails, the adapters may serve its answers from the cache past their time to live
(stale-if-error, :mod:`adapters.agency`). That is right for reads — a household's incomes are
still shown — but not for a decision: an answer kept only because the agency failed counts as
missing until the agency answers again.

- :func:`answers_used` collects, for the code run inside it, every (agency operation, key) it
  asked through the request's DataLoaders — wherever the answer came from: the agency, the
  adapters' cache, or a DataLoader batch another field of the same request had started;
- :class:`TrackedLoader` is the DataLoader that makes this possible: it remembers, per key, the
  agency operations that answered it stale (the adapters report them to
  :func:`adapters.base.track_staleness`; the batch function collects them per batch here);
- :func:`require_fresh_answers` is the rule: the engine's result, unless some answer used was
  stale — then :class:`StaleAnswers`, naming each stale agency operation as an input
  ``agency.operation`` of the whole household (no FIN), sorted.

A key's staleness is kept per request and per DataLoader, so it does not matter which field of
a request started the batch that served it, nor whether the answer came from the DataLoader's
own cache; and one family's stale answers never mark another family's fresh ones. (A plain
``with track_staleness()`` around the work is not enough when the DataLoaders are shared: the
adapters report to the context of the task that runs a batch, which is the context of whichever
field first asked that loader — another field, or another family's dry run.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from adapters.base import Batch, report_stale, track_staleness
from assessment import Decision, InsufficientData

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Operation = tuple[str, str]
"""An agency operation as the adapters name it: (agency key, operation), e.g. ("tax", "incomes")."""

StaleByKey = dict[Any, frozenset[Operation]]
BatchCall = Callable[[list[K]], Awaitable[Mapping[K, V]]]


# --- the rule ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class StaleInput:
    """An input no decision may rest on: one agency operation answered from stale cache.
    ``input`` is ``agency.operation`` (e.g. ``tax.incomes``); ``fin`` is always ``None`` (the
    operation, for the whole household)."""

    agency: str
    input: str
    fin: str | None = None


@dataclass(frozen=True, slots=True)
class StaleAnswers:
    """No decision: these inputs were answered only from stale cache (the agency failed)."""

    missing: tuple[StaleInput, ...]


def stale_inputs(operations: Iterable[Operation]) -> tuple[StaleInput, ...]:
    """The stale agency operations as missing inputs, one per operation, by agency then
    operation."""
    return tuple(
        StaleInput(agency, f"{agency}.{operation}") for agency, operation in sorted(set(operations))
    )


def require_fresh_answers(
    result: Decision | InsufficientData, stale: Iterable[Operation]
) -> Decision | InsufficientData | StaleAnswers:
    """The engine's ``result``, unless any answer it was given was stale (``stale``: the agency
    operations that answered from stale cache): then :class:`StaleAnswers` naming only those,
    whatever the engine found — a decision never rests on an answer the cache kept past its time
    because the agency failed."""
    missing = stale_inputs(stale)
    return StaleAnswers(missing) if missing else result


# --- which answers were used, and which of them were stale -----------------------------------


@dataclass(eq=False)
class AnswersUsed:
    """The (DataLoader, key) pairs asked inside :func:`answers_used`; read
    :attr:`stale_operations` once the work is done (the loads have then been answered)."""

    asked: list[tuple[StaleByKey, Any]] = field(default_factory=list)
    parent: AnswersUsed | None = None

    def note(self, stale: StaleByKey, key: Any) -> None:
        report: AnswersUsed | None = self
        while report is not None:  # an enclosing block sees what an inner one asked
            report.asked.append((stale, key))
            report = report.parent

    @property
    def stale_operations(self) -> frozenset[Operation]:
        """The agency operations that answered some key asked here from stale cache."""
        return frozenset(op for stale, key in self.asked for op in stale.get(key, ()))


_used: ContextVar[AnswersUsed | None] = ContextVar("vemtas_answers_used", default=None)


@contextmanager
def answers_used() -> Iterator[AnswersUsed]:
    """Collect every DataLoader key asked inside this block (and tasks started from it)."""
    report = AnswersUsed(parent=_used.get())
    token = _used.set(report)
    try:
        yield report
    finally:
        _used.reset(token)


class TrackedLoader(DataLoader[K, V]):
    """A request's DataLoader over one adapter batch method that knows which keys were answered
    stale (``stale``, filled by :func:`noting_staleness`) and tells :func:`answers_used` which
    keys it is asked."""

    def __init__(
        self,
        load_fn: Callable[[list[K]], Awaitable[Any]],
        stale: StaleByKey,
    ) -> None:
        super().__init__(load_fn=load_fn)
        self.stale = stale

    def load(self, key: K) -> Awaitable[V]:
        report = _used.get()
        if report is not None:
            report.note(self.stale, key)
        return super().load(key)


def noting_staleness(call: BatchCall[K, V], stale: StaleByKey) -> BatchCall[K, V]:
    """``call`` (one adapter batch read), recording in ``stale`` the agency operations that
    answered each key from stale cache. The operations are still reported to whoever tracks the
    context the batch runs in (:func:`adapters.base.track_staleness`)."""

    async def noted(keys: list[K]) -> Mapping[K, V]:
        with track_staleness() as report:
            found = await call(keys)
        if report.stale:
            operations = frozenset(report.operations)
            # an adapter's Batch says which keys; anything else: every key of the call
            marked = found.stale_keys if isinstance(found, Batch) and found.stale_keys else keys
            for key in marked:
                stale[key] = stale.get(key, frozenset()) | operations
            for agency, operation in operations:
                report_stale(agency, operation)
        return found

    return noted
