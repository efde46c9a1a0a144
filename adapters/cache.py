"""The answer cache shared by every agency adapter: aiocache, in memory or on Redis.

One entry per agency, operation, arguments and *key* (FIN, address, household id), so a batch
for ``[A, B]`` after one for ``[A]`` asks the agency only for ``B``. An entry remembers when
it was stored; it is fresh for the agency's time to live, then kept ``stale_grace`` seconds more
only to be served if the agency fails (stale-if-error), then gone.

Cache keys read ``<namespace>:<agency>:<operation>:<digest>``: the agency and operation in
clear, the arguments and key as a SHA-256 digest, so that FINs and addresses never appear in
Redis key listings or monitors. The cache *fails open*: any cache error is logged (without keys
or values) and the call is served as if nothing were cached.
"""

from __future__ import annotations

import copyreg
import dataclasses
import enum
import hashlib
import io
import logging
import operator
import pickle
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiocache import Cache, SimpleMemoryCache
from aiocache.serializers import PickleSerializer

from adapters import records
from adapters.codec import RecordSerializer

log = logging.getLogger(__name__)

ABSENT: Any = None
"""Stored for a key the agency holds nothing for (so it is not asked again)."""


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    """A cached value (``None`` for absent) and when it was stored (``clock()`` seconds)."""

    value: Any
    stored_at: float


def cache_key(namespace: str, agency: str, operation: str, args: Sequence[str], key: str) -> str:
    return cache_keys(namespace, agency, operation, args, (key,))[0]


def cache_keys(
    namespace: str, agency: str, operation: str, args: Sequence[str], keys: Iterable[str]
) -> list[str]:
    """:func:`cache_key` of each of ``keys`` (the same arguments for all)."""
    prefix = f"{namespace}:{agency}:{operation}:"
    joined = "".join(f"{arg}\x1f" for arg in args).encode()
    sha256 = hashlib.sha256
    return [prefix + sha256(joined + key.encode()).hexdigest()[:40] for key in keys]


class AnswerCache:
    """Per-key get and set over an aiocache backend; never raises."""

    def __init__(self, backend: Any, *, timeout: float) -> None:
        self._backend = backend
        self._timeout = timeout

    @classmethod
    def from_url(cls, url: str, *, timeout: float) -> AnswerCache:
        """``memory://`` (values pickled, in this process's memory) or
        ``redis://[:password@]host[:port][/db]`` (values through :class:`RecordSerializer`)."""
        parts = urlsplit(url)
        if parts.scheme == "memory":
            # no timeout in memory (nothing to wait for): aiocache would wrap every operation
            # in a task of its own to time it
            # entries pickled: one bytes object each, which the garbage collector never walks
            # (kept as objects, a large cache made every full collection longer) and which
            # takes less memory; nothing but this process writes them
            return cls(
                SimpleMemoryCache(serializer=RecordPickleSerializer(), timeout=None),
                timeout=timeout,
            )
        if parts.scheme in ("redis", "rediss"):
            db = parts.path.strip("/") or "0"
            backend = Cache(
                Cache.REDIS,
                endpoint=parts.hostname or "127.0.0.1",
                port=parts.port or 6379,
                db=int(db),
                password=parts.password,
                ssl=parts.scheme == "rediss",
                serializer=RecordSerializer(),
                timeout=timeout,
                create_connection_timeout=timeout,
            )
            return cls(backend, timeout=timeout)
        raise ValueError("cache URL must be memory:// or redis://")

    async def get_many(self, keys: Sequence[str]) -> dict[str, CachedAnswer]:
        if not keys:
            return {}
        try:
            values = await self._backend.multi_get(list(keys))
        except Exception:
            log.warning("agency cache read failed; serving uncached", exc_info=False)
            return {}
        found: dict[str, CachedAnswer] = {}
        for key, value in zip(keys, values, strict=True):
            entry = _entry(value)
            if entry is not None:
                found[key] = entry
        return found

    async def set_many(self, entries: Mapping[str, CachedAnswer], ttl: int) -> None:
        if not entries or ttl <= 0:
            return
        try:
            await self._backend.multi_set(
                [(key, (entry.stored_at, entry.value)) for key, entry in entries.items()],
                ttl=ttl,
            )
        except Exception:
            log.warning("agency cache write failed; answer not cached", exc_info=False)

    async def clear(self, namespace: str) -> None:
        """Remove this namespace's entries (tests and operators)."""
        try:
            await self._backend.clear(namespace=namespace)
        except Exception:
            log.warning("agency cache clear failed", exc_info=False)

    async def close(self) -> None:
        try:
            client = getattr(self._backend, "client", None)
            if client is not None and hasattr(client, "aclose"):
                # redis-py 5+: close() is deprecated, and aiocache's pool is not the client's
                await client.aclose(close_connection_pool=True)
            else:
                await self._backend.close()
        except Exception:
            log.warning("agency cache close failed", exc_info=False)


def _entry(value: Any) -> CachedAnswer | None:
    # (stored_at, value); anything else (another writer's data, a half-written entry) is a miss
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], float | int):
        return CachedAnswer(value=value[1], stored_at=float(value[0]))
    return None


# --- the memory backend's serializer -------------------------------------------------------------


def _reducers() -> dict[Any, Any]:
    """Pickle reducers for the records and their enums: ``(class, field values)`` and the
    member by name. The defaults go through Python-level ``__getstate__``/``__setstate__``
    that look the fields up on every record, and through the enum's own lookup by value; this
    is the same round trip (equal records of the same class, the very enum members), at about
    half the CPU."""
    table: dict[Any, Any] = dict(copyreg.dispatch_table)
    for value in vars(records).values():
        if not isinstance(value, type) or value.__module__ != records.__name__:
            continue
        if issubclass(value, enum.Enum):
            table[value] = _member
        elif dataclasses.is_dataclass(value):
            names = [f.name for f in dataclasses.fields(value) if f.init]
            table[value] = _reducer(value, names)
    return table


def _member(member: enum.Enum) -> tuple[Any, tuple[Any, ...]]:
    return getattr, (type(member), member.name)


def _reducer(cls: type, names: list[str]) -> Callable[[Any], tuple[Any, tuple[Any, ...]]]:
    if len(names) == 1:
        (name,) = names
        return lambda record: (cls, (getattr(record, name),))
    values = operator.attrgetter(*names)
    return lambda record: (cls, values(record))


class _RecordPickler(pickle.Pickler):
    dispatch_table = _reducers()


class RecordPickleSerializer(PickleSerializer):  # type: ignore[misc]
    """aiocache's ``PickleSerializer`` (protocol 5) with :func:`_reducers` for the records and
    their enums; ``loads`` is ``PickleSerializer``'s (``pickle.loads``). For the ``memory://``
    backend only: nothing but this process writes what it reads."""

    def __init__(self) -> None:
        super().__init__(protocol=5)

    def dumps(self, value: Any) -> bytes:
        buffer = io.BytesIO()
        _RecordPickler(buffer, protocol=self.protocol).dump(value)
        return buffer.getvalue()
