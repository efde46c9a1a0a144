"""telecom (REST): communication charges by month."""

from __future__ import annotations

from .agency_world import AYNUR, KAMRAN


async def test_answers_communication_charges_within_the_months_asked(client, headers) -> None:
    response = await client.post(
        "/telecom/charges:batch",
        json={"fins": [AYNUR, KAMRAN], "from": "2026-09", "until": "2026-12"},
        headers=headers(),
    )

    assert response.json() == {
        "charges": [
            {"fin": AYNUR, "month": "2026-09", "amount": "12.00"},
            {"fin": AYNUR, "month": "2026-10", "amount": "12.00"},
        ]
    }
