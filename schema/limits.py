"""Limits on what one GraphQL document may ask for: depth, aliases, tokens, directives and a
static cost. A document over any limit is refused before execution (so it costs no agency call)
with ``extensions.code = "QUERY_TOO_COMPLEX"``.

The validation rule classes are built once per ``Limits`` (``validation_rules``): the
validation cache's key includes the rule classes, so a new class per request would defeat it.

The cost is static, computed from the document and the schema only: each field costs 1; the
selection under a field is multiplied by the field's page size (a literal ``first``, ``last`` or
``months`` argument, else that argument's default in the schema), or, for other list fields, by
a nominal list size. The ``edges`` and ``nodes`` of a connection are not multiplied again (the
connection's ``first`` already was). A variable page size counts as the argument's default: the
resolvers refuse page sizes out of their range (``BAD_USER_INPUT``). Introspection fields add
no depth and multiply nothing.

Depth, aliases and cost count each fragment where it is spread, but each fragment is measured
once per document: strawberry's own depth and alias limiters walk every spread again, which a
fragment spread ten times in each of ten nested fragments turns into 10^10 steps.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
)
from graphql.error import GraphQLSyntaxError
from strawberry.extensions import MaxTokensLimiter, SchemaExtension

QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
PAGE_ARGUMENTS = ("first", "last", "months")


@dataclass(frozen=True)
class Limits:
    """The limits of one schema; ``DEFAULT_LIMITS`` are the gateway's (docs/security.md)."""

    max_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 2000
    max_directives: int = 50
    max_cost: int = 5000
    nominal_list_size: int = 10


DEFAULT_LIMITS = Limits()


def too_complex(message: str, nodes: Any = None, **details: int) -> GraphQLError:
    """A ``QUERY_TOO_COMPLEX`` error (``details`` go into ``extensions``)."""
    return GraphQLError(message, nodes, extensions={"code": QUERY_TOO_COMPLEX, **details})


def _directive_limit(max_directives: int) -> type[ValidationRule]:
    class MaxDirectives(ValidationRule):
        """At most ``max_directives`` directives in the whole document."""

        count = 0

        def enter_directive(self, *_: object) -> None:
            self.count += 1

        def leave_document(self, *_: object) -> None:
            if self.count > max_directives:
                self.report_error(
                    too_complex(
                        f"{self.count} directives found. Allowed: {max_directives}",
                        None,
                        directives=self.count,
                        maxDirectives=max_directives,
                    )
                )

    return MaxDirectives


def _operation_limits(limits: Limits) -> type[ValidationRule]:
    class OperationLimits(ValidationRule):
        """Depth, aliases and cost of each operation, with fragments expanded where spread
        (measured once per fragment: a fragment spread ten times in each of ten nested
        fragments is not walked ten billion times)."""

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: object) -> None:
            found = measure(self.context.schema, self.context.document, node, limits)
            name = node.name.value if node.name else "anonymous"
            if found.depth > limits.max_depth:
                self.report_error(
                    too_complex(
                        f"'{name}' exceeds maximum operation depth of {limits.max_depth}",
                        node,
                        maxDepth=limits.max_depth,
                    )
                )
            if found.aliases > limits.max_aliases:
                self.report_error(
                    too_complex(
                        f"{found.aliases} aliases found. Allowed: {limits.max_aliases}",
                        node,
                        maxAliases=limits.max_aliases,
                    )
                )
            if found.cost > limits.max_cost:
                self.report_error(
                    too_complex(
                        f"The query costs more than {limits.max_cost} (each field 1, the "
                        "selection under a list times its page size or "
                        f"{limits.nominal_list_size})",
                        node,
                        maxCost=limits.max_cost,
                    )
                )

    return OperationLimits


@functools.cache
def validation_rules(limits: Limits = DEFAULT_LIMITS) -> tuple[type[ASTValidationRule], ...]:
    """The limit rules for ``limits``, the same classes on every call."""
    return (_operation_limits(limits), _directive_limit(limits.max_directives))


class TokenLimit(MaxTokensLimiter):
    """The parser stops after ``max_token_count`` tokens; its syntax error gets
    ``QUERY_TOO_COMPLEX``. The error either comes back from the parse (no parser cache) or is
    raised through the operation (the parser cache parses inside its own hook).

    ``validation_rules`` are added to the operation's, as strawberry's ``AddValidationRules``
    adds them (one extension instead of two: each costs its hooks on every operation)."""

    def __init__(
        self,
        max_token_count: int,
        validation_rules: tuple[type[ASTValidationRule], ...] = (),
    ) -> None:
        super().__init__(max_token_count=max_token_count)
        self.validation_rules = validation_rules

    def on_operation(self) -> Iterator[None]:
        if self.validation_rules:
            self.execution_context.validation_rules = (
                self.execution_context.validation_rules + self.validation_rules
            )
        self.execution_context.parse_options["max_tokens"] = self.max_token_count
        try:
            yield
        except GraphQLSyntaxError as raised:
            self._code(raised)
            raise
        for error in self.execution_context.pre_execution_errors or ():
            self._code(error)

    def _code(self, error: GraphQLError) -> None:
        if f"more than {self.max_token_count} tokens" in error.message:
            error.extensions = {"code": QUERY_TOO_COMPLEX, "maxTokens": self.max_token_count}


