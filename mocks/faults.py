"""Misbehaviour on demand: the test controls' fault modes, per agency.

``PUT /_admin/faults/<agency>`` with ``{"mode", "latency_ms", "error_rate"}`` stores a
:class:`FaultSetting` on the :class:`FaultBoard`; every agency endpoint asks the board, after
counting the call and before answering, what to do (:meth:`FaultBoard.before_answer`). The board
only decides and waits; each protocol renders the outcome its own way (REST: JSON status codes,
SOAP: HTTP 503 or a Server Fault), see ``mocks/agencies/rest.py`` and ``mocks/soap.py``.

Modes (agencies.md, "Test controls"):

- ``ok``: answer normally (after ``latency_ms``, if any: benchmarks set per-agency latency so).
- ``down``: HTTP 503 at once.
- ``hang``: never answer; wait until the client gives up (disconnects) or the task is cancelled.
- ``slow``: wait ``latency_ms`` then answer normally.
- ``error``: with probability ``error_rate`` (1.0 when 0 is given) answer HTTP 500 (SOAP: a
  Server Fault); otherwise answer normally.
- ``malformed``: answer 200 with a syntactically broken body.
- ``throttle``: HTTP 429 with ``Retry-After: 1`` (an addition to the modes of agencies.md, so that
  adapters can be shown to honour ``Retry-After``).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum

#: The longest a ``hang`` lasts when the client never disconnects (then the agency answers 503).
HANG_LIMIT_SECONDS = 600.0
#: The largest latency the controls accept (a minute), so a typo cannot wedge a test run.
MAX_LATENCY_MS = 60_000


class FaultMode(StrEnum):
    OK = "ok"
    DOWN = "down"
    HANG = "hang"
    SLOW = "slow"
    ERROR = "error"
    MALFORMED = "malformed"
    THROTTLE = "throttle"


class Outcome(Enum):
    """What the endpoint does after :meth:`FaultBoard.before_answer` returns."""

    ANSWER = "answer"
    UNAVAILABLE = "unavailable"  # 503
    ERROR = "error"  # 500 / Server Fault
    MALFORMED = "malformed"  # 200 with a broken body
    THROTTLED = "throttled"  # 429 with Retry-After


class InvalidFaultSetting(ValueError):
    """A fault setting sent to the test controls is not valid; the message says why."""


@dataclass(frozen=True, slots=True)
class FaultSetting:
    """How one agency misbehaves. The default is a healthy agency."""

    mode: FaultMode = FaultMode.OK
    latency_ms: int = 0
    error_rate: float = 0.0

    @classmethod
    def from_json(cls, payload: object) -> FaultSetting:
        """Validate the JSON body of ``PUT /_admin/faults/<agency>``."""
        if not isinstance(payload, dict):
            raise InvalidFaultSetting("body must be a JSON object")
        unknown = set(payload) - {"mode", "latency_ms", "error_rate"}
        if unknown:
            raise InvalidFaultSetting(f"unknown fields: {', '.join(sorted(unknown))}")
        raw_mode = payload.get("mode", FaultMode.OK.value)
        try:
            mode = FaultMode(raw_mode)
        except ValueError:
            names = ", ".join(m.value for m in FaultMode)
            raise InvalidFaultSetting(f"mode must be one of {names}") from None
        latency = payload.get("latency_ms", 0)
        if isinstance(latency, bool) or not isinstance(latency, int):
            raise InvalidFaultSetting("latency_ms must be an integer")
        if not 0 <= latency <= MAX_LATENCY_MS:
            raise InvalidFaultSetting(f"latency_ms must be from 0 to {MAX_LATENCY_MS}")
        rate = payload.get("error_rate", 0.0)
        if isinstance(rate, bool) or not isinstance(rate, int | float):
            raise InvalidFaultSetting("error_rate must be a number")
        if not 0.0 <= float(rate) <= 1.0:
            raise InvalidFaultSetting("error_rate must be from 0.0 to 1.0")
        return cls(mode=mode, latency_ms=latency, error_rate=float(rate))

    def to_json(self) -> dict[str, object]:
        return {
            "mode": self.mode.value,
            "latency_ms": self.latency_ms,
            "error_rate": self.error_rate,
        }


HEALTHY = FaultSetting()


class FaultBoard:
    """The current fault setting of every agency (healthy unless told otherwise)."""

    def __init__(self, agencies: Iterable[str], *, rng: random.Random | None = None) -> None:
        self._agencies = frozenset(agencies)
        self._settings: dict[str, FaultSetting] = {}
        # Not for security: only decides which calls fail in ``error`` mode; seedable for tests.
        self._rng = rng or random.Random()  # noqa: S311

    @property
    def agencies(self) -> frozenset[str]:
        return self._agencies

    def set(self, agency: str, setting: FaultSetting) -> None:
        if agency not in self._agencies:
            raise KeyError(agency)
        if setting == HEALTHY:
            self._settings.pop(agency, None)
        else:
            self._settings[agency] = setting

    def get(self, agency: str) -> FaultSetting:
        return self._settings.get(agency, HEALTHY)

    def reset(self) -> None:
        self._settings.clear()

    def healthy(self, agency: str) -> bool:
        """Whether ``agency`` answers normally at once (then :meth:`before_answer` would return
        ``ANSWER`` without waiting, and need not be awaited)."""
        return agency not in self._settings

    def snapshot(self) -> Mapping[str, FaultSetting]:
        return dict(self._settings)

    async def before_answer(
        self, agency: str, wait_for_disconnect: Callable[[], Awaitable[None]]
    ) -> Outcome:
        """Apply ``agency``'s fault setting: wait as told, then say how to answer.

        ``wait_for_disconnect`` returns when the client goes away; ``hang`` waits on it (bounded
        by :data:`HANG_LIMIT_SECONDS`), and is cancelled with the request's task.
        """
        setting = self._settings.get(agency)
        if setting is None:
            return Outcome.ANSWER
        if setting.mode is FaultMode.HANG:
            try:
                async with asyncio.timeout(HANG_LIMIT_SECONDS):
                    await wait_for_disconnect()
            except TimeoutError:
                pass
            return Outcome.UNAVAILABLE
        if setting.mode is FaultMode.DOWN:
            return Outcome.UNAVAILABLE
        if setting.latency_ms > 0:
            await asyncio.sleep(setting.latency_ms / 1000)
        if setting.mode is FaultMode.THROTTLE:
            return Outcome.THROTTLED
        if setting.mode is FaultMode.MALFORMED:
            return Outcome.MALFORMED
        if setting.mode is FaultMode.ERROR:
            rate = setting.error_rate or 1.0
            if rate >= 1.0 or self._rng.random() < rate:
                return Outcome.ERROR
        return Outcome.ANSWER


def broken(body: bytes) -> bytes:
    """A syntactically broken version of a well-formed JSON or XML body.

    The first half of the real answer (never a complete JSON value or XML document, whose closing
    bracket or root end tag comes last) followed by bytes that are neither valid UTF-8 nor markup.
    """
    return body[: len(body) // 2] + b"\xff\xfe<\x00{"
