"""SOAP plumbing of the mock agencies: the vendored contracts, request validation, hostile
requests, faults and the X-Road header echo."""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import zeep
import zeep.exceptions
import zeep.proxy
import zeep.transports
from lxml import etree

from mocks.soap import WSDL_DIR, load_contract

from .agency_world import (
    AYNUR,
    BASE,
    SOAP_ENV,
    UNKNOWN,
    XROAD,
    fins_xml,
    soap_envelope,
    soap_fault,
    soap_records,
)

SOAP_AGENCIES = {
    "property": ["GetRealEstateByOwners"],
    "migration": ["GetResidenceStatus", "GetBorderCrossings"],
    "vehicles": ["GetVehiclesByPersons"],
    "conscription": ["GetActiveService"],
    "justice": ["GetSentences", "GetCivilStatus", "GetAlimony"],
}
HEADER = {
    "client": "AZ/GOV/MLSPP/vemtas",
    "service": "AZ/GOV/SSPI/property/GetRealEstateByOwners/v1",
    "id": "1b4e28ba-2fa1-41d2-883f-0016d3cca427",
    "userId": "caseworker-17",
    "issue": "APP-2026-000042",
    "protocolVersion": "4.0",
}


@pytest.mark.parametrize("agency", sorted(SOAP_AGENCIES))
def test_zeep_loads_each_vendored_wsdl_from_disk_with_its_operations(agency: str) -> None:
    client = zeep.Client(wsdl=str(WSDL_DIR / f"{agency}.wsdl"))

    service = next(iter(client.wsdl.services.values()))
    port = next(iter(service.ports.values()))
    assert sorted(port.binding._operations) == sorted(SOAP_AGENCIES[agency])
    assert port.binding_options["address"] == f"http://127.0.0.1:8100/{agency}"
    for operation in port.binding._operations.values():
        assert operation.soapaction == f"urn:az:gov:vemtas:{agency}:v1/{operation.name}"


@pytest.mark.parametrize("agency", sorted(SOAP_AGENCIES))
def test_every_wsdl_declares_the_xroad_header_on_requests_and_answers(agency: str) -> None:
    client = zeep.Client(wsdl=str(WSDL_DIR / f"{agency}.wsdl"))

    port = next(iter(next(iter(client.wsdl.services.values())).ports.values()))
    for operation in port.binding._operations.values():
        for message in (operation.input, operation.output):
            names = [name for name, _ in message.header.type.elements]
            assert names == list(HEADER)


@pytest.mark.parametrize("agency", sorted(SOAP_AGENCIES))
async def test_serves_its_wsdl_pointing_at_this_server_and_its_xsd(client, agency: str) -> None:
    wsdl = await client.get(f"/{agency}?wsdl")
    xsd = await client.get(f"/{agency}?xsd")

    assert wsdl.status_code == 200 and xsd.status_code == 200
    assert xsd.content == (WSDL_DIR / f"{agency}.xsd").read_bytes()
    root = etree.fromstring(wsdl.content)
    soap_ns = "http://schemas.xmlsoap.org/wsdl/soap/"
    assert root.find(f".//{{{soap_ns}}}address").get("location") == f"{BASE}/{agency}"
    imports = root.findall(".//{http://www.w3.org/2001/XMLSchema}import")
    assert [i.get("schemaLocation") for i in imports] == [f"{BASE}/{agency}?xsd"]


async def test_the_served_wsdl_and_the_xsd_it_points_to_load_in_zeep(client) -> None:
    # zeep's WSDL loader is synchronous: serve it what the mock answered over ASGI.
    served = {
        f"{BASE}/migration?wsdl": (await client.get("/migration?wsdl")).content,
        f"{BASE}/migration?xsd": (await client.get("/migration?xsd")).content,
    }
    fetched: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        fetched.append(str(request.url))
        return httpx.Response(200, content=served[str(request.url)])

    with httpx.Client(transport=httpx.MockTransport(answer)) as wsdl_client:
        async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
            transport = zeep.transports.AsyncTransport(client=http, wsdl_client=wsdl_client)
            loaded = zeep.AsyncClient(wsdl=f"{BASE}/migration?wsdl", transport=transport)

    assert fetched == list(served)
    port = next(iter(next(iter(loaded.wsdl.services.values())).ports.values()))
    assert sorted(port.binding._operations) == ["GetBorderCrossings", "GetResidenceStatus"]


