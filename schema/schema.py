"""The federated schema (Apollo Federation v2 subgraph)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from schema.applications import ApplicationMutation, ApplicationQuery, ApplicationSubscription
from schema.audit import AuditQuery
from schema.errors import MaskUnexpectedErrors, coded
from schema.limits import DEFAULT_LIMITS, limit_extensions
from schema.query import Query
from schema.scalars import SCALAR_MAP

# Root types are composed from one module per area (households and persons, applications,
# the data tracker); each area adds its own root fields.
QUERY_TYPES: list[type] = [Query]
QUERY_TYPES.append(AuditQuery)
MUTATION_TYPES: list[type] = []
SUBSCRIPTION_TYPES: list[type] = []
QUERY_TYPES.append(ApplicationQuery)
MUTATION_TYPES.append(ApplicationMutation)
SUBSCRIPTION_TYPES.append(ApplicationSubscription)


def _root(name: str, types: list[type]) -> type | None:
    """The root type ``name`` (``Query``, ``Mutation``, ``Subscription``: api.md's names)
    with the fields of every area's ``types``."""
    if not types:
        return None
    return merge_types(name, tuple(types))


class GatewaySchema(strawberry.federation.Schema):
    """The federated schema, whose every error reaches the client with a code (schema/errors.py
    :func:`~schema.errors.coded`): strawberry passes each error here before answering, those of
    parsing and validation included."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            coded(error)
        super().process_errors(errors, execution_context)


MAX_DEPTH = DEFAULT_LIMITS.max_depth
MAX_ALIASES = DEFAULT_LIMITS.max_aliases
MAX_TOKENS = DEFAULT_LIMITS.max_tokens


def build_schema(
    *,
    caches: bool = True,
    production: bool = False,
    extra_extensions: Sequence[type[SchemaExtension] | Callable[[], SchemaExtension]] = (),
) -> GatewaySchema:
    """The schema. ``caches=False`` turns the parser and validation caches off (benchmarks);
    ``production`` turns introspection and field suggestions off (quality.md)."""
    # depth, aliases, tokens, directives and cost (schema/limits.py); the limiters' rule classes
    # are made once: a new class per request would defeat the validation cache, whose key
    # includes the rules.
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        MaskUnexpectedErrors,
        *limit_extensions(DEFAULT_LIMITS),
        *extra_extensions,
    ]
    if caches:
        extensions += [ParserCache, ValidationCache]
    if production:
        extensions.append(DisableIntrospection)
    return GatewaySchema(
        query=_root("Query", QUERY_TYPES),
        mutation=_root("Mutation", MUTATION_TYPES),
        subscription=_root("Subscription", SUBSCRIPTION_TYPES),
        extensions=extensions,
        config=StrawberryConfig(scalar_map=SCALAR_MAP, disable_field_suggestions=production),
        federation_version="2.11",
    )


def sdl() -> str:
    return build_schema().as_str()
