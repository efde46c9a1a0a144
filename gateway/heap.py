"""The garbage collector's settings for a long-running gateway or worker process.

Everything built at start-up (modules, the GraphQL schema, the vendored WSDLs, the adapters)
lives as long as the process: :func:`settle_after_startup` collects once and moves it to the
permanent generation (``gc.freeze``), so that full collections no longer walk it — they were
what stalled every request in flight for 150–360 ms (``bench/load.py``). The young generation's
threshold is raised so that a request's short-lived objects die young, and full collections
are rarer; reference cycles are still collected.
"""

from __future__ import annotations

import gc

#: (young, middle, old) thresholds: collections of the young generation every 10,000 net
#: allocations instead of 700.
THRESHOLDS = (10_000, 20, 20)


_settled = False


def settle_after_startup() -> None:
    """Collect, freeze what start-up built, and set :data:`THRESHOLDS`, once per process (the
    gateway and an in-process worker both call it; later calls do nothing, so that a process
    that starts apps again and again — the tests — does not freeze each one's leftovers)."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
