"""utilities (REST): three providers, meters by the household's registered address."""

from __future__ import annotations

import pytest

from .agency_world import SABAIL_ADDRESS, YASAMAL_ADDRESS


async def test_sums_the_electricity_charges_of_a_household_per_month(client, headers) -> None:
    response = await client.post(
        "/utilities/electricity/charges:batch",
        json={"addresses": [YASAMAL_ADDRESS], "from": "2025-11", "until": "2026-02"},
        headers=headers(),
    )

    assert response.json() == {
        "meters": [
            {
                "address": YASAMAL_ADDRESS,
                "meter_id": "EL-HH-YAS-000001",
                "charges": [
                    {"month": "2025-11", "amount": "15.40"},
                    {"month": "2025-12", "amount": "17.50"},
                    {"month": "2026-01", "amount": "17.50"},
                    {"month": "2026-02", "amount": "15.40"},
                ],
            }
        ]
    }


@pytest.mark.parametrize(
    ("provider", "expected"),
    [
        ("electricity", {YASAMAL_ADDRESS: "EL-HH-YAS-000001"}),
        ("gas", {YASAMAL_ADDRESS: "QZ-HH-YAS-000001"}),
        ("water", {SABAIL_ADDRESS: "SU-HH-SAB-000002"}),
    ],
)
async def test_each_provider_holds_meters_only_where_it_charges(
    client, headers, provider: str, expected: dict[str, str]
) -> None:
    response = await client.post(
        f"/utilities/{provider}/charges:batch",
        json={
            "addresses": [YASAMAL_ADDRESS, SABAIL_ADDRESS, "Naməlum küç. 1, Bakı"],
            "from": "2026-01",
            "until": "2026-01",
        },
        headers=headers(),
    )

    meters = response.json()["meters"]
    assert {m["address"]: m["meter_id"] for m in meters} == expected


async def test_a_meter_with_no_charge_in_the_months_asked_has_no_charges(client, headers) -> None:
    response = await client.post(
        "/utilities/water/charges:batch",
        json={"addresses": [SABAIL_ADDRESS], "from": "2024-01", "until": "2024-06"},
        headers=headers(),
    )

    assert response.json()["meters"] == [
        {"address": SABAIL_ADDRESS, "meter_id": "SU-HH-SAB-000002", "charges": []}
    ]
