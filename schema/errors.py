"""Error presentation: expected errors keep their ``extensions.code``; anything unexpected is
masked as ``INTERNAL`` with a correlation id (logged server-side with the traceback), and no
stack trace or echo of the input reaches the client."""

from __future__ import annotations

from typing import Any

import structlog
from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors

log = structlog.get_logger("vemtas.graphql")


def is_expected(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None:
        return True  # syntax and validation errors: the client's own document
    return isinstance(getattr(original, "extensions", None), dict)


class MaskUnexpectedErrors(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda e: not is_expected(e))

    def _process_result(self, result: Any) -> None:
        # strawberry's own test is an isinstance against a runtime-checkable Protocol, which
        # costs more than the rest of the extension on every operation; this is the same test
        # (the result has an ``errors`` attribute, and it is not empty)
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        context = getattr(self.execution_context, "context", None)
        correlation_id = getattr(context, "correlation_id", "unknown")
        log.error(
            "unexpected_error",
            correlation_id=correlation_id,
            error_type=type(error.original_error).__name__,
            path=error.path,
            exc_info=error.original_error,
        )
        return GraphQLError(
            message=f"Internal error (correlation id {correlation_id}).",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": "INTERNAL", "correlationId": correlation_id},
        )
