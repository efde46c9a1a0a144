"""Errors the use cases raise; the schema shows each with ``extensions.code`` (api.md, Errors).

Each carries ``extensions``, which graphql-core copies onto the GraphQL error; anything raised
without ``extensions`` is unexpected and is masked as ``INTERNAL`` with a correlation id.
"""

from __future__ import annotations


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
