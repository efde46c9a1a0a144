"""The gateway as an ASGI application built from the environment, for servers that start it
themselves: ``vemtas serve --workers N`` (uvicorn's process supervisor imports
``gateway.asgi:app_from_env`` in each worker process), or any ASGI server pointed at it, e.g.
``uvicorn --factory gateway.asgi:app_from_env``.

Each process builds its own adapters, caches and database pool in the app's lifespan; the
database is what the processes share (applications, the outbox, the audit log), so that any
process may answer any request. The background worker runs separately (``vemtas worker``).
"""

from __future__ import annotations

import os

from starlette.applications import Starlette


def app_from_env() -> Starlette:
    """``create_app`` with the settings, logging and application policy of ``VEMTAS_*``."""
    from gateway.app import create_app
    from gateway.logging import configure_logging
    from gateway.settings import Settings
    from gateway.worker import policy_from_env

    settings = Settings.from_env(os.environ)
    configure_logging(settings)
    return create_app(settings, policy=policy_from_env(os.environ, settings.profile))