@asynccontextmanager
async def zeep_service(app, agency: str) -> AsyncIterator[zeep.proxy.AsyncServiceProxy]:
    """A zeep client as the adapters build it: WSDL from disk, calls over an httpx client."""
    unused = httpx.MockTransport(lambda request: httpx.Response(404))
    with httpx.Client(transport=unused) as wsdl_client:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
            transport = zeep.transports.AsyncTransport(client=http, wsdl_client=wsdl_client)
            client = zeep.AsyncClient(wsdl=str(WSDL_DIR / f"{agency}.wsdl"), transport=transport)
            service = next(iter(client.wsdl.services.values()))
            binding = next(iter(service.ports.values())).binding
            yield zeep.proxy.AsyncServiceProxy(client, binding, address=f"{BASE}/{agency}")


async def test_zeep_calls_the_mock_and_gets_typed_records_and_the_header_back(app) -> None:
    async with zeep_service(app, "property") as service:
        result = await service.GetRealEstateByOwners(
            ownerFins={"fin": [AYNUR, UNKNOWN]}, _soapheaders=HEADER
        )

    assert [r.objectId for r in result.body.realEstate] == ["RE-0001", "RE-0002"]
    assert result.body.realEstate[1].value == Decimal("4500.50")
    assert result.body.realEstate[1].share == Decimal("0.5")
    assert {name: getattr(result.header, name) for name in HEADER} == HEADER


async def test_zeep_passes_months_to_the_justice_service(app) -> None:
    async with zeep_service(app, "justice") as service:
        result = await service.GetAlimony(
            fins={"fin": [AYNUR]},
            # zeep takes xs:gYearMonth as a (year, month, tzinfo) tuple
            **{"from": (2025, 11, None), "until": (2026, 2, None)},
            _soapheaders={**HEADER, "service": "AZ/GOV/MOJ/justice/GetAlimony/v1"},
        )

    assert [(p.month, p.amount) for p in result.body.payment] == [
        ((2025, 11, None), Decimal("80.00")),
        ((2025, 12, None), Decimal("80.00")),
    ]


async def test_zeep_raises_the_client_fault_of_an_invalid_request(app) -> None:
    async with zeep_service(app, "vehicles") as service:
        with pytest.raises(zeep.exceptions.Fault) as raised:
            await service.GetVehiclesByPersons(
                fins={"fin": [AYNUR]}, _soapheaders={**HEADER, "protocolVersion": "4.0", "id": "x"}
            )

    assert raised.value.code == "soapenv:Client"


async def test_echoes_the_whole_xroad_header_block(soap) -> None:
    message_id = str(uuid.uuid4())
    response = await soap(
        "property",
        "GetRealEstateByOwners",
        fins_xml(AYNUR, wrapper="ownerFins"),
        message_id=message_id,
    )

    header = etree.fromstring(response.content).find(
        "{http://schemas.xmlsoap.org/soap/envelope/}Header"
    )
    echoed = {etree.QName(e).localname: e.text for e in header if etree.QName(e).namespace == XROAD}
    assert echoed == {
        "client": "AZ/GOV/MLSPP/vemtas",
        "service": "AZ/GOV/property/v1",
        "id": message_id,
        "userId": "caseworker-17",
        "issue": "APP-2026-000042",
        "protocolVersion": "4.0",
    }


def _entries(style: str, message_id: str) -> str:
    values = {**HEADER, "id": message_id, "issue": "A&amp;B &lt;x&gt; İlhamə"}
    forms = {
        "prefix of the envelope": "<xrd:{n}>{v}</xrd:{n}>",
        "prefix per element (zeep)": f'<ns0:{{n}} xmlns:ns0="{XROAD}">{{v}}</ns0:{{n}}>',
        "default namespace": f'<{{n}} xmlns="{XROAD}">{{v}}</{{n}}>',
        "indented": "\n    <xrd:{n}>{v}</xrd:{n}>",
        "another namespace declared": '<xrd:{n} xmlns:q="urn:q">{v}</xrd:{n}>',
        "the agency's prefix declared again": (
            '<xrd:{n} xmlns:a="urn:az:gov:vemtas:property:v1">{v}</xrd:{n}>'
        ),
    }
    return "".join(forms[style].format(n=name, v=value) for name, value in values.items())


