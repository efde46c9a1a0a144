"""tax (REST): registrations and the tax service's own income sources only."""

from __future__ import annotations

from .agency_world import AYNUR, GULNARE, KAMRAN, LEYLA, RESAD


async def test_lists_entrepreneurs_and_employees_under_their_employers_voen(
    client, headers
) -> None:
    response = await client.post(
        "/tax/taxpayers:batch", json={"fins": [AYNUR, RESAD, LEYLA]}, headers=headers()
    )

    assert response.json() == {
        "taxpayers": [
            {
                "fin": AYNUR,
                "voen": "1401234561",
                "entrepreneur": False,
                "registered_from": "2024-01-01",
                "registered_until": None,
            },
            {
                "fin": RESAD,
                "voen": "1501234562",
                "entrepreneur": True,
                "registered_from": "2022-03-01",
                "registered_until": None,
            },
        ]
    }


async def test_answers_wage_and_rent_per_month_with_two_decimals(client, headers) -> None:
    response = await client.post(
        "/tax/incomes:batch",
        json={"fins": [AYNUR], "from": "2025-07", "until": "2025-09"},
        headers=headers(),
    )

    assert response.json() == {
        "incomes": [
            {"fin": AYNUR, "month": "2025-07", "source": "wage", "amount": "450.00"},
            {"fin": AYNUR, "month": "2025-08", "source": "wage", "amount": "450.00"},
            {"fin": AYNUR, "month": "2025-09", "source": "wage", "amount": "450.00"},
            {"fin": AYNUR, "month": "2025-07", "source": "rent", "amount": "100.00"},
            {"fin": AYNUR, "month": "2025-08", "source": "rent", "amount": "100.00"},
        ]
    }


async def test_knows_nothing_of_pensions_alimony_credit_or_other_agencies_payments(
    client, headers
) -> None:
    response = await client.post(
        "/tax/incomes:batch",
        json={"fins": [AYNUR, GULNARE, KAMRAN], "from": "2025-01", "until": "2026-12"},
        headers=headers(),
    )

    sources = {i["source"] for i in response.json()["incomes"]}
    assert sources == {"wage", "rent"}


async def test_answers_entrepreneur_income_only_within_the_months_asked(client, headers) -> None:
    response = await client.post(
        "/tax/incomes:batch",
        json={"fins": [RESAD], "from": "2025-03", "until": "2025-12"},
        headers=headers(),
    )

    assert response.json()["incomes"] == [
        {"fin": RESAD, "month": "2025-03", "source": "entrepreneur", "amount": "200.00"}
    ]
