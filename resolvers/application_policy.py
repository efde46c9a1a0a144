"""How applications are handled in time: the decision budget of ``submitApplication``, when the
worker takes an application over, retry and dead-letter limits, and the background tasks that
finish decisions after a request has answered.

The composition root builds one :class:`ApplicationPolicy` (``gateway.worker.policy_from_env``)
and one :class:`Background` per process and hands them to every request context and to the
worker. Nothing here reads configuration or the clock by itself.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

#: Where a process may be killed on purpose (``VEMTAS_CRASH_AT``, development only), to show
#: that a ``kill -9`` at any step between registration and the last notice loses nothing and
#: duplicates nothing. The gateway and the worker pass through these points in this order.
CRASH_POINTS = (
    "after-register",  # the application and its registration notices are committed
    "after-begin-assessment",  # ASSESSING is committed, no agency asked yet
    "after-decision",  # the decision, the card order and the notices are committed
    "after-claim",  # an outbox item is leased, nothing sent yet
    "after-bank-call",  # the bank ordered the card, the order is not recorded yet
    "after-message-call",  # the gateway sent the message, it is not recorded yet
    "after-complete",  # an outbox item is recorded as delivered
)


@dataclass(frozen=True)
class ApplicationPolicy:
    """Times in seconds.

    - ``decision_budget``: how long ``submitApplication`` waits for the decision before it
      answers with the application as far as it got (the decision then finishes in the
      background, or the worker finishes it);
    - ``takeover_after``: when the worker takes over an application whose inline assessment
      did not finish (the process died): registration and every assessment attempt push the
      application's ``next_attempt_at`` this far;
    - ``retry_base``/``retry_cap``: back-off for applications waiting for agency data;
    - ``outbox_max_attempts``: deliveries tried before an outbox item is dead-lettered (a
      worker that dies delivering an item counts as an attempt too);
    - ``outbox_lease``: how long a worker owns a claimed outbox item;
    - ``outbox_backoff_base``/``outbox_backoff_cap``: first delay before redelivering a
      failed item (doubling), and the longest; an agency's ``Retry-After`` is waited out when
      longer. With the defaults an item is tried for 10 to 13 hours (20 attempts) before it is
      dead-lettered: an outage of the bank or the messaging gateway overnight needs no operator;
    - ``overdue_within_days``: undecided applications due within this many days are flagged for
      caseworkers;
    - ``crash_at``: development-only crash points (:data:`CRASH_POINTS`).
    """

    decision_budget: float = 2.0
    takeover_after: float = 120.0
    retry_base: float = 30.0
    retry_cap: float = 3600.0
    outbox_max_attempts: int = 20
    outbox_lease: float = 60.0
    outbox_backoff_base: float = 5.0
    outbox_backoff_cap: float = 3600.0
    outbox_batch: int = 50
    retry_batch: int = 20
    overdue_within_days: int = 3
    crash_at: frozenset[str] = field(default_factory=frozenset)

    def crash_point(self, name: str) -> None:
        """Kill this process (``SIGKILL``, exactly a ``kill -9``) if ``name`` was chosen with
        ``VEMTAS_CRASH_AT``; the composition root allows that in development only."""
        if name in self.crash_at:
            os.kill(os.getpid(), signal.SIGKILL)


class Background:
    """Tasks that outlive the request that started them (a decision that missed the budget).

    Held by the composition root: tasks are kept referenced until they finish, and
    :meth:`close` gives them a moment at shutdown and cancels the rest (the worker takes over
    whatever they leave undecided)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: a failure was logged by the task itself

    @property
    def running(self) -> int:
        return len(self._tasks)

    async def close(self, grace: float = 5.0) -> None:
        tasks = list(self._tasks)
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=1.0)
