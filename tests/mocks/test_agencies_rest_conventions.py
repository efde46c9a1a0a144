"""Conventions every REST mock agency follows: strict request validation with a detail that
names the field, X-Road headers required and X-Road-Id echoed, money as two-decimal strings."""

from __future__ import annotations

import pytest

from .agency_world import AYNUR

BATCH_PATHS = [
    ("/population/persons:batch", {}),
    ("/tax/incomes:batch", {"from": "2025-01", "until": "2025-12"}),
    ("/social_insurance/payments:batch", {"from": "2025-01", "until": "2025-12"}),
    ("/disability/disabilities:batch", {}),
    ("/employment/refused-offers:batch", {}),
    ("/education/studies:batch", {}),
    ("/agriculture/farmers:batch", {}),
    ("/telecom/charges:batch", {"from": "2025-01", "until": "2025-12"}),
]


async def test_echoes_the_xroad_id_of_the_call(client, headers) -> None:
    sent = headers()
    response = await client.post("/population/persons:batch", json={"fins": [AYNUR]}, headers=sent)

    assert response.headers["X-Road-Id"] == sent["X-Road-Id"]


@pytest.mark.parametrize(("path", "extra"), BATCH_PATHS)
async def test_refuses_an_invalid_fin_naming_its_position_but_not_its_value(
    client, headers, path: str, extra: dict[str, str]
) -> None:
    response = await client.post(
        path, json={"fins": [AYNUR, "5zx3k8p"], **extra}, headers=headers()
    )

    assert response.status_code == 400
    assert response.json() == {"error": "bad_request", "detail": "fins[1] is not a valid FIN"}


@pytest.mark.parametrize(("path", "extra"), BATCH_PATHS)
async def test_refuses_more_than_500_keys(
    client, headers, path: str, extra: dict[str, str]
) -> None:
    response = await client.post(path, json={"fins": [AYNUR] * 501, **extra}, headers=headers())

    assert response.status_code == 400
    assert "at most 500" in response.json()["detail"]


async def test_accepts_exactly_500_keys(client, headers) -> None:
    response = await client.post(
        "/population/persons:batch", json={"fins": [AYNUR] * 500}, headers=headers()
    )

    assert response.status_code == 200
    assert len(response.json()["persons"]) == 1


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"fins": [AYNUR], "include": "all"}, "unknown fields: include"),
        ({}, "missing fields: fins"),
        ({"fins": AYNUR}, "fins must be a list"),
        ({"fins": [7]}, "fins[0] is not a valid FIN"),
        ([AYNUR], "body must be a JSON object"),
    ],
)
async def test_refuses_a_body_of_the_wrong_shape(
    client, headers, body: object, detail: str
) -> None:
    response = await client.post("/disability/disabilities:batch", json=body, headers=headers())

    assert response.status_code == 400
    assert response.json()["detail"] == detail


@pytest.mark.parametrize(
    ("months", "detail"),
    [
        ({"from": "2025-13", "until": "2025-12"}, "from must be a month YYYY-MM"),
        ({"from": "2025-01-01", "until": "2025-12"}, "from must be a month YYYY-MM"),
        ({"from": "2025-01", "until": 202512}, "until must be a month YYYY-MM"),
        ({"from": "2025-06", "until": "2025-05"}, "until is before from"),
        ({"from": "1990-01", "until": "2025-12"}, "at most 240 months per call"),
    ],
)
async def test_refuses_a_bad_range_of_months(
    client, headers, months: dict[str, object], detail: str
) -> None:
    response = await client.post(
        "/telecom/charges:batch", json={"fins": [AYNUR], **months}, headers=headers()
    )

    assert response.status_code == 400
    assert response.json()["detail"] == detail


async def test_refuses_a_body_that_is_not_json(client, headers) -> None:
    response = await client.post(
        "/population/persons:batch",
        content=b"fins=5ZX3K8P",
        headers={**headers(), "Content-Type": "application/json"},
    )

    assert response.json() == {"error": "bad_request", "detail": "body is not valid JSON"}


async def test_refuses_a_body_that_is_not_declared_json(client, headers) -> None:
    response = await client.post(
        "/population/persons:batch",
        content=b'{"fins": []}',
        headers={**headers(), "Content-Type": "text/plain"},
    )

    assert response.json()["detail"] == "Content-Type must be application/json"


@pytest.mark.parametrize("missing", ["X-Road-Client", "X-Road-Id", "X-Road-UserId", "X-Road-Issue"])
async def test_refuses_a_call_without_each_xroad_header(client, headers, missing: str) -> None:
    sent = {k: v for k, v in headers().items() if k != missing}
    response = await client.post("/population/persons:batch", json={"fins": [AYNUR]}, headers=sent)

    assert response.status_code == 400
    assert response.json()["detail"] == f"missing header {missing}"


async def test_refuses_an_xroad_id_that_is_not_a_uuid(client, headers) -> None:
    response = await client.post(
        "/population/persons:batch", json={"fins": [AYNUR]}, headers=headers(**{"X-Road-Id": "42"})
    )

    assert response.json()["detail"] == "header X-Road-Id must be a UUID"


async def test_refuses_a_body_too_large_to_be_a_batch(client, headers) -> None:
    response = await client.post(
        "/population/persons:batch",
        content=b'{"fins": ["' + b"A" * 300_000 + b'"]}',
        headers={**headers(), "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert "larger than" in response.json()["detail"]


async def test_an_unknown_path_is_a_json_not_found(client, headers) -> None:
    response = await client.post("/population/people:batch", json={"fins": []}, headers=headers())

    assert response.status_code == 404
    assert response.json() == {"error": "not_found"}


async def test_an_empty_batch_answers_empty_lists(client, headers) -> None:
    response = await client.post("/population/persons:batch", json={"fins": []}, headers=headers())

    assert response.json() == {"persons": [], "not_found": []}
