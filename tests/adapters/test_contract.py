"""Each adapter against the mock agencies in-process (ASGITransport): what the world says
arrives as typed records, in one call per batch, with the X-Road identifiers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from adapters.base import CallContext
from adapters.errors import AgencyNotFound
from adapters.records import (
    BorderCrossingRecord,
    CivilStatusRecord,
    ContractRecord,
    DisabilityRecord,
    FamilyMemberRecord,
    FarmerRecord,
    IncomeSource,
    JobseekerRecord,
    LivestockRecord,
    MonthlyIncomeRecord,
    PersonRecord,
    PropertyPurpose,
    RealEstateRecord,
    Relation,
    ResidenceStatusRecord,
    ServiceRecord,
    Sex,
    StudyRecord,
    TaxpayerRecord,
    UtilityChargeRecord,
    UtilityKind,
    VehicleKind,
    VehicleRecord,
    VehicleRole,
)
from adapters.registry import Adapters

CTX = CallContext(user_id="caseworker-17", issue="APP-2026-000123")
MockAgencies = Any

AYNUR, RESAD, SEBNEM, ORXAN = "5ZX3K8P", "7QW2R9T", "3KP8M2X", "9HJ4N6V"
UNKNOWN = "ZZZZZZ1"
HOME = "Şərifzadə küç. 12, mənzil 5, Bakı"
JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


def income(fin: str, month: date, source: IncomeSource, amount: str) -> MonthlyIncomeRecord:
    return MonthlyIncomeRecord(fin=fin, month=month, source=source, amount=Decimal(amount))


async def test_persons_arrive_with_azerbaijani_names_and_unknown_fins_left_out(
    adapters: Adapters,
) -> None:
    persons = await adapters.population.persons([AYNUR, SEBNEM, UNKNOWN], CTX)

    assert set(persons) == {AYNUR, SEBNEM}
    assert persons[AYNUR] == PersonRecord(
        fin=AYNUR,
        id_card="AA1234567",
        first_name="Aynur",
        last_name="Məmmədova",
        patronymic="Əli qızı",
        birth_date=date(1988, 4, 2),
        sex=Sex.F,
        citizenship="AZ",
        address=HOME,
        wanted=False,
        died_on=None,
    )
    assert persons[SEBNEM].citizenship is None
    assert persons[SEBNEM].died_on == date(2026, 3, 3)
    assert not persons.stale


async def test_families_are_keyed_by_the_fin_asked(adapters: Adapters) -> None:
    families = await adapters.population.families([RESAD, ORXAN, UNKNOWN], CTX)

    assert set(families) == {RESAD, ORXAN}
    family = families[RESAD]
    assert family.household_id == "HH-YAS-000001"
    assert family.district == "Yasamal"
    assert family.members == (
        FamilyMemberRecord(AYNUR, Relation.HEAD),
        FamilyMemberRecord(RESAD, Relation.SPOUSE),
        FamilyMemberRecord(SEBNEM, Relation.CHILD),
    )
    assert await adapters.population.family("HH-YAS-000001", CTX) == family


async def test_an_unknown_household_id_is_not_found_and_asked_only_once(
    adapters: Adapters, mocks: MockAgencies
) -> None:
    for _ in range(2):
        with pytest.raises(AgencyNotFound) as raised:
            await adapters.population.family("HH-XXX-999999", CTX)
        assert raised.value.agency == "population"
    assert await mocks.count("population") == 1


async def test_tax_registrations_and_incomes_by_month(adapters: Adapters) -> None:
    taxpayers = await adapters.tax.taxpayers([AYNUR, RESAD, ORXAN], CTX)
    assert taxpayers[RESAD] == (TaxpayerRecord(RESAD, "1501234562", True, date(2022, 3, 1), None),)
    assert taxpayers[AYNUR] == (TaxpayerRecord(AYNUR, "1401234561", False, date(2024, 1, 1), None),)
    assert taxpayers[ORXAN] == ()

    incomes = await adapters.tax.incomes([AYNUR, ORXAN], JAN, FEB, CTX)
    assert incomes[AYNUR] == (
        income(AYNUR, JAN, IncomeSource.RENT, "120.50"),
        income(AYNUR, JAN, IncomeSource.WAGE, "450.00"),
        income(AYNUR, FEB, IncomeSource.RENT, "120.50"),
        income(AYNUR, FEB, IncomeSource.WAGE, "450.00"),
    )
    assert str(incomes[AYNUR][0].amount) == "120.50"
    assert incomes[ORXAN] == ()


async def test_utility_charges_by_address_and_provider(adapters: Adapters) -> None:
    other = "Füzuli küç. 3, Bakı"
    electricity = await adapters.utilities.charges(
        UtilityKind.ELECTRICITY, [HOME, other], JAN, MAR, CTX
    )
    assert [(c.month, c.amount, c.kind) for c in electricity[HOME]] == [
        (JAN, Decimal("15.40"), UtilityKind.ELECTRICITY),
        (FEB, Decimal("15.40"), UtilityKind.ELECTRICITY),
    ]
    assert all(c.address == HOME and c.meter_id for c in electricity[HOME])
    assert electricity[other] == ()
    water = await adapters.utilities.charges(UtilityKind.WATER, [HOME], JAN, MAR, CTX)
    assert water[HOME] == ()
    with pytest.raises(ValueError, match="electricity, gas and water"):
        await adapters.utilities.charges(UtilityKind.COMMUNICATION, [HOME], JAN, MAR, CTX)


async def test_real_estate_arrives_with_decimal_share_and_value(adapters: Adapters) -> None:
    estates = await adapters.property.real_estate([AYNUR, RESAD], CTX)

    assert estates[AYNUR] == (
        RealEstateRecord(
            owner_fin=AYNUR,
            object_id="RE-0001",
            purpose=PropertyPurpose.RESIDENTIAL,
            address=HOME,
            share=Decimal("0.5"),
            acquired_on=date(2012, 5, 1),
            value=Decimal("30000.00"),
        ),
    )
    assert isinstance(estates[AYNUR][0].value, Decimal)
    assert estates[RESAD] == ()


async def test_residence_and_border_crossings(adapters: Adapters) -> None:
    residence = await adapters.migration.residence([AYNUR, RESAD], CTX)
    assert residence[RESAD].lives_abroad is True
    assert residence.get(AYNUR) in (None, ResidenceStatusRecord(AYNUR, False, None))

    crossings = await adapters.migration.border_crossings([AYNUR, RESAD, ORXAN], CTX)
    assert crossings[AYNUR] == (
        BorderCrossingRecord(AYNUR, date(2026, 1, 5), date(2026, 1, 20), "TR"),
    )
    assert crossings[RESAD] == (BorderCrossingRecord(RESAD, date(2026, 2, 1), None, "RU"),)
    assert crossings[ORXAN] == ()


async def test_vehicles_conscription_and_justice(adapters: Adapters) -> None:
    vehicles = await adapters.vehicles.vehicles([AYNUR, ORXAN], CTX)
    assert vehicles[AYNUR] == (
        VehicleRecord(
            AYNUR,
            "10-AB-123",
            VehicleKind.CAR,
            VehicleRole.OWNER,
            date(2019, 5, 1),
            Decimal("8000.00"),
            False,
        ),
    )
    assert vehicles[ORXAN] == ()

    service = await adapters.conscription.active_service([SEBNEM, AYNUR], CTX)
    assert service[SEBNEM] == (ServiceRecord(SEBNEM, date(2025, 7, 1), date(2026, 7, 1)),)
    assert service[AYNUR] == ()

    sentences = await adapters.justice.sentences([RESAD, AYNUR], CTX)
    assert [(s.from_, s.until) for s in sentences[RESAD]] == [
        (date(2025, 1, 10), date(2028, 1, 10))
    ]
    assert sentences[AYNUR] == ()

    status = await adapters.justice.civil_status([SEBNEM, ORXAN], CTX)
    assert status[SEBNEM] == CivilStatusRecord(SEBNEM, date(2026, 3, 3), True)
    assert ORXAN not in status

    alimony = await adapters.justice.alimony([AYNUR], FEB, date(2026, 6, 1), CTX)
    assert alimony[AYNUR] == (
        income(AYNUR, FEB, IncomeSource.ALIMONY, "75.00"),
        income(AYNUR, MAR, IncomeSource.ALIMONY, "75.00"),
    )


async def test_social_insurance_facts(adapters: Adapters) -> None:
    fund = adapters.social_insurance
    assert (await fund.contracts([AYNUR], CTX))[AYNUR] == (
        ContractRecord(AYNUR, "1401234561", date(2024, 1, 1), None, Decimal("450.00")),
    )
    payments = await fund.payments([AYNUR, RESAD], JAN, FEB, CTX)
    assert payments[AYNUR] == (
        income(AYNUR, JAN, IncomeSource.PENSION, "210.00"),
        income(AYNUR, FEB, IncomeSource.PENSION, "210.00"),
    )
    assert payments[RESAD] == ()
    assignments = await fund.assignments([AYNUR], CTX)
    assert [(a.from_, a.until, a.monthly) for a in assignments[AYNUR]] == [
        (date(2025, 1, 1), date(2025, 12, 31), Decimal("300.00"))
    ]
    findings = await fund.findings([AYNUR, RESAD], CTX)
    assert findings[AYNUR].false_information_found_on == date(2024, 6, 1)
    assert RESAD not in findings
    assert await fund.state_care([SEBNEM, AYNUR], CTX) == {SEBNEM: True, AYNUR: False}


async def test_disability_employment_education_agriculture_telecom(adapters: Adapters) -> None:
    assert await adapters.disability.disabilities([AYNUR, RESAD], CTX) == {
        AYNUR: DisabilityRecord(AYNUR, 60, 2, False, date(2027, 1, 1))
    }
    assert await adapters.employment.jobseekers([AYNUR, RESAD], CTX) == {
        AYNUR: JobseekerRecord(AYNUR, date(2026, 1, 10))
    }
    insurance = await adapters.employment.insurance_payments([AYNUR], JAN, MAR, CTX)
    assert insurance[AYNUR] == (income(AYNUR, FEB, IncomeSource.UNEMPLOYMENT_INSURANCE, "99.99"),)
    refused = await adapters.employment.refused_offers([AYNUR, RESAD], CTX)
    assert [r.refused_on for r in refused[AYNUR]] == [date(2026, 3, 1), date(2026, 4, 15)]
    assert refused[RESAD] == ()

    studies = await adapters.education.studies([SEBNEM], CTX)
    assert studies[SEBNEM] == (
        StudyRecord(SEBNEM, True, "Bakı Dövlət Universiteti", date(2023, 9, 15), date(2027, 6, 30)),
    )
    scholarships = await adapters.education.scholarships([SEBNEM], FEB, MAR, CTX)
    assert scholarships[SEBNEM] == (income(SEBNEM, FEB, IncomeSource.SCHOLARSHIP, "150.00"),)

    assert await adapters.agriculture.farmers([AYNUR, ORXAN], CTX) == {
        AYNUR: FarmerRecord(AYNUR, Decimal("0.50"), LivestockRecord(1, 4, 0, 0, 10))
    }
    telecom = await adapters.telecom.charges([AYNUR], FEB, date(2026, 6, 1), CTX)
    assert telecom[AYNUR] == (
        UtilityChargeRecord(UtilityKind.COMMUNICATION, FEB, Decimal("12.00"), fin=AYNUR),
        UtilityChargeRecord(UtilityKind.COMMUNICATION, MAR, Decimal("12.00"), fin=AYNUR),
    )


@pytest.mark.parametrize("agency", ["population", "property"])
async def test_every_call_carries_fresh_x_road_identifiers(
    adapters: Adapters, mocks: MockAgencies, agency: str
) -> None:
    for fins in ([AYNUR], [RESAD]):
        if agency == "population":
            await adapters.population.persons(fins, CTX)
        else:
            await adapters.property.real_estate(fins, CTX)

    calls = await mocks.calls(agency)
    (operation,) = calls.values()
    first, second = operation["last"]
    for ids in (first, second):
        assert ids["client"] == "AZ/GOV/MLSPP/vemtas"
        assert ids["userId"] == "caseworker-17"
        assert ids["issue"] == "APP-2026-000123"
    assert first["id"] != second["id"]
    assert len(first["id"]) == 36


async def test_a_batch_of_many_fins_is_one_call_per_agency(
    adapters: Adapters, mocks: MockAgencies
) -> None:
    fins = [AYNUR, RESAD, SEBNEM, ORXAN] + [f"A{n:06d}" for n in range(200)]
    await adapters.population.persons(fins, CTX)
    await adapters.tax.incomes(fins, JAN, MAR, CTX)
    await adapters.property.real_estate(fins, CTX)
    await adapters.justice.alimony(fins, JAN, MAR, CTX)

    for agency in ("population", "tax", "property", "justice"):
        assert await mocks.count(agency) == 1, agency


async def test_a_cached_answer_is_not_asked_again_and_only_new_keys_are_fetched(
    adapters: Adapters, mocks: MockAgencies
) -> None:
    first = await adapters.property.real_estate([AYNUR], CTX)
    again = await adapters.property.real_estate([AYNUR], CTX)
    assert again == first
    assert await mocks.count("property") == 1

    both = await adapters.property.real_estate([AYNUR, RESAD], CTX)
    assert both[AYNUR] == first[AYNUR]
    calls = await mocks.calls("property")
    assert calls["GetRealEstateByOwners"]["count"] == 2

    # the second call asked only for the new FIN: the answer for AYNUR came from the cache
    await mocks.fault("property", "down")
    assert (await adapters.property.real_estate([AYNUR, RESAD], CTX))[RESAD] == ()


async def test_different_months_are_different_cache_entries(
    adapters: Adapters, mocks: MockAgencies
) -> None:
    january = await adapters.tax.incomes([AYNUR], JAN, JAN, CTX)
    february = await adapters.tax.incomes([AYNUR], FEB, FEB, CTX)
    assert {r.month for r in january[AYNUR]} == {JAN}
    assert {r.month for r in february[AYNUR]} == {FEB}
    assert await mocks.count("tax") == 2


async def test_families_by_household_id_in_one_call_sharing_the_family_cache(
    adapters: Adapters, mocks: MockAgencies
) -> None:
    families = await adapters.population.families_by_id(["HH-YAS-000001", "HH-XXX-999999"], CTX)
    assert set(families) == {"HH-YAS-000001"}
    assert await adapters.population.family("HH-YAS-000001", CTX) == families["HH-YAS-000001"]
    with pytest.raises(AgencyNotFound):
        await adapters.population.family("HH-XXX-999999", CTX)
    assert await mocks.count("population") == 1


async def test_soap_requests_carry_the_xroad_header_as_zeep_renders_it_from_the_wsdl(
    mocks: MockAgencies, clock: Any
) -> None:
    """The X-Road header block is handed to zeep as ready lxml elements (cheaper than a dict
    zeep renders through the WSDL's header parts); on the wire it must be the same bytes."""
    import httpx
    import zeep
    from lxml import etree
    from zeep.wsdl.utils import etree_to_string

    from adapters.registry import open_adapters
    from adapters.soap import ZEEP_SETTINGS, load_document

    from .conftest import make_config

    sent: list[bytes] = []

    class Recording(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            sent.append(await request.aread())
            return await mocks.transport.handle_async_request(request)

    ctx = CallContext(user_id='caseworker <&> "17"', issue="Ərizə APP-2026-000123")
    async with open_adapters(make_config(clock), transport=Recording()) as opened:
        await opened.property.real_estate([AYNUR, RESAD], ctx)
    (message,) = sent
    message_id = etree.fromstring(message).findtext(".//{http://x-road.eu/xsd/xroad.xsd}id")

    client = zeep.Client(wsdl=load_document("property"), settings=ZEEP_SETTINGS)
    expected = client.create_message(
        client.service,
        "GetRealEstateByOwners",
        ownerFins={"fin": [AYNUR, RESAD]},
        _soapheaders={
            "client": "AZ/GOV/MLSPP/vemtas",
            "service": "AZ/GOV/property/GetRealEstateByOwners",
            "id": message_id,
            "userId": ctx.user_id,
            "issue": ctx.issue,
            "protocolVersion": "4.0",
        },
    )
    assert message == etree_to_string(expected)
