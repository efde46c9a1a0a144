"""One batch call to each of four agencies, a REST and a SOAP agency exercised alike: what the
fault tests ask, in-process (test_faults.py) and over loopback (test_network_transport.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from adapters.base import CallContext
from adapters.registry import Adapters

CTX = CallContext(user_id="caseworker-17", issue="APP-2026-000123")
AYNUR, RESAD = "5ZX3K8P", "7QW2R9T"
JAN, MAR = date(2026, 1, 1), date(2026, 3, 1)
AGENCIES = ["population", "tax", "property", "justice"]


async def ask(adapters: Adapters, agency: str, fins: list[str]) -> Any:
    """One batch call to ``agency``."""
    if agency == "population":
        return await adapters.population.persons(fins, CTX)
    if agency == "tax":
        return await adapters.tax.incomes(fins, JAN, MAR, CTX)
    if agency == "property":
        return await adapters.property.real_estate(fins, CTX)
    if agency == "justice":
        return await adapters.justice.alimony(fins, JAN, MAR, CTX)
    raise AssertionError(agency)
