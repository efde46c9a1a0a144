"""Trusted documents (persisted queries): the committed manifest matches docs/trusted-documents/,
a request may name a document by hash (Apollo's APQ shape or `documentId`), an unknown hash
answers `PERSISTED_QUERY_NOT_FOUND`, and `VEMTAS_TRUSTED_DOCUMENTS_ONLY` refuses free-form
documents. Refused requests cause no agency call."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from gateway.settings import Settings, SettingsError
from schema.trusted_documents import (
    FOLDER,
    MANIFEST,
    build_manifest,
    document_hash,
    load_manifest,
    main,
    render,
)
from tests.hardening.conftest import AYNUR, Stack, open_stack

FAMILY = (FOLDER / "Family.graphql").read_text(encoding="utf-8")
FAMILY_HASH = document_hash(FAMILY)
UNKNOWN_HASH = "0" * 64
FREE_FORM = '{ household(fin: "5ZX3K8P") { id } }'


def apq(sha256: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256}}


def code_of(body: dict[str, Any]) -> str:
    assert body.get("data") is None, body
    [error] = body["errors"]
    code: str = error["extensions"]["code"]
    return code


def test_the_committed_manifest_is_built_from_the_trusted_documents_folder() -> None:
    assert MANIFEST.read_text(encoding="utf-8") == render(build_manifest()), (
        "run: python -m schema.trusted_documents > schema/trusted_documents.json"
    )
    assert main(["--check"]) == 0
    manifest = load_manifest()
    assert len(manifest) == len(list(FOLDER.glob("*.graphql"))) >= 2
    assert all(document_hash(document) == key for key, document in manifest.items())


def test_a_document_over_the_limits_cannot_become_a_trusted_document(tmp_path: Any) -> None:
    (tmp_path / "Wide.graphql").write_text(
        "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }", encoding="utf-8"
    )
    with pytest.raises(ValueError, match=r"Wide\.graphql: 31 aliases found"):
        build_manifest(tmp_path)


async def test_a_document_named_by_its_hash_in_the_apq_shape_answers(stack: Stack) -> None:
    status, body = await stack.post(
        {"variables": {"fin": AYNUR}, "extensions": apq(FAMILY_HASH)}, stack.token("auditor")
    )
    assert status == 200 and "errors" not in body, body
    assert body["data"]["household"]["id"] == "HH-YAS-000001"


async def test_a_document_named_by_document_id_answers_over_post_and_get(stack: Stack) -> None:
    token = stack.token("auditor")
    _, body = await stack.post(
        {"documentId": f"sha256:{FAMILY_HASH}", "variables": {"fin": AYNUR}}, token
    )
    assert body["data"]["household"]["members"], body
    response = await stack.client.get(
        "/graphql",
        params={"documentId": f"sha256:{FAMILY_HASH}", "variables": json.dumps({"fin": AYNUR})},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.json()["data"]["household"]["id"] == "HH-YAS-000001"


async def test_an_apq_hash_over_get_answers(stack: Stack) -> None:
    response = await stack.client.get(
        "/graphql",
        params={
            "extensions": json.dumps(apq(FAMILY_HASH)),
            "variables": json.dumps({"fin": AYNUR}),
        },
        headers={"Authorization": f"Bearer {stack.token('auditor')}"},
    )
    assert response.json()["data"]["household"]["id"] == "HH-YAS-000001"


async def test_an_unknown_hash_answers_persisted_query_not_found_without_agency_calls(
    stack: Stack,
) -> None:
    token = stack.token("auditor")
    status, body = await stack.post({"extensions": apq(UNKNOWN_HASH)}, token)
    assert status == 200  # APQ clients then send the whole document
    assert code_of(body) == "PERSISTED_QUERY_NOT_FOUND"
    _, body = await stack.post({"documentId": "sha256:not-a-hash"}, token)
    assert code_of(body) == "PERSISTED_QUERY_NOT_FOUND"
    assert await stack.agency_calls() == 0


async def test_a_query_sent_with_another_documents_hash_is_refused(stack: Stack) -> None:
    _, body = await stack.post(
        {"query": FREE_FORM, "extensions": apq(FAMILY_HASH)}, stack.token("auditor")
    )
    assert code_of(body) == "BAD_USER_INPUT"
    assert await stack.agency_calls() == 0


async def test_a_free_form_query_with_its_own_hash_runs_when_free_form_is_allowed(
    stack: Stack,
) -> None:
    _, body = await stack.post(
        {"query": FREE_FORM, "extensions": apq(document_hash(FREE_FORM))}, stack.token("auditor")
    )
    assert body == {"data": {"household": {"id": "HH-YAS-000001"}}}


async def test_only_trusted_documents_run_when_the_setting_is_on(settings: Settings) -> None:
    async with open_stack(replace(settings, trusted_documents_only=True)) as stack:
        token = stack.token("auditor")
        refused = await stack.query(FREE_FORM, token)
        assert code_of(refused) == "PERSISTED_QUERY_NOT_FOUND"
        assert "trusted documents" in refused["errors"][0]["message"]
        _, body = await stack.post(
            {"query": FREE_FORM, "extensions": apq(document_hash(FREE_FORM))}, token
        )
        assert code_of(body) == "PERSISTED_QUERY_NOT_FOUND"
        assert await stack.agency_calls() == 0

        _, body = await stack.post(
            {"variables": {"fin": AYNUR}, "extensions": apq(FAMILY_HASH)}, token
        )
        assert body["data"]["household"]["id"] == "HH-YAS-000001"
        # the very text of a trusted document is trusted too
        assert "errors" not in await stack.query(FAMILY, token, {"fin": AYNUR})


def test_the_trusted_documents_only_setting_is_read_from_the_environment() -> None:
    assert Settings.from_env({}).trusted_documents_only is False
    on = Settings.from_env({"VEMTAS_TRUSTED_DOCUMENTS_ONLY": "1"})
    assert on.trusted_documents_only is True
    with pytest.raises(SettingsError, match="VEMTAS_TRUSTED_DOCUMENTS_ONLY"):
        Settings.from_env({"VEMTAS_TRUSTED_DOCUMENTS_ONLY": "sometimes"})