@pytest.mark.parametrize(
    "style",
    [
        "prefix of the envelope",
        "prefix per element (zeep)",
        "default namespace",
        "indented",
        "another namespace declared",
        "the agency's prefix declared again",
    ],
)
async def test_echoes_the_header_as_a_copy_of_the_requests_elements(soap, style: str) -> None:
    message_id = str(uuid.uuid4())
    header = _entries(style, message_id)
    request = soap_envelope("property", "", header=header)
    response = await soap(
        "property",
        "GetRealEstateByOwners",
        fins_xml(AYNUR, wrapper="ownerFins"),
        message_id=message_id,
        header=header,
    )

    # what the echo is: the request's X-Road elements copied into the answer's envelope
    sent = etree.fromstring(request).find(f"{{{SOAP_ENV}}}Header")
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV, "xrd": XROAD})
    copied = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Header")
    copied.extend(copy.deepcopy(e) for e in sent if etree.QName(e).namespace == XROAD)
    etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    expected = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
    expected = expected.removesuffix(b"<soapenv:Body/></soapenv:Envelope>") + b"<soapenv:Body>"
    assert response.status_code == 200, response.text
    assert response.content.startswith(expected)


@pytest.mark.parametrize("agency", sorted(SOAP_AGENCIES))
async def test_every_answer_validates_against_the_agencys_own_schema(soap, agency: str) -> None:
    contract = load_contract(agency)
    fins = fins_xml(
        *[f for f in ("5ZX3K8P", "7HK2M4P", "3AB4C5D", "9PX8R7S", "2JK3L4M", "4MN5P6W", "6RS7T8U")]
    )
    for operation in SOAP_AGENCIES[agency]:
        body = fins.replace("fins>", "ownerFins>") if agency == "property" else fins
        if operation == "GetAlimony":
            body += "<a:from>2025-01</a:from><a:until>2026-12</a:until>"
        response = await soap(agency, operation, body)
        assert response.status_code == 200, response.text
        payload = etree.fromstring(response.content).find(
            "{http://schemas.xmlsoap.org/soap/envelope/}Body"
        )[0]
        assert contract.body_schema.validate(payload), contract.body_schema.error_log
        assert len(payload) > 0


# --- bad requests -------------------------------------------------------------------------------


async def test_refuses_a_fin_that_does_not_match_the_schema_without_repeating_it(soap) -> None:
    response = await soap(
        "property", "GetRealEstateByOwners", fins_xml("abc-xyz", wrapper="ownerFins")
    )

    code, message = soap_fault(response.content)
    assert response.status_code == 500
    assert code == "soapenv:Client"
    assert "fin" in message and "abc-xyz" not in message


async def test_refuses_more_than_500_fins_in_one_call(soap) -> None:
    response = await soap("vehicles", "GetVehiclesByPersons", fins_xml(*([AYNUR] * 501)))

    assert soap_fault(response.content)[0] == "soapenv:Client"


async def test_accepts_exactly_500_fins_in_one_call(soap) -> None:
    response = await soap("vehicles", "GetVehiclesByPersons", fins_xml(*([AYNUR] * 500)))

    assert response.status_code == 200
    assert len(soap_records(response.content, "vehicle")) == 1


async def test_refuses_an_element_the_schema_does_not_know(soap) -> None:
    response = await soap(
        "property", "GetRealEstateByOwners", fins_xml(AYNUR, wrapper="ownerFins") + "<a:extra/>"
    )

    assert soap_fault(response.content)[0] == "soapenv:Client"


async def test_refuses_an_operation_the_agency_does_not_have(soap) -> None:
    response = await soap("property", "DropAllOwners", fins_xml(AYNUR))

    assert soap_fault(response.content) == ("soapenv:Client", "Unknown operation")


async def test_refuses_a_soapaction_naming_another_operation(soap) -> None:
    response = await soap(
        "migration",
        "GetResidenceStatus",
        fins_xml(AYNUR),
        action="urn:az:gov:vemtas:migration:v1/GetBorderCrossings",
    )

    assert soap_fault(response.content) == (
        "soapenv:Client",
        "SOAPAction does not match the operation",
    )


@pytest.mark.parametrize("missing", ["client", "id", "userId", "protocolVersion"])
async def test_refuses_a_call_whose_xroad_header_lacks_an_element(soap, missing: str) -> None:
    header = "".join(
        f"<xrd:{name}>{value}</xrd:{name}>" for name, value in HEADER.items() if name != missing
    )
    response = await soap(
        "property", "GetRealEstateByOwners", fins_xml(AYNUR, wrapper="ownerFins"), header=header
    )

    code, message = soap_fault(response.content)
    assert code == "soapenv:Client" and missing in message


async def test_refuses_an_xroad_message_id_that_is_not_a_uuid(soap) -> None:
    response = await soap(
        "property", "GetRealEstateByOwners", fins_xml(AYNUR, wrapper="ownerFins"), message_id="42"
    )

    assert soap_fault(response.content) == (
        "soapenv:Client",
        "X-Road header element id is not valid",
    )


