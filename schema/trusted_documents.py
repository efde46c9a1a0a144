"""Trusted documents (persisted queries) for first-party clients.

The documents are the ``.graphql`` files of ``docs/trusted-documents/``; the manifest
``schema/trusted_documents.json`` maps each document's SHA-256 (hex, of the file's exact text)
to the document, and is written by::

    python -m schema.trusted_documents > schema/trusted_documents.json

A request names a document by hash, in Apollo's APQ shape
``{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}}`` or as
``{"documentId": "sha256:<hex>"}``; an unknown hash answers ``PERSISTED_QUERY_NOT_FOUND``. With
``only`` (``VEMTAS_TRUSTED_DOCUMENTS_ONLY``), a free-form document whose hash is not in the
manifest is refused with ``PERSISTED_QUERY_NOT_FOUND`` too (api.md's code; the message says
that only trusted documents are accepted). Nothing is ever registered at run time.
The same rule applies over HTTP and to every operation a WebSocket carries (``gateway/app.py``).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from graphql import GraphQLError, parse, specified_rules, validate

FOLDER = Path(__file__).resolve().parents[1] / "docs" / "trusted-documents"
MANIFEST = Path(__file__).with_name("trusted_documents.json")

PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
BAD_USER_INPUT = "BAD_USER_INPUT"
_HEX = re.compile(r"[0-9a-f]{64}")


def document_hash(document: str) -> str:
    """The SHA-256 of a document's text (UTF-8), in lowercase hex."""
    return hashlib.sha256(document.encode()).hexdigest()


def build_manifest(folder: Path = FOLDER) -> dict[str, str]:
    """Hash → document for every ``*.graphql`` file of ``folder``; each document must be
    valid against the schema and within its limits (``ValueError`` names the file)."""
    from schema.limits import validation_rules
    from schema.schema import build_schema

    schema = build_schema()._schema
    rules = [*specified_rules, *validation_rules()]
    manifest: dict[str, str] = {}
    for path in sorted(folder.glob("*.graphql")):
        document = path.read_text(encoding="utf-8")
        errors = validate(schema, parse(document), rules)
        if errors:
            raise ValueError(f"{path.name}: {errors[0].message}")
        manifest[document_hash(document)] = document
    return manifest


def render(manifest: Mapping[str, str]) -> str:
    """The manifest file's text (sorted, so that it is stable under review)."""
    return json.dumps(dict(manifest), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load_manifest(path: Path = MANIFEST) -> dict[str, str]:
    """The committed manifest."""
    loaded = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in loaded.items()
    ):
        raise ValueError(f"{path} must map hashes to documents")
    return loaded


@dataclass(frozen=True)
class Refusal:
    """Why a request's document was not accepted: a GraphQL error ``code`` and its message."""

    code: str
    message: str

    def error(self) -> GraphQLError:
        """The GraphQL error the client receives (``extensions.code`` is the code)."""
        return GraphQLError(self.message, extensions={"code": self.code})


class TrustedDocuments:
    """Resolves the document a request runs from its ``query``, ``extensions`` and
    ``documentId``."""

    def __init__(self, documents: Mapping[str, str], *, only: bool = False) -> None:
        self.documents = dict(documents)
        self.only = only

    def resolve(
        self,
        query: str | None,
        extensions: Mapping[str, object] | None,
        document_id: object = None,
    ) -> str | Refusal | None:
        """The document to run (``None``: the request names none), or why none may run.

        A known hash runs its manifest document (a ``query`` sent along must have that hash);
        an unknown hash runs the ``query`` sent along when it has that hash and free-form
        documents are allowed, else ``PERSISTED_QUERY_NOT_FOUND``. Without a hash, ``query``
        runs unless only trusted documents are allowed and it is not one of them."""
        wanted = self._requested_hash(extensions, document_id)
        if isinstance(wanted, Refusal):
            return wanted
        if wanted is None:
            if query is None or not self.only or document_hash(query) in self.documents:
                return query
            return Refusal(
                PERSISTED_QUERY_NOT_FOUND,
                "Only trusted documents are accepted here: send the document's sha256 hash "
                "(extensions.persistedQuery or documentId).",
            )
        if query is not None and document_hash(query) != wanted:
            return Refusal(BAD_USER_INPUT, "The query does not match its sha256 hash.")
        known = self.documents.get(wanted)
        if known is not None:
            return known
        if query is not None and not self.only:
            return query
        return Refusal(PERSISTED_QUERY_NOT_FOUND, "PersistedQueryNotFound")

    @staticmethod
    def _requested_hash(
        extensions: Mapping[str, object] | None, document_id: object
    ) -> str | Refusal | None:
        if document_id is not None:
            if not isinstance(document_id, str):
                return Refusal(BAD_USER_INPUT, "documentId must be a string.")
            return _normalised(document_id.removeprefix("sha256:"))
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            return None
        if not isinstance(persisted, Mapping) or persisted.get("version") != 1:
            return Refusal(BAD_USER_INPUT, "extensions.persistedQuery must have version 1.")
        value = persisted.get("sha256Hash")
        if not isinstance(value, str):
            return Refusal(BAD_USER_INPUT, "extensions.persistedQuery.sha256Hash is missing.")
        return _normalised(value)


def _normalised(value: str) -> str | Refusal:
    value = value.lower()
    if _HEX.fullmatch(value) is None:
        return Refusal(PERSISTED_QUERY_NOT_FOUND, "PersistedQueryNotFound")
    return value


def main(argv: list[str] | None = None) -> int:
    """Prints the manifest built from ``docs/trusted-documents/``; ``--check`` instead exits 1
    when the committed manifest differs from it."""
    args = sys.argv[1:] if argv is None else argv
    text = render(build_manifest())
    if "--check" in args:
        if MANIFEST.read_text(encoding="utf-8") != text:
            print(
                "schema/trusted_documents.json is out of date: run "
                "python -m schema.trusted_documents > schema/trusted_documents.json",
                file=sys.stderr,
            )
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
