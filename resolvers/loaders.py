"""Per-request DataLoaders: every agency lookup asked for during one GraphQL request is collected
and sent as one batch call per agency operation (N families cost one call per agency).

A loader's batch function turns an :class:`~adapters.errors.AgencyError` into that error for
every key of the batch, so the failing agency costs only the fields that asked for it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from adapters.errors import AgencyError
from resolvers.staleness import StaleByKey, TrackedLoader, noting_staleness

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

BatchCall = Callable[[list[K]], Awaitable[Mapping[K, V]]]


def _batched(call: BatchCall[K, V], default: Callable[[K], V | BaseException]) -> Any:
    async def load(keys: list[K]) -> list[V | BaseException]:
        unique = list(dict.fromkeys(keys))
        try:
            found = await call(unique)
        except AgencyError as exc:
            return [exc for _ in keys]
        return [found[k] if k in found else default(k) for k in keys]

    return load


def batch_loader(
    call: BatchCall[K, V], default: Callable[[K], V | BaseException]
) -> DataLoader[K, V]:
    """A DataLoader over an adapter batch method; ``default`` answers keys the agency omitted.
    It knows which keys were answered from stale cache (:mod:`resolvers.staleness`)."""
    stale: StaleByKey = {}
    return TrackedLoader(_batched(noting_staleness(call, stale), default), stale)


class LoaderRegistry:
    """Lazily created loaders, one per (agency operation, extra arguments) per request."""

    def __init__(self) -> None:
        self._loaders: dict[tuple[Hashable, ...], DataLoader[Any, Any]] = {}

    def get(
        self,
        name: str,
        args: tuple[Hashable, ...],
        factory: Callable[[], DataLoader[Any, Any]],
    ) -> DataLoader[Any, Any]:
        key = (name, *args)
        loader = self._loaders.get(key)
        if loader is None:
            loader = self._loaders[key] = factory()
        return loader

    def clear(self) -> None:
        """Forget every loader (their batch functions refer back to the request's context:
        a reference cycle the garbage collector would otherwise have to find)."""
        self._loaders.clear()


def month_window(before: date, months: int) -> tuple[date, date]:
    """The ``months`` full calendar months before the month of ``before`` (first days)."""
    last_year, last_month = before.year, before.month - 1
    if last_month == 0:
        last_year, last_month = last_year - 1, 12
    index = last_year * 12 + (last_month - 1) - (months - 1)
    first = date(index // 12, index % 12 + 1, 1)
    return first, date(last_year, last_month, 1)


def keys_in_order(keys: Sequence[K]) -> list[K]:
    return list(dict.fromkeys(keys))
