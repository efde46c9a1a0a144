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

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiocache import Cache, SimpleMemoryCache
from aiocache.serializers import PickleSerializer

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
    digest = hashlib.sha256("\x1f".join((*args, key)).encode()).hexdigest()[:40]
    return f"{namespace}:{agency}:{operation}:{digest}"


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
                SimpleMemoryCache(serializer=PickleSerializer(protocol=5), timeout=None),
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
