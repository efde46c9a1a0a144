"""Alembic migration environment and scripts, run through :mod:`adapters.db.migrate`."""
