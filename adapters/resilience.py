"""How one agency call survives a misbehaving agency: deadline, retries, breaker, concurrency.

:meth:`Guard.call` runs one logical agency call (an idempotent read):

1. the circuit breaker is asked first: open means :class:`CircuitOpen` at once, no network;
2. the whole call, retries and back-off included, runs under ``asyncio.timeout(deadline)``:
   when it passes, :class:`~adapters.errors.AgencyTimeout`;
3. each attempt holds the agency's semaphore (at most ``max_concurrency`` requests in flight);
4. an attempt that fails with :class:`~adapters.errors.AgencyUnavailable` (connection refused,
   5xx, 429) or :class:`~adapters.errors.AgencyTimeout` (a per-phase httpx timeout) is retried
   with exponential back-off and jitter (``stamina``), at most ``retry_attempts`` attempts in
   all; a 429's ``Retry-After`` replaces the back-off, and when it would outlast the deadline
   the call gives up at once. Bad responses and not-found answers are never retried.

The breaker counts consecutive failed attempts (unavailable or timed out); after
``breaker_threshold`` of them it opens for ``breaker_cooldown`` seconds, then lets one probe
through (half-open): success closes it, failure opens it again.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import stamina

from adapters.base import AdapterConfig
from adapters.errors import AgencyTimeout, AgencyUnavailable

T = TypeVar("T")
log = logging.getLogger(__name__)


class AgencyThrottled(AgencyUnavailable):
    """The agency answered 429; ``retry_after`` is its ``Retry-After`` in seconds, if given."""

    def __init__(self, agency: str, retry_after: float | None = None) -> None:
        super().__init__(agency, "the agency is throttling requests")
        self.retry_after = retry_after


class CircuitOpen(AgencyUnavailable):
    """The agency failed repeatedly; calls are refused without touching the network."""

    def __init__(self, agency: str) -> None:
        super().__init__(agency, "the agency is failing; calls are paused (circuit open)")


class BreakerState(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Consecutive-failure circuit breaker for one agency (one event loop, no locks needed)."""

    def __init__(
        self, agency: str, *, threshold: int, cooldown: float, clock: Callable[[], float]
    ) -> None:
        self.agency = agency
        self._threshold = max(1, threshold)
        self._cooldown = cooldown
        self._clock = clock
        self._failures = 0
        self._opened_at = 0.0
        self._state = BreakerState.CLOSED
        self._probing = False

    @property
    def state(self) -> BreakerState:
        if self._state is BreakerState.OPEN and self._clock() - self._opened_at >= self._cooldown:
            return BreakerState.HALF_OPEN
        return self._state

    def check(self) -> None:
        """Raise :class:`CircuitOpen` when no attempt could go out now (does not take the
        half-open probe)."""
        state = self.state
        if state is BreakerState.OPEN or (state is BreakerState.HALF_OPEN and self._probing):
            raise CircuitOpen(self.agency)

    def before_attempt(self) -> None:
        """Raise :class:`CircuitOpen` unless an attempt may go out now."""
        state = self.state
        if state is BreakerState.CLOSED:
            return
        if state is BreakerState.HALF_OPEN and not self._probing:
            self._probing = True
            self._state = BreakerState.HALF_OPEN
            return
        raise CircuitOpen(self.agency)

    def succeeded(self) -> None:
        if self._state is not BreakerState.CLOSED:
            log.info("circuit closed", extra={"agency": self.agency})
        self._failures = 0
        self._probing = False
        self._state = BreakerState.CLOSED

    def failed(self) -> None:
        self._failures += 1
        if self._probing or self._failures >= self._threshold:
            if self._state is BreakerState.CLOSED:
                log.warning("circuit opened", extra={"agency": self.agency})
            self._state = BreakerState.OPEN
            self._opened_at = self._clock()
            self._probing = False

    def released(self) -> None:
        """An attempt ended without a verdict on the agency's health (it was cancelled)."""
        self._probing = False


class Guard:
    """Deadline, retries, circuit breaker and concurrency limit for one agency."""

    def __init__(self, agency: str, config: AdapterConfig) -> None:
        self.agency = agency
        self._config = config
        self.breaker = CircuitBreaker(
            agency,
            threshold=config.breaker_threshold,
            cooldown=config.breaker_cooldown,
            clock=config.monotonic,
        )
        self._semaphore = asyncio.Semaphore(max(1, config.max_concurrency))

    async def call(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run ``attempt`` (one HTTP exchange, errors already translated) under the guard."""
        config = self._config
        self.breaker.check()
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + config.deadline

        def should_retry(exc: Exception) -> bool | float:
            if isinstance(exc, CircuitOpen):
                return False
            if isinstance(exc, AgencyThrottled) and exc.retry_after is not None:
                if loop.time() + exc.retry_after >= give_up_at:
                    return False
                return exc.retry_after
            return isinstance(exc, AgencyUnavailable | AgencyTimeout)

        try:
            async with asyncio.timeout_at(give_up_at):
                # the first attempt runs without stamina's machinery (building a retry context
                # costs more CPU than the exchange with the agency); a failure is re-raised
                # inside the retry context as its first attempt, so the attempts counted, the
                # back-off and Retry-After are stamina's exactly as if it had run it
                failed: list[Exception] = []  # no local keeps it (frame ↔ traceback cycle)
                try:
                    return await self._attempt(attempt)
                except Exception as exc:
                    if not should_retry(exc):
                        raise
                    failed.append(exc)
                async for retrying in stamina.retry_context(
                    on=should_retry,
                    attempts=max(1, config.retry_attempts),
                    timeout=None,
                    wait_initial=config.retry_wait_initial,
                    wait_max=config.retry_wait_max,
                    wait_jitter=config.retry_wait_jitter,
                ):
                    with retrying:
                        if failed:
                            raise failed.pop()
                        return await self._attempt(attempt)
        except TimeoutError:
            self.breaker.failed()
            raise AgencyTimeout(self.agency) from None
        raise AssertionError("unreachable: stamina yields at least one attempt")

    async def _attempt(self, attempt: Callable[[], Awaitable[T]]) -> T:
        self.breaker.before_attempt()
        async with self._semaphore:
            try:
                result = await attempt()
            except (AgencyUnavailable, AgencyTimeout):
                self.breaker.failed()
                raise
            except asyncio.CancelledError:
                self.breaker.released()
                raise
            except Exception:
                # it answered, even if the answer was of no use: the agency is reachable
                self.breaker.succeeded()
                raise
        self.breaker.succeeded()
        return result