def limit_extensions(
    limits: Limits = DEFAULT_LIMITS,
) -> list[Callable[[], SchemaExtension]]:
    """The schema extensions enforcing ``limits`` (validation rules built once)."""
    rules = validation_rules(limits)
    return [lambda: TokenLimit(max_token_count=limits.max_tokens, validation_rules=rules)]


# --- measuring an operation --------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """An operation's depth (fields with a selection, nested; introspection not counted),
    aliases (counted where each fragment is spread) and static cost (saturating a little above
    ``max_cost``)."""

    depth: int = 0
    aliases: int = 0
    cost: int = 0


def measure(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    limits: Limits = DEFAULT_LIMITS,
) -> Measure:
    """The depth, aliases and static cost of ``operation``."""
    root = schema.get_root_type(operation.operation)
    return _Walker(schema, document, limits).selection_set(operation.selection_set, root)


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    limits: Limits = DEFAULT_LIMITS,
) -> int:
    """The static cost of ``operation``."""
    return measure(schema, document, operation, limits).cost


class _Walker:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, limits: Limits) -> None:
        self.schema = schema
        self.limits = limits
        self.cap = limits.max_cost + 1
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.measured: dict[str, Measure] = {}
        self.visiting: set[str] = set()

    def selection_set(
        self, node: SelectionSetNode | None, parent: GraphQLNamedType | None
    ) -> Measure:
        depth = aliases = cost = 0
        for selection in node.selections if node else ():
            if isinstance(selection, FieldNode):
                found = self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                found = self.selection_set(selection.selection_set, inner)
            elif isinstance(selection, FragmentSpreadNode):
                found = self.fragment(selection.name.value)
            else:  # pragma: no cover - no other kind of selection
                continue
            depth = max(depth, found.depth)
            aliases += found.aliases
            cost = min(self.cap, cost + found.cost)
        return Measure(depth, aliases, cost)

    def fragment(self, name: str) -> Measure:
        if name in self.measured:
            return self.measured[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:
            return Measure()  # unknown fragments and cycles are other rules' errors
        self.visiting.add(name)
        condition = self.schema.get_type(definition.type_condition.name.value)
        found = self.selection_set(definition.selection_set, condition)
        self.visiting.discard(name)
        self.measured[name] = found
        return found

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> Measure:
        alias = 1 if node.alias else 0
        if not node.selection_set:
            return Measure(0, alias, 1)
        name = node.name.value
        definition = (
            parent.fields.get(name)
            if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
            else None
        )
        inner: Any = definition.type if definition else None
        while isinstance(inner, GraphQLNonNull | GraphQLList):
            inner = inner.of_type
        children = self.selection_set(node.selection_set, inner)
        multiplier = self._multiplier(node, definition, parent) if definition else 1
        depth = 0 if name.startswith("__") else 1 + children.depth  # introspection: no depth
        cost = min(self.cap, 1 + multiplier * children.cost)
        return Measure(depth, alias + children.aliases, cost)

    def _multiplier(self, node: FieldNode, definition: GraphQLField, parent: Any) -> int:
        given_arguments = {a.name.value: a.value for a in node.arguments or ()}
        for argument in PAGE_ARGUMENTS:
            if argument in definition.args:
                given = given_arguments.get(argument)
                if isinstance(given, IntValueNode):
                    return max(1, int(given.value))
                default = definition.args[argument].default_value
                if isinstance(default, int):
                    return max(1, default)
                return self.limits.nominal_list_size
        returned = definition.type
        if isinstance(returned, GraphQLNonNull):
            returned = returned.of_type
        if not isinstance(returned, GraphQLList):
            return 1
        if parent.name.endswith("Connection") and node.name.value in ("edges", "nodes"):
            return 1
        return self.limits.nominal_list_size


__all__ = [
    "DEFAULT_LIMITS",
    "QUERY_TOO_COMPLEX",
    "Limits",
    "Measure",
    "TokenLimit",
    "limit_extensions",
    "measure",
    "operation_cost",
    "too_complex",
    "validation_rules",
]
