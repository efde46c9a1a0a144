"""Structured logs (structlog): JSON in `prod`, readable in `dev`, a correlation id bound per
request. Log events carry no personal data: no tokens, FINs, ID card numbers, phones or names."""

from __future__ import annotations

import logging

import structlog

from gateway.settings import Profile, Settings


def configure_logging(settings: Settings) -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if settings.profile is Profile.PROD
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        cache_logger_on_first_use=True,
    )
