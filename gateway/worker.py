"""The worker's composition: its policy read from the environment, and the worker loop run
alongside the gateway (``vemtas serve --with-mocks``) or on its own (``vemtas worker``).

Environment (prefix ``VEMTAS_``; seconds unless said):

| variable | default | what |
|---|---|---|
| ``DECISION_BUDGET_MS`` | 2000 | how long ``submitApplication`` waits for the decision (ms) |
| ``TAKEOVER_SECONDS`` | 120 | when the worker takes over an interrupted assessment |
| ``RETRY_BASE_SECONDS`` | 30 | first wait before an application waiting for data is retried |
| ``RETRY_CAP_SECONDS`` | 3600 | longest wait between those retries |
| ``OUTBOX_MAX_ATTEMPTS`` | 20 | deliveries before an outbox item is dead-lettered (10–13 h) |
| ``OUTBOX_LEASE_SECONDS`` | 60 | how long a worker owns a claimed outbox item |
| ``OUTBOX_BACKOFF_SECONDS`` | 5 | first wait before a failed delivery is retried (doubling) |
| ``OUTBOX_BACKOFF_CAP_SECONDS`` | 3600 | longest wait between retries (``Retry-After`` beyond) |
| ``OVERDUE_WITHIN_DAYS`` | 3 | undecided applications due this close are flagged |
| ``WORKER_POLL_SECONDS`` | 0.5 | idle wait between the worker's rounds |
| ``CRASH_AT`` | — | dev only: comma-separated crash points (``resolvers.application_policy``) |
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from adapters.db import Database
from adapters.registry import Adapters
from gateway.heap import settle_after_startup
from gateway.settings import Profile, SettingsError
from resolvers.application_policy import CRASH_POINTS, ApplicationPolicy
from resolvers.worker import Worker

if TYPE_CHECKING:
    from mocks.world import World


def utc_now() -> datetime:
    return datetime.now(UTC)


def policy_from_env(environ: Mapping[str, str], profile: Profile) -> ApplicationPolicy:
    """The applications' timing policy from ``VEMTAS_*`` variables (see the module doc)."""
    defaults = ApplicationPolicy()

    def number(name: str, default: float, convert: Callable[[str], float] = float) -> float:
        raw = environ.get(f"VEMTAS_{name}")
        if raw in (None, ""):
            return default
        try:
            value = convert(raw)
        except ValueError:
            raise SettingsError(f"VEMTAS_{name} must be a number") from None
        if value < 0:
            raise SettingsError(f"VEMTAS_{name} must not be negative")
        return value

    crash_at = frozenset(
        point.strip() for point in environ.get("VEMTAS_CRASH_AT", "").split(",") if point.strip()
    )
    if crash_at:
        if profile is Profile.PROD:
            raise SettingsError("VEMTAS_CRASH_AT kills the process on purpose: refused in prod")
        unknown = crash_at - set(CRASH_POINTS)
        if unknown:
            raise SettingsError(f"VEMTAS_CRASH_AT: unknown points {sorted(unknown)}")
    return ApplicationPolicy(
        decision_budget=number("DECISION_BUDGET_MS", defaults.decision_budget * 1000) / 1000,
        takeover_after=number("TAKEOVER_SECONDS", defaults.takeover_after),
        retry_base=number("RETRY_BASE_SECONDS", defaults.retry_base),
        retry_cap=number("RETRY_CAP_SECONDS", defaults.retry_cap),
        outbox_max_attempts=max(
            1, int(number("OUTBOX_MAX_ATTEMPTS", defaults.outbox_max_attempts, int))
        ),
        outbox_lease=number("OUTBOX_LEASE_SECONDS", defaults.outbox_lease),
        outbox_backoff_base=number("OUTBOX_BACKOFF_SECONDS", defaults.outbox_backoff_base),
        outbox_backoff_cap=number("OUTBOX_BACKOFF_CAP_SECONDS", defaults.outbox_backoff_cap),
        overdue_within_days=int(number("OVERDUE_WITHIN_DAYS", 3, int)),
        crash_at=crash_at,
    )


def poll_interval_from_env(environ: Mapping[str, str]) -> float:
    raw = environ.get("VEMTAS_WORKER_POLL_SECONDS") or "0.5"
    try:
        return max(0.01, float(raw))
    except ValueError:
        raise SettingsError("VEMTAS_WORKER_POLL_SECONDS must be seconds") from None


@contextlib.asynccontextmanager
async def running_worker(
    adapters: Adapters,
    database: Database,
    policy: ApplicationPolicy,
    today: Callable[[], date],
    *,
    poll_interval: float = 0.5,
) -> AsyncIterator[Worker]:
    """Run a :class:`~resolvers.worker.Worker` as a task until the block exits. ``today`` is
    the composition root's day (pinned by ``VEMTAS_CLOCK`` in dev); schedules (leases,
    retries) always run on the real clock, as the database stamps them."""
    async with database.worker_session() as next_due:
        worker = Worker(adapters, database, policy, today=today, now=utc_now, next_due=next_due)
        settle_after_startup()  # gateway/heap.py
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop, poll_interval))
        try:
            yield worker
        finally:
            stop.set()
            try:
                await asyncio.wait_for(task, timeout=10)
            except TimeoutError:
                task.cancel()


def example_application(world: World) -> str:
    """The ``submitApplication`` variables for the development citizen (the first family
    head, as ``gateway.dev.development_tokens`` chooses): FIN, ID card and declared members
    from the mock world, ready to paste into GraphiQL."""
    import json

    from gateway.dev import example_member

    fin, _ = example_member(world)
    household = next(h for h in world.households if any(m.fin == fin for m in h.members))
    head = next(m for m in household.members if m.fin == fin)
    variables = {
        "input": {
            "idempotencyKey": "my-first-application",
            "representativeFin": fin,
            "representativeIdCard": head.id_card,
            "members": [m.fin for m in household.members if m.died_on is None],
            "phone": "+994501234567",
            "email": "family@example.az",
        }
    }
    return json.dumps(variables, indent=2, ensure_ascii=False)
