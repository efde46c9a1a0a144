"""Every agency adapter, built together and closed together (the composition root calls this
in the ASGI lifespan).

    async with open_adapters(config) as adapters:
        people = await adapters.population.persons(fins, ctx)

One long-lived HTTP client per agency (the ``httpx-aiohttp`` transport on the network; the
given ``transport`` in tests), one answer cache shared by all (memory or Redis), and per agency
its own circuit breaker and concurrency limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import httpx

from adapters import bank, messaging
from adapters.agency import AgencyCore
from adapters.agriculture import AgricultureAdapter
from adapters.agriculture.client import AgricultureClient
from adapters.bank import Bank
from adapters.base import AdapterConfig
from adapters.cache import AnswerCache
from adapters.conscription import ConscriptionAdapter
from adapters.conscription import client as conscription_client
from adapters.disability import DisabilityAdapter
from adapters.disability.client import DisabilityClient
from adapters.education import EducationAdapter
from adapters.education.client import EducationClient
from adapters.employment import EmploymentAdapter
from adapters.employment.client import EmploymentClient
from adapters.http import RestClient, network_transport, open_http_client
from adapters.justice import JusticeAdapter
from adapters.justice import client as justice_client
from adapters.messaging import Messenger
from adapters.migration import MigrationAdapter
from adapters.migration import client as migration_client
from adapters.population import PopulationAdapter
from adapters.population.client import PopulationClient
from adapters.property import PropertyAdapter
from adapters.property import client as property_client
from adapters.resilience import CircuitBreaker
from adapters.soap import SoapClient, load_document
from adapters.social_insurance import SocialInsuranceAdapter
from adapters.social_insurance.client import SocialInsuranceClient
from adapters.tax import TaxAdapter
from adapters.tax.client import TaxClient
from adapters.telecom import TelecomAdapter
from adapters.telecom.client import TelecomClient
from adapters.utilities import UtilitiesAdapter
from adapters.utilities.client import UtilitiesClient
from adapters.vehicles import VehiclesAdapter
from adapters.vehicles import client as vehicles_client

REST_AGENCIES = (
    "population",
    "tax",
    "utilities",
    "social_insurance",
    "disability",
    "employment",
    "education",
    "agriculture",
    "telecom",
)
SOAP_AGENCIES = ("property", "migration", "vehicles", "conscription", "justice")
AGENCIES = (
    "population",
    "tax",
    "property",
    "utilities",
    "migration",
    "vehicles",
    "social_insurance",
    "disability",
    "employment",
    "education",
    "conscription",
    "justice",
    "agriculture",
    "telecom",
)
OUTBOUND_AGENCIES = ("bank", "messaging")


@dataclass
class Adapters:
    """One adapter object per agency (attribute = the agency's key)."""

    population: PopulationAdapter
    tax: TaxAdapter
    property: PropertyAdapter
    utilities: UtilitiesAdapter
    migration: MigrationAdapter
    vehicles: VehiclesAdapter
    social_insurance: SocialInsuranceAdapter
    disability: DisabilityAdapter
    employment: EmploymentAdapter
    education: EducationAdapter
    conscription: ConscriptionAdapter
    justice: JusticeAdapter
    agriculture: AgricultureAdapter
    telecom: TelecomAdapter
    bank: Bank
    messaging: Messenger
    cache: AnswerCache

    def breaker(self, agency: str) -> CircuitBreaker:
        """The circuit breaker of ``agency`` (for health checks and metrics)."""
        adapter = getattr(self, agency)
        core: AgencyCore = adapter.core
        return core.guard.breaker


@asynccontextmanager
async def open_adapters(
    config: AdapterConfig, *, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[Adapters]:
    """Open one client per agency and the answer cache; close them all on exit.

    ``transport`` routes every agency through one httpx transport (tests: ``ASGITransport``
    over the mock app); without it each agency gets its own ``httpx-aiohttp`` transport.
    """
    # The vendored WSDLs are parsed once per process; parsing blocks, so not on the loop.
    await asyncio.to_thread(lambda: [load_document(agency) for agency in SOAP_AGENCIES])
    async with AsyncExitStack() as stack:
        cache = AnswerCache.from_url(config.cache_url, timeout=config.cache_timeout)
        stack.push_async_callback(cache.close)

        def http(agency: str) -> tuple[httpx.AsyncClient, httpx.AsyncBaseTransport]:
            own = transport if transport is not None else network_transport(config)
            client = open_http_client(agency, config, own)
            stack.push_async_callback(client.aclose)
            return client, own

        def core(agency: str) -> AgencyCore:
            return AgencyCore(agency, config, cache)

        def rest(agency: str) -> RestClient:
            return RestClient(agency, config, *http(agency))

        def soap(agency: str, binding: str) -> SoapClient:
            client, own = http(agency)
            return SoapClient(agency, config, client, binding, transport=own)

        yield Adapters(
            population=PopulationAdapter(core("population"), PopulationClient(rest("population"))),
            tax=TaxAdapter(core("tax"), TaxClient(rest("tax"))),
            property=PropertyAdapter(
                core("property"),
                property_client.PropertyClient(soap("property", property_client.BINDING)),
            ),
            utilities=UtilitiesAdapter(core("utilities"), UtilitiesClient(rest("utilities"))),
            migration=MigrationAdapter(
                core("migration"),
                migration_client.MigrationClient(soap("migration", migration_client.BINDING)),
            ),
            vehicles=VehiclesAdapter(
                core("vehicles"),
                vehicles_client.VehiclesClient(soap("vehicles", vehicles_client.BINDING)),
            ),
            social_insurance=SocialInsuranceAdapter(
                core("social_insurance"), SocialInsuranceClient(rest("social_insurance"))
            ),
            disability=DisabilityAdapter(core("disability"), DisabilityClient(rest("disability"))),
            employment=EmploymentAdapter(core("employment"), EmploymentClient(rest("employment"))),
            education=EducationAdapter(core("education"), EducationClient(rest("education"))),
            conscription=ConscriptionAdapter(
                core("conscription"),
                conscription_client.ConscriptionClient(
                    soap("conscription", conscription_client.BINDING)
                ),
            ),
            justice=JusticeAdapter(
                core("justice"),
                justice_client.JusticeClient(soap("justice", justice_client.BINDING)),
            ),
            agriculture=AgricultureAdapter(
                core("agriculture"), AgricultureClient(rest("agriculture"))
            ),
            telecom=TelecomAdapter(core("telecom"), TelecomClient(rest("telecom"))),
            bank=bank.build(config, *http("bank")),
            messaging=messaging.build(config, *http("messaging")),
            cache=cache,
        )
