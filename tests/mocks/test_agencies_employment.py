"""employment (REST): job seekers, unemployment insurance, refused offers."""

from __future__ import annotations

from .agency_world import AYNUR, KAMRAN


async def test_answers_job_seeker_registrations(client, headers) -> None:
    response = await client.post(
        "/employment/jobseekers:batch", json={"fins": [AYNUR, KAMRAN]}, headers=headers()
    )

    assert response.json() == {"jobseekers": [{"fin": KAMRAN, "registered_on": "2026-01-10"}]}


async def test_answers_unemployment_insurance_by_month(client, headers) -> None:
    response = await client.post(
        "/employment/insurance-payments:batch",
        json={"fins": [KAMRAN, AYNUR], "from": "2026-02", "until": "2026-06"},
        headers=headers(),
    )

    assert response.json() == {
        "payments": [
            {"fin": KAMRAN, "month": "2026-02", "amount": "120.00"},
            {"fin": KAMRAN, "month": "2026-03", "amount": "120.00"},
        ]
    }


async def test_answers_refused_offers_in_date_order(client, headers) -> None:
    response = await client.post(
        "/employment/refused-offers:batch", json={"fins": [KAMRAN]}, headers=headers()
    )

    assert response.json() == {
        "refusals": [
            {"fin": KAMRAN, "refused_on": "2026-03-01"},
            {"fin": KAMRAN, "refused_on": "2026-04-15"},
        ]
    }
