"""Error presentation: expected errors keep their ``extensions.code``; anything unexpected is
masked as ``INTERNAL`` with a correlation id (logged server-side with the traceback), and no
stack trace or echo of the input reaches the client. Errors in the client's own document or
variables get a code too (:func:`coded`): a variable that does not fit its type is a
``BAD_USER_INPUT`` naming the variable's path (``extensions.field``), as the resolvers' own
input errors do; a document that does not parse is ``GRAPHQL_PARSE_FAILED``, one that does not
validate against the schema ``GRAPHQL_VALIDATION_FAILED`` (Apollo's codes)."""

from __future__ import annotations

import re
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


# graphql-core's variable coercion: "Variable '$input' has invalid value at .members[1]: …",
# "Variable '$first' of required type 'Int!' was not provided.", "… must not be null."
_VARIABLE = re.compile(
    r"Variable '\$(?P<name>\w+)' (?:has invalid (?:default )?value(?P<path>[^:]*))?"
)
_STEP = re.compile(r"\.(\w+)|\[(\d+)\]")


def coded(error: GraphQLError) -> GraphQLError:
    """``error`` with a code when it has none and comes from the client's document or
    variables (it has no execution path); an execution error is left as it is."""
    known = error.extensions or {}
    if error.path is not None or known.get("code") not in (None, "BAD_USER_INPUT"):
        return error
    extensions: dict[str, Any]
    variable = _VARIABLE.match(error.message)
    if variable is not None:
        steps = [name or index for name, index in _STEP.findall(variable["path"] or "")]
        extensions = {"code": "BAD_USER_INPUT", "field": [variable["name"], *steps]}
    elif known:
        return error  # a scalar's own BAD_USER_INPUT in a literal: the location points at it
    elif error.message.startswith("Syntax Error"):
        extensions = {"code": "GRAPHQL_PARSE_FAILED"}
    else:
        extensions = {"code": "GRAPHQL_VALIDATION_FAILED"}
    error.extensions = {**known, **extensions}
    return error


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
