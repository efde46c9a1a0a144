"""The README's example queries answer, without errors, against the mock agencies."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Stack

README = Path(__file__).parents[2] / "README.md"
EXAMPLES = re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_readme_has_example_queries() -> None:
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("query", EXAMPLES, ids=[f"example-{i}" for i in range(len(EXAMPLES))])
async def test_a_readme_example_answers_without_errors(stack: Stack, query: str) -> None:
    body = await stack.query(query, stack.token("auditor"), {"fin": "5ZX3K8P"})
    assert "errors" not in body, body["errors"]
    assert body["data"]["household"]["members"]
