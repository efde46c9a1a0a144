"""Depth, alias, token, directive and cost limits: a document over any of them is refused with
`QUERY_TOO_COMPLEX` before execution, so it costs no agency call."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import OperationDefinitionNode, parse

from schema.limits import DEFAULT_LIMITS, measure, operation_cost, validation_rules
from schema.schema import build_schema
from tests.hardening.conftest import AYNUR, Stack

HOUSEHOLD = f'household(fin: "{AYNUR}")'


def refusal(body: dict[str, Any]) -> dict[str, Any]:
    """The first error of a refused document; every error must be `QUERY_TOO_COMPLEX`."""
    assert body.get("data") is None, body
    assert body["errors"], body
    for error in body["errors"]:
        assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX", error
    first: dict[str, Any] = body["errors"][0]
    return first


def cost(document: str) -> int:
    ast = parse(document)
    [operation] = [d for d in ast.definitions if isinstance(d, OperationDefinitionNode)]
    return operation_cost(build_schema()._schema, ast, operation)


async def test_a_deep_query_is_refused_as_too_complex_without_agency_calls(stack: Stack) -> None:
    deep = "{ " + HOUSEHOLD + " { applications { household " * 6 + "{ id }" + " } }" * 6 + " }"
    error = refusal(await stack.query(deep, stack.token("auditor")))
    assert "maximum operation depth of 10" in error["message"]
    assert await stack.agency_calls() == 0


async def test_too_many_aliases_are_refused_as_too_complex(stack: Stack) -> None:
    aliased = "{ " + " ".join(f"a{i}: {HOUSEHOLD} {{ id }}" for i in range(31)) + " }"
    error = refusal(await stack.query(aliased, stack.token("auditor")))
    assert error["message"] == "31 aliases found. Allowed: 30"
    assert await stack.agency_calls() == 0


async def test_a_document_of_too_many_tokens_is_refused_as_too_complex(stack: Stack) -> None:
    padded = "{ " + " ".join(["__typename"] * 2100) + " }"
    error = refusal(await stack.query(padded))
    assert "more than 2000 tokens" in error["message"]
    assert error["extensions"]["maxTokens"] == 2000


async def test_more_than_fifty_directives_are_refused_but_fifty_are_fine(stack: Stack) -> None:
    def with_directives(count: int) -> str:
        return "{ " + " ".join(["__typename @include(if: true)"] * count) + " }"

    assert (await stack.query(with_directives(50))) == {"data": {"__typename": "Query"}}
    error = refusal(await stack.query(with_directives(51)))
    assert error["message"] == "51 directives found. Allowed: 50"


async def test_a_hundred_years_of_monthly_incomes_is_too_costly_but_a_year_is_answered(
    stack: Stack,
) -> None:
    def incomes(months: int) -> str:
        return (
            "{ " + HOUSEHOLD + f" {{ monthlyIncomes(months: {months}) "
            "{ fin month source amount agency } } }"
        )

    token = stack.token("auditor")
    error = refusal(await stack.query(incomes(1200), token))
    assert "costs more than 5000" in error["message"]
    assert error["extensions"]["maxCost"] == 5000
    assert await stack.agency_calls() == 0

    body = await stack.query(incomes(12), token)
    assert "errors" not in body and body["data"]["household"]["monthlyIncomes"]
    assert await stack.agency_calls() > 0


async def test_a_large_page_of_applications_with_nested_lists_is_too_costly(
    stack: Stack,
) -> None:
    nested = (
        "{ applications(first: %d) { nodes { id household { members { person { fin } } "
        "monthlyIncomes { amount } } decision { reasons { code } } notifications { text } } } }"
    )
    refusal(await stack.query(nested % 100, stack.token("auditor")))
    small = await stack.query(nested % 5, stack.token("auditor"))
    assert small["data"] == {"applications": {"nodes": []}}
    assert await stack.agency_calls() == 0


async def test_an_unknown_fragment_is_a_validation_error_not_an_internal_one(
    stack: Stack,
) -> None:
    body = await stack.query("{ ...Unknown }")
    [error] = body["errors"]
    assert error["message"] == "Unknown fragment 'Unknown'."
    assert error.get("extensions", {}).get("code") != "INTERNAL"


def test_each_field_costs_one_and_a_list_multiplies_its_selection() -> None:
    assert cost("{ __typename }") == 1
    assert cost('{ household(fin: "5ZX3K8P") { id district } }') == 3
    # members: 1 + 10 (nominal list size) × (relation 1 + person 1 + fin 1)
    assert cost('{ household(fin: "5ZX3K8P") { members { relation person { fin } } } }') == 32
    # months: 3 multiplies by 3, the schema default (12) when not given
    assert cost('{ household(fin: "5ZX3K8P") { utilityCharges(months: 3) { kind } } }') == 5
    assert cost('{ household(fin: "5ZX3K8P") { utilityCharges { kind } } }') == 14


def test_a_connection_multiplies_by_first_once_and_fragments_count_where_spread() -> None:
    # applications: 1 + 7 × (nodes: 1 + 1 × id)
    assert cost("{ applications(first: 7) { nodes { id } } }") == 15
    assert (
        cost(
            "{ applications(first: 7) { ...Page } } fragment Page on ApplicationConnection "
            "{ nodes { id } }"
        )
        == 15
    )


def fragment_bomb(levels: int, aliased: bool = False) -> str:
    """Each fragment spreads the previous one ten times: 10^(levels-1) copies of F0 expanded."""
    leaf = "m: members { relation }" if aliased else "members { relation }"
    fragments = [f"fragment F0 on Household {{ {leaf} }}"]
    fragments += [
        f"fragment F{i} on Household {{ {' '.join([f'...F{i - 1}'] * 10)} }}"
        for i in range(1, levels)
    ]
    return f'{{ household(fin: "{AYNUR}") {{ ...F{levels - 1} }} }} ' + " ".join(fragments)


def test_a_fragment_bomb_is_measured_without_expanding_it() -> None:
    document = fragment_bomb(12, aliased=True)  # 10^11 copies: never walked one by one
    ast = parse(document)
    [operation] = [d for d in ast.definitions if isinstance(d, OperationDefinitionNode)]
    found = measure(build_schema()._schema, ast, operation)
    assert found.aliases == 10**11
    assert found.depth == 2
    assert found.cost > DEFAULT_LIMITS.max_cost


async def test_a_fragment_bomb_is_refused_as_too_complex(stack: Stack) -> None:
    body = await stack.query(fragment_bomb(12, aliased=True), stack.token("auditor"))
    assert body.get("data") is None
    codes = {e["extensions"]["code"] for e in body["errors"]}
    assert codes == {"QUERY_TOO_COMPLEX"}
    assert await stack.agency_calls() == 0


async def test_the_limit_rules_are_built_once_so_the_validation_cache_keeps_working(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import schema.limits

    measured: list[object] = []
    original = schema.limits.measure

    def counting(*args: Any, **kwargs: Any) -> Any:
        measured.append(args[2])
        return original(*args, **kwargs)

    monkeypatch.setattr(schema.limits, "measure", counting)
    assert validation_rules() is validation_rules()
    for caches, validations in ((True, 1), (False, 3)):
        measured.clear()
        built = build_schema(caches=caches)
        for _ in range(3):
            result = await built.execute("{ __typename }")
            assert result.errors is None and result.data == {"__typename": "Query"}
        assert len(measured) == validations, caches
