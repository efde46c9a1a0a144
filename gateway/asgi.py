"""The gateway as an ASGI application built from the environment, for servers that start it
themselves: ``vemtas serve --workers N`` (uvicorn's process supervisor imports
``gateway.asgi:app_from_env`` in each worker process), or any ASGI server pointed at it, e.g.
``uvicorn --factory gateway.asgi:app_from_env``.

Each process builds its own adapters, caches and database pool in the app's lifespan; the
database is what the processes share (applications, the outbox, the audit log), so that any
process may answer any request. The background worker runs separately (``vemtas worker``).

With ``PROMETHEUS_MULTIPROC_DIR`` set (``vemtas serve --workers N`` sets it to a fresh directory
before the processes start), every process writes its metrics to files there and ``/metrics``
answers the sum over all of them (prometheus-client's multiprocess mode); whoever sets it
otherwise gives each start an empty directory.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette


def app_from_env() -> Starlette:
    """``create_app`` with the settings, logging and application policy of ``VEMTAS_*``."""
    from gateway.app import create_app
    from gateway.logging import configure_logging
    from gateway.settings import Settings
    from gateway.worker import policy_from_env

    settings = Settings.from_env(os.environ)
    configure_logging(settings)
    shared = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return create_app(
        settings,
        policy=policy_from_env(os.environ, settings.profile),
        metrics_dir=Path(shared) if shared else None,
    )
