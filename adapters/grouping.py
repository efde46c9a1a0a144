"""Pure helpers: records grouped by key (only for the keys asked)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Any, TypeVar

from adapters.shape import ShapeError

R = TypeVar("R")


def grouped(
    records: Iterable[R],
    asked: Collection[str],
    *,
    key: Callable[[R], str],
    order: Callable[[R], Any] | None = None,
) -> dict[str, tuple[R, ...]]:
    """``{key: (records…)}`` for records whose key was asked; other records are dropped (an
    agency must not slip in data nobody asked for). Sorted by ``order`` when given."""
    groups: dict[str, list[R]] = {}
    for record in records:
        k = key(record)
        if k in asked:
            groups.setdefault(k, []).append(record)
    if order is not None:
        return {k: tuple(sorted(v, key=order)) for k, v in groups.items()}
    return {k: tuple(v) for k, v in groups.items()}


def one_each(
    records: Iterable[R], asked: Collection[str], *, key: Callable[[R], str], what: str
) -> dict[str, R]:
    """``{key: record}`` for records whose key was asked; two records for one key is a bad
    answer (the fact is one per person)."""
    found: dict[str, R] = {}
    for record in records:
        k = key(record)
        if k not in asked:
            continue
        if k in found:
            raise ShapeError(what, "at most one record per person")
        found[k] = record
    return found
