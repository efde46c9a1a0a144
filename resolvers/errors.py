"""Errors the use cases raise; the schema shows each with ``extensions.code`` (api.md, Errors).

Each carries ``extensions``, which graphql-core copies onto the GraphQL error; anything raised
without ``extensions`` is unexpected and is masked as ``INTERNAL`` with a correlation id.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from adapters.db import DatabaseUnavailable


class ApiError(Exception):
    code = "INTERNAL"

    def __init__(self, message: str, **extra: str | list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    @property
    def extensions(self) -> dict[str, object]:
        return {"code": self.code, **self.extra}


class Unauthenticated(ApiError):
    code = "UNAUTHENTICATED"


class Forbidden(ApiError):
    code = "FORBIDDEN"


class NotFound(ApiError):
    code = "NOT_FOUND"


class BadUserInput(ApiError):
    """Input that fails validation at the edge; ``field`` is its path, e.g. ['input', 'phone']."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str, *, field: list[str]) -> None:
        super().__init__(message, field=field)
        self.field = field


class DatabaseUnavailableError(ApiError):
    """The applications' database did not answer: nothing was written; try again."""

    code = "DATABASE_UNAVAILABLE"

    def __init__(self) -> None:
        super().__init__("the service is unavailable, nothing was changed; try again")

    @property
    def extensions(self) -> dict[str, object]:
        return {"code": self.code, "retryable": True}


@contextlib.contextmanager
def database_errors() -> Iterator[None]:
    """Shows a database that went away as ``DATABASE_UNAVAILABLE`` (retryable), never masked."""
    try:
        yield
    except DatabaseUnavailable:
        raise DatabaseUnavailableError() from None
