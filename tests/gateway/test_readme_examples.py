"""The README's example documents are valid against the schema, and its household queries
answer without errors against the mock agencies."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from graphql import parse, validate

from schema.schema import build_schema

if TYPE_CHECKING:
    from conftest import Stack

README = Path(__file__).parents[2] / "README.md"
EXAMPLES = re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
HOUSEHOLD_EXAMPLES = [e for e in EXAMPLES if "household(fin: $fin)" in e]


def test_the_readme_has_example_documents() -> None:
    assert len(EXAMPLES) >= 4 and len(HOUSEHOLD_EXAMPLES) >= 2


@pytest.mark.parametrize("document", EXAMPLES, ids=[f"example-{i}" for i in range(len(EXAMPLES))])
def test_a_readme_example_is_valid_against_the_schema(document: str) -> None:
    schema = build_schema()._schema
    assert validate(schema, parse(document)) == []


@pytest.mark.parametrize(
    "query", HOUSEHOLD_EXAMPLES, ids=[f"household-{i}" for i in range(len(HOUSEHOLD_EXAMPLES))]
)
async def test_a_readme_household_example_answers_without_errors(stack: Stack, query: str) -> None:
    body = await stack.query(query, stack.token("auditor"), {"fin": "5ZX3K8P"})
    assert "errors" not in body, body["errors"]
    assert body["data"]["household"]["members"]


async def test_the_readme_data_tracker_example_answers_for_a_citizen(stack: Stack) -> None:
    [tracker] = [e for e in EXAMPLES if "myDataAccessLog" in e]
    caseworker = stack.token("caseworker", districts=("Yasamal",))
    await stack.query('{ household(fin: "5ZX3K8P") { properties { id } } }', caseworker)
    body = await stack.query(tracker, stack.token("citizen", fin="5ZX3K8P"))
    assert "errors" not in body, body["errors"]
    nodes = [e["node"] for e in body["data"]["myDataAccessLog"]["edges"]]
    assert any(n["actorRole"] == "CASEWORKER" and n["agencyName"] for n in nodes)
