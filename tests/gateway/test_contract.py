"""The schema keeps api.md's contract: every type, field and argument of its core schema
(``api_core.graphql``, copied verbatim from api.md) exists with the same type, nullability and
default; the root types are ``Query``, ``Mutation`` and ``Subscription``. Additions are free."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import (
    GraphQLInputObjectType,
    GraphQLObjectType,
    GraphQLSchema,
    ast_from_value,
    parse,
    print_ast,
)
from graphql.language import (
    FieldDefinitionNode,
    InputValueDefinitionNode,
    ObjectTypeDefinitionNode,
    TypeDefinitionNode,
)

from schema.schema import build_schema

CONTRACT = parse((Path(__file__).parent / "api_core.graphql").read_text())
DEFINITIONS = [d for d in CONTRACT.definitions if isinstance(d, TypeDefinitionNode)]


@pytest.fixture(scope="module")
def ours() -> GraphQLSchema:
    return build_schema()._schema


def test_the_root_types_have_the_contracts_names(ours: GraphQLSchema) -> None:
    assert ours.query_type is not None and ours.query_type.name == "Query"
    assert ours.mutation_type is not None and ours.mutation_type.name == "Mutation"
    assert ours.subscription_type is not None and ours.subscription_type.name == "Subscription"
    # "Subscription: `applicationUpdated(id: ID!): Application!`"
    updated = ours.subscription_type.fields["applicationUpdated"]
    assert str(updated.type) == "Application!"
    assert {name: str(arg.type) for name, arg in updated.args.items()} == {"id": "ID!"}


def _default(value: InputValueDefinitionNode) -> str | None:
    return print_ast(value.default_value) if value.default_value is not None else None


def _our_default(default: object, type_: object) -> str | None:
    if default is None:
        return None
    node = ast_from_value(default, type_)  # type: ignore[arg-type]
    return print_ast(node) if node is not None else None


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.name.value)
def test_every_type_of_the_contract_is_kept(
    ours: GraphQLSchema, definition: TypeDefinitionNode
) -> None:
    ours_type = ours.type_map.get(definition.name.value)
    assert ours_type is not None, f"type {definition.name.value} is missing"
    if isinstance(definition, ObjectTypeDefinitionNode):
        assert isinstance(ours_type, GraphQLObjectType)
        for field in definition.fields or ():
            _same_field(ours_type, field)
    elif definition.kind == "input_object_type_definition":
        assert isinstance(ours_type, GraphQLInputObjectType)
        for value in definition.fields or ():  # type: ignore[attr-defined]
            mine = ours_type.fields.get(value.name.value)
            where = f"{definition.name.value}.{value.name.value}"
            assert mine is not None, f"{where} is missing"
            assert str(mine.type) == print_ast(value.type), where
            assert _our_default(mine.default_value, mine.type) == _default(value), where


def _same_field(ours_type: GraphQLObjectType, field: FieldDefinitionNode) -> None:
    where = f"{ours_type.name}.{field.name.value}"
    mine = ours_type.fields.get(field.name.value)
    assert mine is not None, f"{where} is missing"
    assert str(mine.type) == print_ast(field.type), where
    for argument in field.arguments or ():
        arg = mine.args.get(argument.name.value)
        here = f"{where}({argument.name.value})"
        assert arg is not None, f"{here} is missing"
        assert str(arg.type) == print_ast(argument.type), here
        assert _our_default(arg.default_value, arg.type) == _default(argument), here
