"""A small hand-written world for the mock agencies' tests, and builders for X-Road headers
and SOAP requests."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from mocks.world import (
    Agriculture,
    BorderCrossing,
    Contract,
    Disability,
    Entrepreneur,
    Household,
    IncomeSource,
    IncomeStream,
    Jobseeker,
    Livestock,
    Member,
    MonthlyStream,
    Period,
    PropertyPurpose,
    RealEstate,
    Relation,
    Sex,
    Study,
    TsaAssignment,
    Utilities,
    Vehicle,
    VehicleKind,
    VehicleRole,
    World,
)

BASE = "http://mocks.test"
AYNUR, RESAD, LEYLA = "5ZX3K8P", "7HK2M4P", "3AB4C5D"
TURAL, ORXAN, GULNARE, KAMRAN = "9PX8R7S", "2JK3L4M", "4MN5P6W", "6RS7T8U"
UNKNOWN = "1111111"
YASAMAL_ADDRESS = "Şərifzadə küç. 12, mənzil 5, Bakı"
SABAIL_ADDRESS = "Neftçilər pr. 40, Bakı"


def m(year: int, month: int) -> date:
    return date(year, month, 1)


def income(source: IncomeSource, monthly: str, first: date, last: date) -> IncomeStream:
    return IncomeStream(Decimal(monthly), first, last, source=source)


def stream(monthly: str, first: date, last: date) -> MonthlyStream:
    return MonthlyStream(Decimal(monthly), first, last)


def build_world() -> World:
    yasamal = Household(
        id="HH-YAS-000001",
        district="Yasamal",
        address=YASAMAL_ADDRESS,
        members=(
            Member(
                fin=AYNUR,
                id_card="AA1234567",
                first_name="Aynur",
                last_name="Məmmədova",
                patronymic="Əli qızı",
                birth_date=date(1988, 4, 2),
                sex=Sex.F,
                relation=Relation.HEAD,
                phone="+994501234567",
                contracts=(Contract("1401234561", date(2024, 1, 1), None, Decimal("450.00")),),
                income=(
                    income(IncomeSource.WAGE, "450.00", m(2025, 1), m(2026, 10)),
                    income(IncomeSource.RENT, "100", m(2025, 6), m(2025, 8)),
                    income(IncomeSource.ALIMONY, "80.00", m(2025, 1), m(2025, 12)),
                    income(IncomeSource.PENSION, "120.50", m(2025, 1), m(2025, 2)),
                    income(IncomeSource.CREDIT, "1000.00", m(2025, 1), m(2025, 12)),
                ),
                properties=(
                    RealEstate(
                        "RE-0001",
                        PropertyPurpose.RESIDENTIAL,
                        YASAMAL_ADDRESS,
                        Decimal("1"),
                        date(2012, 5, 1),
                        Decimal("30000"),
                    ),
                    RealEstate(
                        "RE-0002",
                        PropertyPurpose.GARDEN,
                        "Mərdəkan qəs., Bakı",
                        Decimal("0.5"),
                        date(2019, 8, 15),
                        Decimal("4500.50"),
                    ),
                ),
                vehicles=(
                    Vehicle(
                        "10-AB-123",
                        VehicleKind.CAR,
                        VehicleRole.OWNER,
                        date(2019, 5, 1),
                        Decimal("8000"),
                    ),
                ),
                border_crossings=(BorderCrossing(date(2026, 1, 5), date(2026, 1, 20), "TR"),),
                telecom=(stream("12.00", m(2025, 1), m(2026, 10)),),
                disability=Disability(percent=60, group=2, child=False, until=date(2027, 1, 1)),
                tsa_assignments=(
                    TsaAssignment(date(2025, 1, 1), date(2025, 12, 31), Decimal("300")),
                ),
            ),
            Member(
                fin=RESAD,
                id_card="AA7654321",
                first_name="Rəşad",
                last_name="Məmmədov",
                birth_date=date(1985, 11, 20),
                sex=Sex.M,
                relation=Relation.SPOUSE,
                entrepreneur=Entrepreneur("1501234562", date(2022, 3, 1)),
                income=(income(IncomeSource.ENTREPRENEUR, "200.00", m(2025, 1), m(2025, 3)),),
                imprisoned=Period(date(2025, 1, 10), date(2028, 1, 10)),
                vehicles=(
                    Vehicle(
                        "90-ZZ-999",
                        VehicleKind.MOTORCYCLE,
                        VehicleRole.USER,
                        date(2021, 2, 2),
                        Decimal("900.00"),
                        state_rehabilitation=True,
                    ),
                ),
            ),
            Member(
                fin=LEYLA,
                id_card="AA1112223",
                first_name="Leyla",
                last_name="Məmmədova",
                patronymic="Rəşad qızı",
                birth_date=date(2006, 2, 14),
                sex=Sex.F,
                relation=Relation.CHILD,
                student=Study(
                    True, "Bakı Dövlət Universiteti", date(2023, 9, 15), date(2027, 6, 30)
                ),
                income=(income(IncomeSource.SCHOLARSHIP, "50.00", m(2025, 9), m(2026, 6)),),
            ),
        ),
        utilities=Utilities(
            electricity=(
                stream("15.40", m(2025, 1), m(2026, 10)),
                stream("2.10", m(2025, 12), m(2026, 1)),
            ),
            gas=(stream("9.00", m(2025, 1), m(2026, 10)),),
        ),
    )
    sabail = Household(
        id="HH-SAB-000002",
        district="Səbail",
        address=SABAIL_ADDRESS,
        members=(
            Member(
                fin=TURAL,
                id_card="AA2223334",
                first_name="Tural",
                last_name="Əliyev",
                birth_date=date(1975, 1, 30),
                sex=Sex.M,
                relation=Relation.HEAD,
                citizenship=None,
                wanted=True,
                lives_abroad=True,
                border_crossings=(
                    BorderCrossing(date(2025, 11, 1), None, "DE"),
                    BorderCrossing(date(2024, 3, 1), date(2024, 3, 10), "GE"),
                ),
            ),
            Member(
                fin=ORXAN,
                id_card="AA3334445",
                first_name="Orxan",
                last_name="Əliyev",
                birth_date=date(2006, 6, 6),
                sex=Sex.M,
                relation=Relation.CHILD,
                conscript=Period(date(2025, 7, 1), date(2026, 7, 1)),
            ),
            Member(
                fin=GULNARE,
                id_card="AA4445556",
                first_name="Gülnarə",
                last_name="Əliyeva",
                birth_date=date(1950, 3, 3),
                sex=Sex.F,
                relation=Relation.PARENT,
                died_on=date(2026, 2, 1),
                income=(income(IncomeSource.PENSION, "250.00", m(2025, 1), m(2026, 1)),),
            ),
            Member(
                fin=KAMRAN,
                id_card="AA5556667",
                first_name="Kamran",
                last_name="Əliyev",
                birth_date=date(1990, 9, 9),
                sex=Sex.M,
                relation=Relation.SIBLING,
                missing=True,
                in_state_care=True,
                jobseeker=Jobseeker(date(2026, 1, 10)),
                job_offers_refused=(date(2026, 4, 15), date(2026, 3, 1)),
                income=(
                    income(IncomeSource.UNEMPLOYMENT_INSURANCE, "120.00", m(2026, 1), m(2026, 3)),
                    income(IncomeSource.BENEFIT, "55.00", m(2025, 1), m(2025, 1)),
                    income(IncomeSource.TSA, "75.00", m(2025, 2), m(2025, 2)),
                    income(
                        IncomeSource.LIBERATED_TERRITORIES_BENEFIT, "40.00", m(2025, 3), m(2025, 3)
                    ),
                ),
                agriculture=Agriculture(
                    Decimal("0.50"), Livestock(cattle=1, small_ruminant=4, poultry=10)
                ),
                false_information_found_on=date(2025, 5, 5),
            ),
        ),
        utilities=Utilities(water=(stream("4", m(2025, 1), m(2026, 10)),)),
    )
    return World((yasamal, sabail))


def xroad_headers(**overrides: str) -> dict[str, str]:
    headers = {
        "X-Road-Client": "AZ/GOV/MLSPP/vemtas",
        "X-Road-Id": str(uuid.uuid4()),
        "X-Road-UserId": "caseworker-17",
        "X-Road-Issue": "APP-2026-000042",
    }
    headers.update(overrides)
    return headers


SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XROAD = "http://x-road.eu/xsd/xroad.xsd"


def soap_envelope(
    agency: str, body: str, *, message_id: str | None = None, header: str | None = None
) -> bytes:
    """A SOAP 1.1 request to ``agency`` with ``body`` (prefix ``a:`` bound to the agency's
    namespace) and a complete X-Road header unless ``header`` replaces it."""
    if header is None:
        header = (
            "<xrd:client>AZ/GOV/MLSPP/vemtas</xrd:client>"
            f"<xrd:service>AZ/GOV/{agency}/v1</xrd:service>"
            f"<xrd:id>{message_id or uuid.uuid4()}</xrd:id>"
            "<xrd:userId>caseworker-17</xrd:userId>"
            "<xrd:issue>APP-2026-000042</xrd:issue>"
            "<xrd:protocolVersion>4.0</xrd:protocolVersion>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:xrd="{XROAD}"'
        f' xmlns:a="urn:az:gov:vemtas:{agency}:v1">'
        f"<soapenv:Header>{header}</soapenv:Header>"
        f"<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    ).encode()


def fins_xml(*fins: str, wrapper: str = "fins") -> str:
    return f"<a:{wrapper}>" + "".join(f"<a:fin>{f}</a:fin>" for f in fins) + f"</a:{wrapper}>"


def soap_records(content: bytes, name: str) -> list[dict[str, str]]:
    """The ``name`` records in a SOAP answer's body, each as ``{child local name: text}``."""
    from lxml import etree

    root = etree.fromstring(content)
    body = root.find(f"{{{SOAP_ENV}}}Body")
    assert body is not None
    return [
        {etree.QName(child).localname: child.text or "" for child in element}
        for element in body.iter()
        if isinstance(element.tag, str) and etree.QName(element).localname == name
    ]


def soap_fault(content: bytes) -> tuple[str, str]:
    """``(faultcode, faultstring)`` of a SOAP Fault answer."""
    from lxml import etree

    root = etree.fromstring(content)
    fault = root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert fault is not None, content
    return fault.findtext("faultcode") or "", fault.findtext("faultstring") or ""
