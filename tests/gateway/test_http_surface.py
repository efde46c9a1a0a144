"""The HTTP surface around the schema: health, metrics, limits, masking, X-Road identifiers,
the media types (`application/json`, `application/graphql-response+json`) and the `prod`
profile's refusals."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import httpx
import pytest

from gateway.app import create_app
from gateway.auth import InsecureConfigurationError
from gateway.settings import Profile, Settings, SettingsError
from schema.schema import build_schema

if TYPE_CHECKING:
    from conftest import Stack


async def test_health_and_readiness_answer_once_started(stack: Stack) -> None:
    assert (await stack.client.get("/healthz")).json() == {"status": "ok"}
    assert (await stack.client.get("/readyz")).status_code == 200


async def test_metrics_count_graphql_requests_in_prometheus_format(stack: Stack) -> None:
    await stack.query("{ __typename }", None)
    text = (await stack.client.get("/metrics")).text
    assert 'vemtas_graphql_requests_total{status="200"}' in text


async def test_metrics_count_each_status_apart(stack: Stack) -> None:
    for _ in range(2):
        await stack.query("{ __typename }", None)
    await stack.client.post("/graphql", json={"query": "{ nope }"})
    text = (await stack.client.get("/metrics")).text
    # a request error answered as application/json is a 200
    assert 'vemtas_graphql_requests_total{status="200"} 3.0' in text
    assert 'vemtas_graphql_requests_total{status="400"}' not in text
    await stack.client.post(
        "/graphql",
        json={"query": "{ nope }"},
        headers={"accept": "application/graphql-response+json"},
    )
    text = (await stack.client.get("/metrics")).text
    assert 'vemtas_graphql_requests_total{status="200"} 3.0' in text
    assert 'vemtas_graphql_requests_total{status="400"} 1.0' in text


async def test_an_oversized_body_is_refused_with_413_before_parsing(stack: Stack) -> None:
    padding = "x" * (70 * 1024)
    response = await stack.client.post(
        "/graphql",
        json={"query": "{ __typename }", "variables": {"pad": padding}},
        headers={"Authorization": f"Bearer {stack.token('auditor')}"},
    )
    assert response.status_code == 413
    assert all(ops == {} for ops in (await stack.calls()).values())


async def test_queries_are_allowed_over_get(stack: Stack) -> None:
    response = await stack.client.get("/graphql", params={"query": "{ __typename }"})
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_too_deep_a_query_is_refused_without_agency_calls(stack: Stack) -> None:
    deep = '{ household(fin: "5ZX3K8P") { members { person { migration { borderCrossings { fin } } } } } }'
    nested = "{ " + "a: __typename " + " }"
    assert (await stack.query(nested, stack.token("auditor")))["data"]
    body = await stack.query(deep.replace("{ fin }", "{ fin " + "}"), stack.token("auditor"))
    assert "errors" not in body  # depth 6 is fine
    too_many_aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(40)) + " }"
    await stack.reset_calls()
    body = await stack.query(too_many_aliases, stack.token("auditor"))
    assert body["errors"] and body.get("data") is None


async def test_every_agency_call_carries_the_actor_and_the_purpose_as_xroad_identifiers(
    stack: Stack,
) -> None:
    token = stack.token("caseworker", sub="caseworker-77", districts=("Yasamal",))
    await stack.query('{ household(fin: "5ZX3K8P") { properties { id } } }', token)
    raw = (await stack.mocks.get("/_admin/calls")).json()
    [last] = raw["property"]["GetRealEstateByOwners"]["last"]
    assert last["userId"] == "caseworker-77"
    assert last["issue"] == "case-review"
    assert last["client"] == "AZ/GOV/MLSPP/vemtas"
    ids = {c["id"] for ops in raw.values() for op in ops.values() for c in op["last"]}
    assert len(ids) >= 2  # a new X-Road id per call


async def test_an_unexpected_failure_is_masked_with_a_correlation_id(stack: Stack) -> None:
    runtime = stack.client._transport.app.state.runtime  # type: ignore[attr-defined]

    class Broken:
        async def real_estate(self, *_: object) -> object:
            raise RuntimeError("secret internals: /etc/passwd")

    original = runtime.adapters.property
    runtime.adapters.property = Broken()
    try:
        body = await stack.query(
            '{ household(fin: "5ZX3K8P") { id properties { id } } }',
            stack.token("auditor"),
        )
    finally:
        runtime.adapters.property = original
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INTERNAL"
    assert error["extensions"]["correlationId"] in error["message"]
    assert "secret" not in str(body) and "Traceback" not in str(body)
    assert body["data"]["household"]["id"] == "HH-YAS-000001"


def test_the_production_schema_hides_introspection_and_field_suggestions() -> None:
    schema = build_schema(production=True)
    result = schema.execute_sync("{ __schema { types { name } } }")
    assert result.errors
    result = schema.execute_sync('{ househol(fin: "5ZX3K8P") { id } }')
    assert result.errors
    assert "Did you mean" not in result.errors[0].message


def test_the_development_schema_suggests_fields() -> None:
    result = build_schema().execute_sync('{ househol(fin: "5ZX3K8P") { id } }')
    assert result.errors and "Did you mean" in result.errors[0].message


def test_prod_refuses_a_pinned_clock() -> None:
    with pytest.raises(SettingsError, match="VEMTAS_CLOCK"):
        Settings.from_env({"VEMTAS_PROFILE": "prod", "VEMTAS_CLOCK": "2026-11-15"})


async def test_prod_refuses_to_start_with_the_mock_identity_provider(settings: Settings) -> None:
    prod = replace(settings, profile=Profile.PROD, clock=None)
    app = create_app(prod, adapters=object())  # type: ignore[arg-type]
    with pytest.raises(InsecureConfigurationError):
        async with app.router.lifespan_context(app):
            pass


def _production_jwks() -> dict[str, object]:
    """A JWKS with a freshly made RSA key: not a development key."""
    import base64

    from cryptography.hazmat.primitives.asymmetric import rsa

    numbers = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_numbers()
    )

    def b64(value: int) -> str:
        raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return {
        "keys": [
            {
                "kty": "RSA",
                "kid": "prod-1",
                "alg": "RS256",
                "use": "sig",
                "n": b64(numbers.n),
                "e": b64(numbers.e),
            }
        ]
    }


async def test_graphiql_and_introspection_are_served_in_dev_only(
    stack: Stack, settings: Settings
) -> None:
    page = await stack.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert "errors" not in await stack.query("{ __schema { queryType { name } } }", None)

    jwks = _production_jwks()
    prod = replace(
        settings,
        profile=Profile.PROD,
        clock=None,
        oidc_issuer="https://idp.egov.test",
        oidc_jwks_url="https://idp.egov.test/jwks",
    )
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=jwks))
    app = create_app(prod, adapters=object(), jwks_transport=transport)  # type: ignore[arg-type]
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client,
    ):
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        assert "graphiql" not in page.text.lower()
        body = (
            await client.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})
        ).json()
        assert body["errors"] and not body.get("data")


# --- media types (GraphQL over HTTP) ------------------------------------------------------

GRAPHQL_RESPONSE = "application/graphql-response+json"


async def _post(stack: Stack, body: dict[str, object], accept: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {stack.token('auditor')}"}
    if accept is not None:
        headers["Accept"] = accept
    return await stack.client.post("/graphql", json=body, headers=headers)


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),  # a tie goes to it
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.5, application/json", "application/json"),
        (f"{GRAPHQL_RESPONSE};q=0", "application/json"),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        (None, "application/json"),
    ],
)
async def test_the_response_media_type_follows_the_accept_header(
    stack: Stack, accept: str | None, media_type: str
) -> None:
    response = await _post(stack, {"query": "{ __typename }"}, accept)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.json() == {"data": {"__typename": "Query"}}
    assert response.headers["vary"] == "Accept"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"query": "{"}, None),  # does not parse
        ({"query": "{ nosuchfield }"}, None),
        (
            {"query": "query Q($fin: FIN!) { person(fin: $fin) { fin } }", "variables": {}},
            None,
        ),  # a variable that does not coerce
        (
            {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
            "PERSISTED_QUERY_NOT_FOUND",
        ),  # refused by the trusted documents, unexecuted
    ],
    ids=["parse", "validation", "variables", "unknown-hash"],
)
async def test_a_request_error_answers_400_without_data_in_graphql_response_json_only(
    stack: Stack, body: dict[str, object], code: str | None
) -> None:
    response = await _post(stack, body, GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    answer = response.json()
    assert "data" not in answer and answer["errors"], answer
    if code is not None:
        assert answer["errors"][0]["extensions"]["code"] == code

    legacy = await _post(stack, body, "application/json")  # unchanged: 200, "data": null
    assert legacy.status_code == 200
    assert legacy.json()["data"] is None and legacy.json()["errors"]
    assert await stack.agency_calls() == 0


async def test_a_field_error_keeps_200_and_data_in_graphql_response_json(stack: Stack) -> None:
    response = await stack.client.post(
        "/graphql",
        json={"query": '{ household(fin: "5ZX3K8P") { id } }'},  # no token: a field error
        headers={"Accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 200
    answer = response.json()
    assert answer["data"] == {"household": None}
    assert answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_query_over_get_answers_in_graphql_response_json(stack: Stack) -> None:
    response = await stack.client.get(
        "/graphql", params={"query": "{ __typename }"}, headers={"Accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    response = await stack.client.get(
        "/graphql", params={"query": "{ nosuchfield }"}, headers={"Accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 400 and "data" not in response.json()
