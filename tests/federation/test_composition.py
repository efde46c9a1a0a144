"""The subgraph SDL composes with a second subgraph under Apollo's own composition library
(`@apollo/composition` from npm, installed by `make test` into tests/federation/node_modules)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from schema.schema import build_schema
from tests.services import require_node_package

HERE = Path(__file__).parent

PAYMENTS_SUBGRAPH = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])

type Household @key(fields: "id") {
  id: ID!
  paymentsTotal: String
}

type Person @key(fields: "fin") {
  fin: FIN!
  bankAccount: String
}

scalar FIN

type Query {
  paymentsHealth: String
}
"""

CONFLICTING_SUBGRAPH = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

type Household @key(fields: "id") {
  id: ID!
  district: Int
}

type Query {
  other: String
}
"""


def compose(tmp_path: Path, second: str) -> dict[str, object]:
    node = require_node_package(HERE, "@apollo/composition")
    ours = tmp_path / "vemtas.graphql"
    ours.write_text(build_schema().as_str(), encoding="utf-8")
    theirs = tmp_path / "second.graphql"
    theirs.write_text(second, encoding="utf-8")
    done = subprocess.run(
        [node, str(HERE / "compose.mjs"), f"vemtas={ours}", f"second={theirs}"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=HERE,
        check=False,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_subgraph_composes_with_a_second_subgraph_extending_household_and_person(
    tmp_path: Path,
) -> None:
    result = compose(tmp_path, PAYMENTS_SUBGRAPH)
    assert result["ok"] is True, result
    supergraph = str(result["supergraph"])
    assert "paymentsTotal" in supergraph
    assert "monthlyIncomes" in supergraph
    assert "bankAccount" in supergraph


def test_composition_reports_a_subgraph_that_contradicts_ours(tmp_path: Path) -> None:
    result = compose(tmp_path, CONFLICTING_SUBGRAPH)
    assert result["ok"] is False
    assert any("district" in error for error in result["errors"])  # type: ignore[union-attr]
