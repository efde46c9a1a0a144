"""What every agency adapter shares: the call context, the configuration, and the batch answer.

- :class:`CallContext` carries the X-Road ``userId`` and ``issue`` of the request being served.
- :class:`AdapterConfig` is built once by the composition root (from ``gateway.settings``).
- :class:`Batch` is what every batch method returns: a ``dict`` covering every key asked, which
  also says which keys were served *stale* (from the cache after their time to live, because the
  agency failed; see :mod:`adapters.agency`).
- :func:`track_staleness` lets a request collect every stale answer served while it runs,
  including single-key lookups such as ``population.family``.
- :func:`track_xroad_ids` collects the X-Road message id of every agency call made inside it
  (the audit log ties each read of personal data to the agency messages that served it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from types import TracebackType
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

DEFAULT_XROAD_CLIENT = "AZ/GOV/MLSPP/vemtas"
MAX_BATCH = 500
"""The agencies take at most this many keys per call (docs/agency-protocols.md)."""


@dataclass(frozen=True)
class CallContext:
    """Who asks and why: sent to every agency as X-Road ``userId`` and ``issue``.

    ``user_id`` is the acting subject (a caseworker's or citizen's id, or a service client);
    ``issue`` is the application id, or the stated purpose when there is no application yet.
    """

    user_id: str
    issue: str


@dataclass(frozen=True)
class AdapterConfig:
    """Everything the adapters need to know about the agencies; read once at start-up.

    Times are seconds. ``ttls`` maps an agency key to its cache time to live (``0`` disables
    caching for that agency); ``stale_grace`` is how long after expiry a cached answer may still
    be served when the agency fails (``0`` disables stale-if-error; entries are then gone at
    their time to live). ``deadline`` bounds every agency call as a whole, retries included.
    """

    agency_urls: Mapping[str, str]
    deadline: float = 3.0
    ttls: Mapping[str, int] = field(default_factory=dict)
    default_ttl: int = 300
    cache_url: str = "memory://"
    cache_namespace: str = "vemtas"
    cache_timeout: float = 0.25
    xroad_client: str = DEFAULT_XROAD_CLIENT
    stale_grace: int = 3600
    connect_timeout: float = 1.0
    retry_attempts: int = 3
    retry_wait_initial: float = 0.05
    retry_wait_max: float = 0.5
    retry_wait_jitter: float = 0.1
    breaker_threshold: int = 5
    breaker_cooldown: float = 15.0
    max_concurrency: int = 16
    max_response_bytes: int = 8 * 1024 * 1024
    clock: Callable[[], float] = time.time
    """Wall clock for cache freshness (shared with other processes through Redis)."""
    monotonic: Callable[[], float] = time.monotonic
    """Monotonic clock for the circuit breaker's cool-down."""

    def url(self, agency: str) -> str:
        try:
            return self.agency_urls[agency].rstrip("/")
        except KeyError:
            raise ValueError(f"no URL configured for agency {agency!r}") from None

    def ttl(self, agency: str) -> int:
        return self.ttls.get(agency, self.default_ttl)


class Batch(dict[K, V]):
    """A batch answer: a plain ``dict`` by key, plus which keys were served stale.

    ``stale_keys`` is empty when every value is fresh from the agency or from the cache within
    its time to live; ``stale`` is true when any value was served past it because the agency
    failed (stale-if-error).
    """

    __slots__ = ("stale_keys",)

    def __init__(
        self, values: Mapping[K, V] | None = None, stale_keys: frozenset[K] = frozenset()
    ) -> None:
        super().__init__(values or {})
        self.stale_keys = stale_keys

    @property
    def stale(self) -> bool:
        return bool(self.stale_keys)


@dataclass
class StalenessReport:
    """Agencies (and operations) that answered from stale cache during one request."""

    operations: set[tuple[str, str]] = field(default_factory=set)

    @property
    def agencies(self) -> frozenset[str]:
        return frozenset(agency for agency, _ in self.operations)

    @property
    def stale(self) -> bool:
        return bool(self.operations)


T = TypeVar("T")


class _Setting(Generic[T]):
    """``with``: ``variable`` set to ``value`` inside the block, reset after it; the block gets
    ``value``. (A class rather than ``@contextmanager``: some are entered on every agency
    call, and a generator-based context manager costs several times as much.)"""

    __slots__ = ("_token", "_value", "_variable")

    def __init__(self, variable: ContextVar[T], value: T) -> None:
        self._variable = variable
        self._value = value
        self._token: Token[T] | None = None

    def __enter__(self) -> T:
        self._token = self._variable.set(self._value)
        return self._value

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._token is not None:
            self._variable.reset(self._token)
            self._token = None


_staleness: ContextVar[StalenessReport | None] = ContextVar("vemtas_staleness", default=None)


def track_staleness() -> _Setting[StalenessReport]:
    """Collect every stale answer served inside this block (and tasks started from it):
    ``with track_staleness() as report: …``."""
    return _Setting(_staleness, StalenessReport())  # type: ignore[arg-type]


_fresh: ContextVar[bool] = ContextVar("vemtas_fresh_answers", default=False)


def fresh_answers() -> _Setting[bool]:
    """Inside this block (and tasks started from it) every agency answer is fetched from the
    agency, never read from the cache (fresh answers are still cached for others): a
    reassessment decides on the agencies' data as it is now."""
    return _Setting(_fresh, True)


def wants_fresh_answers() -> bool:
    """Whether the caller is inside :func:`fresh_answers`."""
    return _fresh.get()


def report_stale(agency: str, operation: str) -> None:
    report = _staleness.get()
    if report is not None:
        report.operations.add((agency, operation))


_xroad_ids: ContextVar[list[str] | None] = ContextVar("vemtas_xroad_ids", default=None)


def track_xroad_ids() -> _Setting[list[str]]:
    """Collect the X-Road ``id`` of every agency call made inside this block (and tasks started
    from it), in the order the calls were sent; retried attempts each have their own id:
    ``with track_xroad_ids() as ids: …``."""
    return _Setting(_xroad_ids, [])  # type: ignore[arg-type]


def report_xroad_id(message_id: str) -> None:
    """Called by the protocol clients for every message they send to an agency."""
    ids = _xroad_ids.get()
    if ids is not None:
        ids.append(message_id)
