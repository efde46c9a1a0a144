"""The answer cache: exact round trips (memory and Redis), keys without personal data, and a
cache that fails open."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest

from adapters import codec
from adapters.base import CallContext
from adapters.cache import AnswerCache, cache_key
from adapters.records import (
    FamilyMemberRecord,
    FamilyRecord,
    FarmerRecord,
    IncomeSource,
    LivestockRecord,
    MonthlyIncomeRecord,
    PersonRecord,
    Relation,
    Sex,
    UtilityChargeRecord,
    UtilityKind,
)
from adapters.registry import open_adapters
from tests.services import require_redis

CTX = CallContext(user_id="caseworker-17", issue="APP-2026-000123")
AYNUR = "5ZX3K8P"

SAMPLES: list[Any] = [
    PersonRecord(
        AYNUR,
        "AA1234567",
        "Aynur",
        "Məmmədova",
        None,
        date(1988, 4, 2),
        Sex.F,
        None,
        "Şərifzadə küç. 12",
        False,
        None,
    ),
    FamilyRecord("HH-1", "Yasamal", "x", (FamilyMemberRecord(AYNUR, Relation.HEAD),)),
    (MonthlyIncomeRecord(AYNUR, date(2026, 1, 1), IncomeSource.WAGE, Decimal("450.00")),),
    FarmerRecord(AYNUR, Decimal("0.50"), LivestockRecord(1, 4, 0, 0, 10)),
    UtilityChargeRecord(UtilityKind.COMMUNICATION, date(2026, 1, 1), Decimal("12.00"), fin=AYNUR),
    (),
    None,
    True,
    (1_700_000_000.5, (Decimal("0.10"),)),
]


@pytest.mark.parametrize("value", SAMPLES)
def test_cached_records_come_back_exactly(value: Any) -> None:
    restored = codec.loads(codec.dumps(value))
    assert restored == value
    assert type(restored) is type(value)
    assert repr(restored) == repr(value)  # Decimal("450.00") stays "450.00"


@pytest.mark.parametrize(
    "stored",
    [
        b'{"$r": "Popen", "f": {}}',
        b'{"$e": "Sex", "v": "X"}',
        b'{"$r": "PersonRecord", "f": {"fin": "x"}}',
        b'{"$x": 1}',
        b"[1, 2]",
        b"not json",
    ],
)
def test_foreign_cached_data_is_refused(stored: bytes) -> None:
    with pytest.raises(codec.CodecError):
        codec.loads(stored)


@pytest.mark.parametrize("value", [datetime(2026, 1, 1), [1], {1, 2}, object()])
def test_values_outside_the_records_are_not_cached(value: Any) -> None:
    with pytest.raises(codec.CodecError):
        codec.dumps(value)


def test_cache_keys_name_agency_and_operation_but_no_personal_data() -> None:
    key = cache_key("vemtas", "tax", "incomes", ("2026-01", "2026-03"), AYNUR)
    assert key.startswith("vemtas:tax:incomes:")
    assert AYNUR not in key
    assert key != cache_key("vemtas", "tax", "incomes", ("2026-01", "2026-04"), AYNUR)
    assert key != cache_key("vemtas", "tax", "taxpayers", ("2026-01", "2026-03"), AYNUR)


class BrokenBackend:
    async def multi_get(self, keys: Any) -> Any:
        raise ConnectionError("cache down")

    async def multi_set(self, pairs: Any, ttl: Any = None) -> Any:
        raise ConnectionError("cache down")

    async def close(self) -> None:
        raise ConnectionError("cache down")


def persons_answer(request: httpx.Request) -> httpx.Response:
    fins = orjson.loads(request.content)["fins"]
    persons = [
        {
            "fin": fin,
            "id_card": "AA1234567",
            "first_name": "Aynur",
            "last_name": "Məmmədova",
            "patronymic": None,
            "birth_date": "1988-04-02",
            "sex": "F",
            "citizenship": "AZ",
            "address": "Bakı",
            "wanted": False,
            "died_on": None,
        }
        for fin in fins
    ]
    return httpx.Response(200, json={"persons": persons, "not_found": []})


async def test_a_broken_cache_fails_open(
    clock: Any, make_config: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    broken = AnswerCache(BrokenBackend(), timeout=0.1)
    monkeypatch.setattr(AnswerCache, "from_url", classmethod(lambda cls, url, timeout: broken))
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return persons_answer(request)

    async with open_adapters(make_config(clock), transport=httpx.MockTransport(answer)) as a:
        first = await a.population.persons([AYNUR], CTX)
        second = await a.population.persons([AYNUR], CTX)
    assert first == second and first[AYNUR].first_name == "Aynur"
    assert len(seen) == 2  # served uncached
    assert "cache" in caplog.text
    assert AYNUR not in caplog.text


def test_only_memory_and_redis_caches_are_accepted() -> None:
    with pytest.raises(ValueError, match="memory:// or redis://"):
        AnswerCache.from_url("memcached://127.0.0.1", timeout=0.1)


# --- Redis (VEMTAS_TEST_REDIS_URL) ------------------------------------------------------------


@pytest.fixture
def redis_url() -> str:
    return require_redis()


@pytest.mark.redis
async def test_records_round_trip_through_redis_and_spare_the_agency(
    redis_url: str, clock: Any, make_config: Any
) -> None:
    namespace = f"vemtas-test-{uuid.uuid4().hex}"
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return persons_answer(request)

    config = make_config(clock, cache_url=redis_url, cache_namespace=namespace, cache_timeout=2.0)
    try:
        async with open_adapters(config, transport=httpx.MockTransport(answer)) as a:
            first = await a.population.persons([AYNUR, "7QW2R9T"], CTX)
        # a second process (new adapters, same Redis) is served from the cache
        async with open_adapters(config, transport=httpx.MockTransport(answer)) as a:
            second = await a.population.persons([AYNUR, "7QW2R9T"], CTX)
            assert second == first
            assert repr(second[AYNUR]) == repr(first[AYNUR])
            assert len(seen) == 1
            # stale-if-error across processes too
            clock.advance(301)
            down = httpx.MockTransport(lambda request: httpx.Response(503))
        async with open_adapters(config, transport=down) as a:
            stale = await a.population.persons([AYNUR], CTX)
            assert stale.stale and stale[AYNUR] == first[AYNUR]
    finally:
        async with open_adapters(config, transport=httpx.MockTransport(answer)) as a:
            await a.cache.clear(namespace)


@pytest.mark.redis
async def test_redis_entries_carry_a_time_to_live(redis_url: str) -> None:
    import redis.asyncio as redis_client

    namespace = f"vemtas-test-{uuid.uuid4().hex}"
    cache = AnswerCache.from_url(redis_url, timeout=2.0)
    key = cache_key(namespace, "population", "persons", (), AYNUR)
    try:
        from adapters.cache import CachedAnswer

        await cache.set_many({key: CachedAnswer(value=None, stored_at=1.0)}, ttl=120)
        client = redis_client.from_url(redis_url)
        try:
            ttl = await client.ttl(key)
        finally:
            await client.aclose()
        assert 0 < ttl <= 120
    finally:
        await cache.clear(namespace)
        await cache.close()


# --- memory -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", SAMPLES)
async def test_memory_entries_come_back_exactly_and_unshared(value: Any) -> None:
    from adapters.cache import CachedAnswer

    cache = AnswerCache.from_url("memory://", timeout=0.1)
    key = cache_key("vemtas-test", "population", "persons", (), AYNUR)
    try:
        await cache.set_many({key: CachedAnswer(value=value, stored_at=12.5)}, ttl=120)
        found = await cache.get_many([key, key + "-other"])
    finally:
        await cache.close()
    assert list(found) == [key] and found[key].stored_at == 12.5
    restored = found[key].value
    assert restored == value
    assert type(restored) is type(value)
    assert repr(restored) == repr(value)  # Decimal("450.00") stays "450.00"
    if isinstance(value, tuple | PersonRecord | FamilyRecord | FarmerRecord) and value:
        assert restored is not value  # a copy: nothing shared with the caller
    if isinstance(value, PersonRecord):
        assert restored.sex is Sex.F  # the very enum member