async def test_refuses_soap_1_2_with_a_version_mismatch(soap) -> None:
    content = (
        b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>'
        b'<a:GetActiveService xmlns:a="urn:az:gov:vemtas:conscription:v1"/></e:Body></e:Envelope>'
    )
    response = await soap("conscription", "GetActiveService", "", content=content)

    assert soap_fault(response.content)[0] == "soapenv:VersionMismatch"


async def test_refuses_a_request_that_is_not_xml(soap) -> None:
    response = await soap("justice", "GetSentences", "", content=b'{"fins": []}')

    assert soap_fault(response.content) == ("soapenv:Client", "Request is not well-formed XML")


async def test_refuses_a_body_that_is_not_text_xml(soap) -> None:
    response = await soap(
        "property",
        "GetRealEstateByOwners",
        fins_xml(AYNUR, wrapper="ownerFins"),
        content_type="application/json",
    )

    assert soap_fault(response.content)[0] == "soapenv:Client"


async def test_refuses_an_unknown_mandatory_header(soap) -> None:
    header = "".join(f"<xrd:{n}>{v}</xrd:{n}>" for n, v in HEADER.items()) + (
        '<s:Security xmlns:s="urn:sec" soapenv:mustUnderstand="1"/>'
    )
    response = await soap(
        "property", "GetRealEstateByOwners", fins_xml(AYNUR, wrapper="ownerFins"), header=header
    )

    assert soap_fault(response.content)[0] == "soapenv:MustUnderstand"


# --- hostile requests ---------------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
<a:GetRealEstateByOwners xmlns:a="urn:az:gov:vemtas:property:v1"><a:ownerFins>
<a:fin>&lol3;</a:fin></a:ownerFins></a:GetRealEstateByOwners></soapenv:Body></soapenv:Envelope>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE e [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
<a:GetRealEstateByOwners xmlns:a="urn:az:gov:vemtas:property:v1"><a:ownerFins>
<a:fin>&secret;</a:fin></a:ownerFins></a:GetRealEstateByOwners></soapenv:Body></soapenv:Envelope>"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE e SYSTEM "http://127.0.0.1:9/evil.dtd">
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/>
</soapenv:Envelope>"""

UNDECLARED_ENTITY = """<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
<soapenv:Body>&undeclared;</soapenv:Body></soapenv:Envelope>"""


@pytest.mark.parametrize(
    "content",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD],
    ids=["billion-laughs", "external-entity", "external-dtd"],
)
async def test_refuses_any_doctype_with_a_client_fault_and_leaks_nothing(
    soap, content: str
) -> None:
    response = await soap("property", "GetRealEstateByOwners", "", content=content.encode())

    assert response.status_code == 500
    assert soap_fault(response.content) == ("soapenv:Client", "DOCTYPE is not allowed")
    assert b"root:" not in response.content and b"lol" not in response.content


async def test_refuses_an_undeclared_entity_as_not_well_formed(soap) -> None:
    response = await soap(
        "property", "GetRealEstateByOwners", "", content=UNDECLARED_ENTITY.encode()
    )

    assert soap_fault(response.content) == ("soapenv:Client", "Request is not well-formed XML")


async def test_refuses_a_tree_deeper_than_the_parser_allows(soap) -> None:
    deep = "<x>" * 5000 + "</x>" * 5000
    content = soap_envelope("property", deep)
    response = await soap("property", "GetRealEstateByOwners", "", content=content)

    assert soap_fault(response.content) == ("soapenv:Client", "Request is not well-formed XML")


async def test_refuses_a_request_larger_than_a_megabyte(soap) -> None:
    content = soap_envelope("property", "<!--" + "x" * (1024 * 1024) + "-->")
    response = await soap("property", "GetRealEstateByOwners", "", content=content)

    code, message = soap_fault(response.content)
    assert code == "soapenv:Client" and "larger" in message


async def test_a_get_without_wsdl_or_xsd_is_not_found(client) -> None:
    response = await client.get("/property")

    assert response.status_code == 404


@pytest.mark.parametrize("agency", sorted(SOAP_AGENCIES))
@pytest.mark.parametrize("suffix", ["wsdl", "xsd"])
def test_the_adapters_vendor_identical_copies_of_each_contract(agency: str, suffix: str) -> None:
    copy = Path(__file__).parents[2] / "adapters" / agency / "wsdl" / f"{agency}.{suffix}"

    assert copy.read_bytes() == (WSDL_DIR / f"{agency}.{suffix}").read_bytes()
