"""The schema keeps api.md's contract: every type, field and argument of its core schema
(``api_core.graphql``, copied verbatim from api.md) exists with the same type, nullability and
default; the root types are ``Query``, ``Mutation`` and ``Subscription``. Additions are free."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


SUBMIT = (
    "mutation($input: SubmitApplicationInput!) { submitApplication(input: $input) { __typename } }"
)
INPUT = {
    "idempotencyKey": "contract-1",
    "representativeFin": "5ZX3K8P",
    "representativeIdCard": "AA1234567",
    "members": ["5ZX3K8P"],
    "phone": "+994501234567",
}


@pytest.mark.parametrize(
    ("document", "variables", "extensions"),
    [
        (SUBMIT, {"input": {**INPUT, "channel": "ATM"}}, {"field": ["input", "channel"]}),
        (
            SUBMIT,
            {"input": {**INPUT, "members": ["5ZX3K8P", "x"]}},
            {"field": ["input", "members", "1"]},
        ),
        (
            SUBMIT,
            {"input": {k: v for k, v in INPUT.items() if k != "representativeIdCard"}},
            {"field": ["input"]},
        ),
        (
            "query($f: ApplicationFilter) { applications(filter: $f) { __typename } }",
            {"f": {"statuses": ["DONE"], "registeredFrom": "2026-13-45"}},
            {"field": ["f", "registeredFrom"]},
        ),
        (
            "query($on: Date!) { meansTestParameters(on: $on) { __typename } }",
            {"on": "2026-02-30"},
            {"field": ["on"]},
        ),
        ('{ meansTestParameters(on: "2026-02-30") { __typename } }', None, {}),
        ('{ person(fin: "5ZX3K8") { fin } }', None, {}),
    ],
)
async def test_input_that_does_not_fit_its_type_is_a_bad_user_input_naming_it(
    document: str, variables: dict[str, Any] | None, extensions: dict[str, Any]
) -> None:
    result = await build_schema().execute(document, variable_values=variables)
    assert result.errors, result
    for error in result.errors:
        assert error.extensions is not None
        assert error.extensions["code"] == "BAD_USER_INPUT", error.message
    assert any(
        all(error.extensions.get(k) == v for k, v in extensions.items())  # type: ignore[union-attr]
        for error in result.errors
    ), [e.extensions for e in result.errors]


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ("{ household(fin: ", "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ applications(first: 1.5) { __typename } }", "GRAPHQL_VALIDATION_FAILED"),
    ],
)
async def test_a_document_that_does_not_parse_or_validate_carries_a_code(
    document: str, code: str
) -> None:
    result = await build_schema().execute(document)
    assert result.errors and [e.extensions for e in result.errors] == [{"code": code}]
