"""social_insurance (REST): contracts, payments, TSA assignments, findings, state care."""

from __future__ import annotations

from .agency_world import AYNUR, GULNARE, KAMRAN, LEYLA


async def post(client, headers, path: str, **body: object) -> dict:
    response = await client.post(f"/social_insurance/{path}", json=body, headers=headers())
    assert response.status_code == 200, response.text
    return response.json()


async def test_answers_employment_contracts(client, headers) -> None:
    body = await post(client, headers, "contracts:batch", fins=[AYNUR, LEYLA])

    assert body == {
        "contracts": [
            {
                "fin": AYNUR,
                "employer_voen": "1401234561",
                "from": "2024-01-01",
                "until": None,
                "monthly_wage": "450.00",
            }
        ]
    }


async def test_answers_its_own_payments_only_by_month_and_source(client, headers) -> None:
    body = await post(
        client,
        headers,
        "payments:batch",
        fins=[AYNUR, KAMRAN],
        **{"from": "2025-01", "until": "2025-03"},
    )

    assert body == {
        "payments": [
            {"fin": AYNUR, "month": "2025-01", "source": "pension", "amount": "120.50"},
            {"fin": AYNUR, "month": "2025-02", "source": "pension", "amount": "120.50"},
            {"fin": KAMRAN, "month": "2025-01", "source": "benefit", "amount": "55.00"},
            {"fin": KAMRAN, "month": "2025-02", "source": "tsa", "amount": "75.00"},
            {
                "fin": KAMRAN,
                "month": "2025-03",
                "source": "liberated_territories_benefit",
                "amount": "40.00",
            },
        ]
    }


async def test_answers_past_tsa_assignments(client, headers) -> None:
    body = await post(client, headers, "assignments:batch", fins=[AYNUR, GULNARE])

    assert body == {
        "assignments": [
            {"fin": AYNUR, "from": "2025-01-01", "until": "2025-12-31", "monthly": "300.00"}
        ]
    }


async def test_answers_false_information_findings(client, headers) -> None:
    body = await post(client, headers, "findings:batch", fins=[AYNUR, KAMRAN])

    assert body == {"findings": [{"fin": KAMRAN, "false_information_found_on": "2025-05-05"}]}


async def test_answers_residents_in_state_care(client, headers) -> None:
    body = await post(client, headers, "state-care:batch", fins=[AYNUR, KAMRAN])

    assert body == {"residents": [{"fin": KAMRAN}]}
