"""The part of every adapter that is not about its protocol: per-key caching around guarded calls.

:meth:`AgencyCore.batch` answers a batch of keys (FINs, addresses, household ids):

1. keys are de-duplicated; each key's cached entry is looked up (one ``multi_get``);
2. keys fresh in the cache are answered from it; the rest are fetched from the agency in calls
   of at most 500 keys, each under the agency's :class:`~adapters.resilience.Guard`;
3. every fetched key is cached, including keys the agency holds nothing for (so they are not
   asked again within the time to live);
4. stale-if-error: when the agency call fails (unavailable, timed out, bad answer) and *every*
   key that had to be fetched still has an entry within ``ttl + stale_grace``, those entries
   are served and reported stale — in the returned :class:`~adapters.base.Batch`'s
   ``stale_keys`` and to :func:`~adapters.base.track_staleness`. Otherwise the error is raised.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from adapters.base import MAX_BATCH, AdapterConfig, Batch, report_stale, wants_fresh_answers
from adapters.cache import ABSENT, AnswerCache, CachedAnswer, cache_keys
from adapters.errors import AgencyBadResponse, AgencyTimeout, AgencyUnavailable
from adapters.http import map_http_errors
from adapters.resilience import Guard

V = TypeVar("V")
log = logging.getLogger(__name__)

Fetch = Callable[[list[str]], Awaitable[Mapping[str, Any]]]


class _NoDefault:
    pass


NO_DEFAULT: Any = _NoDefault()


class AgencyCore:
    """Cache, guard and batching for one agency; each adapter owns one."""

    def __init__(self, agency: str, config: AdapterConfig, cache: AnswerCache) -> None:
        self.agency = agency
        self.config = config
        self.cache = cache
        self.guard = Guard(agency, config)

    async def batch(
        self,
        operation: str,
        keys: Sequence[str],
        fetch: Callable[[list[str]], Awaitable[Mapping[str, V]]],
        *,
        args: Sequence[str] = (),
        default: V = NO_DEFAULT,
    ) -> Batch[str, V]:
        """Every key asked → its value; a key without a value gets ``default``, or is left
        out when there is no default. ``fetch`` makes one agency call for up to 500 keys
        (errors already translated); ``args`` are the call's other arguments (for the key)."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return Batch()
        config = self.config
        ttl = config.ttl(self.agency)
        grace = max(0, config.stale_grace)
        in_cache = cache_keys(config.cache_namespace, self.agency, operation, args, wanted)
        keys_in_cache = dict(zip(wanted, in_cache, strict=True))
        read_cache = ttl > 0 and not wants_fresh_answers()
        cached = await self.cache.get_many(in_cache) if read_cache else {}
        now = config.clock()
        values: dict[str, Any] = {}
        stale: dict[str, CachedAnswer] = {}
        missing: list[str] = []
        if not cached:
            missing = wanted
        else:
            for key in wanted:
                entry = cached.get(keys_in_cache[key])
                age = None if entry is None else now - entry.stored_at
                if entry is not None and age is not None and 0 <= age < ttl:
                    values[key] = entry.value
                    continue
                missing.append(key)
                if entry is not None and age is not None and 0 <= age < ttl + grace:
                    stale[key] = entry

        stale_keys: frozenset[str] = frozenset()
        if missing:
            try:
                fetched = await self._fetch(missing, fetch)
            except (AgencyUnavailable, AgencyTimeout, AgencyBadResponse) as exc:
                if not all(key in stale for key in missing):
                    raise
                log.warning(
                    "serving stale agency answers",
                    extra={"agency": self.agency, "operation": operation, "error": exc.code},
                )
                for key in missing:
                    values[key] = stale[key].value
                stale_keys = frozenset(missing)
                report_stale(self.agency, operation)
            else:
                stored_at = config.clock()
                fresh: dict[str, CachedAnswer] = {}
                no_value = ABSENT if default is NO_DEFAULT else default
                for key in missing:
                    value = fetched.get(key, no_value)
                    values[key] = value
                    fresh[keys_in_cache[key]] = CachedAnswer(value=value, stored_at=stored_at)
                if ttl > 0:
                    await self.cache.set_many(fresh, ttl + grace)

        answer: Batch[str, V] = Batch(
            {key: values[key] for key in wanted if values.get(key) is not ABSENT},
            stale_keys=stale_keys,
        )
        return answer

    async def _fetch(
        self, keys: list[str], fetch: Callable[[list[str]], Awaitable[Mapping[str, V]]]
    ) -> dict[str, V]:
        chunks = [keys[i : i + MAX_BATCH] for i in range(0, len(keys), MAX_BATCH)]

        async def one(chunk: list[str]) -> Mapping[str, V]:
            return await self.guard.call(lambda: fetch(chunk))

        if len(chunks) == 1:
            return dict(await one(chunks[0]))
        answers = await asyncio.gather(*(one(c) for c in chunks), return_exceptions=True)
        merged: dict[str, V] = {}
        for answer in answers:
            if isinstance(answer, BaseException):
                raise answer
            merged.update(answer)
        return merged


def fetcher(
    agency: str,
    request: Callable[[list[str]], Awaitable[Any]],
    parse: Callable[[Any, frozenset[str]], Mapping[str, V]],
) -> Callable[[list[str]], Awaitable[Mapping[str, V]]]:
    """One agency call for a chunk of keys: ``request`` (I/O) then ``parse`` (pure mapping),
    whose shape errors become ``AgencyBadResponse``."""

    async def fetch(chunk: list[str]) -> Mapping[str, V]:
        payload = await request(chunk)
        with map_http_errors(agency):
            return parse(payload, frozenset(chunk))

    return fetch
