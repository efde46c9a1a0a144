"""SOAP 1.1 plumbing shared by the SOAP mock agencies (property, migration, vehicles,
conscription, justice).

Each agency has a vendored contract in ``mocks/wsdl/<key>.wsdl`` and ``<key>.xsd`` (document/
literal, one portType, the X-Road header block declared inline in the WSDL). :func:`soap_route`
turns a :class:`SoapContract` and pure handlers ``(payload element, World) -> record elements``
into one endpoint at the agency's base URL that:

- serves the WSDL at ``GET <base>?wsdl`` (its address and schema location pointed at this
  server) and the XSD at ``GET <base>?xsd``;
- parses ``POST`` bodies with a hardened parser (no DTD, no entities, no network, no huge trees)
  and refuses any DOCTYPE;
- validates the X-Road header against the WSDL's header schema and the body against the XSD;
- answers ``soapenv:Fault`` (HTTP 500): ``Client`` for bad requests, ``Server`` for faults,
  ``VersionMismatch`` for SOAP 1.2, ``MustUnderstand`` for unknown mandatory headers; fault
  strings name the problem, never repeat the values sent and never show internals;
- echoes the whole X-Road header block in answers, as X-Road services do.

Calls are counted (operation = the body element's local name, ``unknown`` when the body cannot
be read) before the agency's fault setting is applied (``mocks/faults.py``).
"""

from __future__ import annotations

import copy
import functools
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from lxml import etree
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mocks.agencies.base import MockState, XRoadIds
from mocks.agencies.rest import read_body, wait_for_disconnect
from mocks.faults import Outcome, broken
from mocks.world import World

log = logging.getLogger(__name__)

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
XROAD = "http://x-road.eu/xsd/xroad.xsd"
XS = "http://www.w3.org/2001/XMLSchema"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"

WSDL_DIR = Path(__file__).parent / "wsdl"
#: The X-Road header elements every request carries, in the order of the WSDL.
HEADER_ELEMENTS = ("client", "service", "id", "userId", "issue", "protocolVersion")
#: Requests larger than this are refused before parsing (500 FINs take about 25 KB).
MAX_BODY_BYTES = 1024 * 1024
XML_MEDIA_TYPE = "text/xml; charset=utf-8"

SoapHandler = Callable[["etree._Element", World], Iterable["etree._Element"]]


class SoapFault(Exception):
    """A fault to answer: ``code`` is ``Client``, ``Server``, ``VersionMismatch`` or
    ``MustUnderstand``; ``message`` is safe to show to the caller."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def client_fault(message: str) -> SoapFault:
    return SoapFault("Client", message)


def hardened_parser() -> etree.XMLParser:
    """An lxml parser that loads no DTD, resolves no entity, reaches no network and keeps the
    libxml2 limits on depth and text size."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes) -> etree._ElementTree:
    """Parse untrusted XML: hardened parser, and any DOCTYPE refused."""
    try:
        tree = etree.fromstring(data, parser=hardened_parser()).getroottree()
    except etree.XMLSyntaxError:
        raise client_fault("Request is not well-formed XML") from None
    info: Any = tree.docinfo  # lxml-stubs lack DocInfo.doctype
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise client_fault("DOCTYPE is not allowed")
    return tree


@dataclass(frozen=True, slots=True)
class SoapContract:
    """One agency's vendored WSDL and XSD, compiled for validation."""

    key: str
    namespace: str
    wsdl: bytes
    xsd: bytes
    body_schema: etree.XMLSchema
    header_schema: etree.XMLSchema
    #: operation name -> SOAPAction, from the WSDL binding
    actions: Mapping[str, str]

    def served_wsdl(self, base_url: str) -> bytes:
        """The WSDL with its address and schema location pointing at ``base_url``."""
        root = etree.fromstring(self.wsdl, parser=hardened_parser())
        here = f"{base_url.rstrip('/')}/{self.key}"
        for address in root.iter(f"{{{WSDL_SOAP}}}address"):
            address.set("location", here)
        for imported in root.iter(f"{{{XS}}}import"):
            if imported.get("schemaLocation") == f"{self.key}.xsd":
                imported.set("schemaLocation", f"{here}?xsd")
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


@functools.lru_cache(maxsize=32)
def load_contract(key: str, directory: Path = WSDL_DIR) -> SoapContract:
    """Read and compile ``<directory>/<key>.wsdl`` and ``<key>.xsd`` (once per process)."""
    wsdl = (directory / f"{key}.wsdl").read_bytes()
    xsd = (directory / f"{key}.xsd").read_bytes()
    wsdl_root = etree.fromstring(wsdl, parser=hardened_parser())
    namespace = wsdl_root.get("targetNamespace", "")
    xroad_schema = next(
        s for s in wsdl_root.iter(f"{{{XS}}}schema") if s.get("targetNamespace") == XROAD
    )
    # Prefixes used in attribute values (type="xrd:Identifier") are declared on the WSDL root.
    nsmap: Any = wsdl_root.nsmap
    header_schema = etree.Element(xroad_schema.tag, dict(xroad_schema.attrib), nsmap=nsmap)
    header_schema.extend(copy.deepcopy(child) for child in xroad_schema)
    actions = {
        op.get("name", ""): action.get("soapAction", "")
        for binding in wsdl_root.iter(f"{{{WSDL}}}binding")
        for op in binding.iterfind(f"{{{WSDL}}}operation")
        for action in op.iterfind(f"{{{WSDL_SOAP}}}operation")
    }
    return SoapContract(
        key=key,
        namespace=namespace,
        wsdl=wsdl,
        xsd=xsd,
        body_schema=etree.XMLSchema(etree.fromstring(xsd, parser=hardened_parser())),
        header_schema=etree.XMLSchema(header_schema),
        actions=actions,
    )


@dataclass(frozen=True, slots=True)
class SoapRequest:
    """A parsed (not yet validated) request: operation, X-Road header, body payload."""

    operation: str
    header: tuple[etree._Element, ...]
    payload: etree._Element
    ids: XRoadIds


def read_envelope(body: bytes, contract: SoapContract) -> SoapRequest:
    """Parse a request envelope far enough to name its operation and X-Road identifiers."""
    root = parse_xml(body).getroot()
    if root.tag == f"{{{SOAP12_ENV}}}Envelope":
        raise SoapFault("VersionMismatch", "Only SOAP 1.1 envelopes are accepted")
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise client_fault("Request is not a SOAP 1.1 envelope")
    children = [c for c in root if isinstance(c.tag, str)]
    header_element: etree._Element | None = None
    if children and children[0].tag == f"{{{SOAP_ENV}}}Header":
        header_element = children.pop(0)
    if len(children) != 1 or children[0].tag != f"{{{SOAP_ENV}}}Body":
        raise client_fault("Envelope must hold an optional Header and one Body")
    payloads = [c for c in children[0] if isinstance(c.tag, str)]
    if len(payloads) != 1:
        raise client_fault("Body must hold exactly one element")
    payload = payloads[0]
    qname = etree.QName(payload)
    if qname.namespace != contract.namespace or qname.localname not in contract.actions:
        raise client_fault("Unknown operation")
    header: list[etree._Element] = []
    if header_element is not None:
        for entry in header_element:
            if not isinstance(entry.tag, str):
                continue
            if etree.QName(entry).namespace == XROAD:
                header.append(entry)
            elif entry.get(f"{{{SOAP_ENV}}}mustUnderstand") in ("1", "true"):
                raise SoapFault("MustUnderstand", "A mandatory header is not understood")
    texts = {etree.QName(e).localname: (e.text or None) for e in header}
    ids = XRoadIds(
        id=texts.get("id"),
        user_id=texts.get("userId"),
        issue=texts.get("issue"),
        client=texts.get("client"),
    )
    return SoapRequest(qname.localname, tuple(header), payload, ids)


def _schema_problem(schema: etree.XMLSchema) -> str:
    # The libxml2 message repeats the offending value (a FIN, say); name the place instead.
    error_log: Any = schema.error_log  # lxml-stubs lack _ErrorLog.last_error
    error = error_log.last_error
    if error is None:
        return "Request does not match the schema"
    where = re.sub(r"\{[^}]*\}|[a-zA-Z0-9_-]+:", "", error.path or "") or "the request"
    return f"Request does not match the schema at {where} ({error.type_name})"


def validate(request: SoapRequest, contract: SoapContract, soap_action: str | None) -> None:
    """Check the SOAPAction, the X-Road header and the body against the contract."""
    expected = contract.actions[request.operation]
    if soap_action is None:
        raise client_fault("SOAPAction header is missing")
    action = soap_action.strip().strip('"')
    if action and action != expected:
        raise client_fault("SOAPAction does not match the operation")
    seen: set[str] = set()
    for element in request.header:
        name = etree.QName(element).localname
        if name in seen:
            raise client_fault(f"X-Road header element {name} is repeated")
        seen.add(name)
        if not contract.header_schema.validate(element):
            raise client_fault(f"X-Road header element {name} is not valid")
    missing = [name for name in HEADER_ELEMENTS if name not in seen]
    if missing:
        raise client_fault(f"X-Road header lacks {', '.join(missing)}")
    if not contract.body_schema.validate(request.payload):
        raise client_fault(_schema_problem(contract.body_schema))


def _envelope(header: Sequence[etree._Element], body_child: etree._Element) -> bytes:
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV, "xrd": XROAD})
    if header:
        header_element = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Header")
        for entry in header:
            header_element.append(copy.deepcopy(entry))
    etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body").append(body_child)
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))


def response_envelope(
    contract: SoapContract,
    operation: str,
    header: Sequence[etree._Element],
    records: Iterable[etree._Element],
) -> bytes:
    wrapper = etree.Element(
        f"{{{contract.namespace}}}{operation}Response", nsmap={"tns": contract.namespace}
    )
    wrapper.extend(records)
    return _envelope(header, wrapper)


def fault_envelope(fault: SoapFault, header: Sequence[etree._Element] = ()) -> bytes:
    element = etree.Element(f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(element, "faultcode").text = f"soapenv:{fault.code}"
    etree.SubElement(element, "faultstring").text = fault.message
    return _envelope(header, element)


def fault_response(fault: SoapFault, header: Sequence[etree._Element] = ()) -> Response:
    return Response(fault_envelope(fault, header), status_code=500, media_type=XML_MEDIA_TYPE)


# --- helpers for the agencies' handlers -------------------------------------------------------


def record(namespace: str, name: str, fields: Iterable[tuple[str, str | None]]) -> etree._Element:
    """``<name><field>text</field>…</name>`` in ``namespace``; a ``None`` field is omitted."""
    element = etree.Element(f"{{{namespace}}}{name}")
    for field_name, text in fields:
        if text is not None:
            etree.SubElement(element, f"{{{namespace}}}{field_name}").text = text
    return element


def fins_in(payload: etree._Element, namespace: str, list_name: str = "fins") -> tuple[str, ...]:
    """The FINs of a validated request's ``<list_name><fin/>…</list_name>``, deduplicated."""
    found = payload.iterfind(f"{{{namespace}}}{list_name}/{{{namespace}}}fin")
    return tuple(dict.fromkeys((e.text or "").strip() for e in found))


def month_in(payload: etree._Element, namespace: str, name: str) -> date:
    """An ``xs:gYearMonth`` child of a validated request, as the first day of that month."""
    element = payload.find(f"{{{namespace}}}{name}")
    text = (element.text or "") if element is not None else ""
    match = re.match(r"\s*([0-9]{4})-([0-9]{2})", text)
    if match is None:
        raise client_fault(f"{name} must be a month YYYY-MM with a four-digit year")
    return date(int(match.group(1)), int(match.group(2)), 1)


def boolean(value: bool) -> str:
    return "true" if value else "false"


# --- the endpoint -----------------------------------------------------------------------------


def soap_route(
    state: MockState, contract: SoapContract, handlers: Mapping[str, SoapHandler]
) -> Route:
    """The agency's endpoint at ``/<key>``: WSDL and XSD on GET, operations on POST."""
    if set(handlers) != set(contract.actions):
        raise ValueError(f"{contract.key}: handlers must cover exactly {sorted(contract.actions)}")
    agency = contract.key
    served_wsdl: dict[str, bytes] = {}

    async def endpoint(request: Request) -> Response:
        if request.method == "GET":
            query = request.url.query.lower()
            if query == "wsdl":
                if state.base_url not in served_wsdl:
                    served_wsdl[state.base_url] = contract.served_wsdl(state.base_url)
                return Response(served_wsdl[state.base_url], media_type=XML_MEDIA_TYPE)
            if query == "xsd":
                return Response(contract.xsd, media_type=XML_MEDIA_TYPE)
            return Response(b"Ask for ?wsdl or ?xsd\n", 404, media_type="text/plain")

        body = await read_body(request, MAX_BODY_BYTES)
        parsed: SoapRequest | None = None
        problem: SoapFault | None = None
        try:
            if body is None:
                raise client_fault(f"Request is larger than {MAX_BODY_BYTES} bytes")
            parsed = read_envelope(body, contract)
        except SoapFault as fault:
            problem = fault
        if parsed is None:
            state.calls.record(agency, "unknown", XRoadIds())
        else:
            state.calls.record(agency, parsed.operation, parsed.ids)

        outcome = await state.faults.before_answer(agency, partial(wait_for_disconnect, request))
        if outcome is Outcome.UNAVAILABLE:
            return Response(b"Service Unavailable\n", 503, media_type="text/plain")
        if outcome is Outcome.THROTTLED:
            return Response(
                b"Too Many Requests\n", 429, {"Retry-After": "1"}, media_type="text/plain"
            )
        if outcome is Outcome.ERROR:
            return fault_response(SoapFault("Server", "Service failed; try again later"))
        try:
            if problem is not None:
                raise problem
            assert parsed is not None
            media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if media_type == "application/soap+xml":
                raise SoapFault("VersionMismatch", "Only SOAP 1.1 (text/xml) is accepted")
            if media_type != "text/xml":
                raise client_fault("Content-Type must be text/xml")
            validate(parsed, contract, request.headers.get("soapaction"))
            records = handlers[parsed.operation](parsed.payload, state.world)
            content = response_envelope(contract, parsed.operation, parsed.header, records)
        except SoapFault as fault:
            header = parsed.header if parsed is not None and fault.code == "Server" else ()
            return fault_response(fault, header)
        except Exception:
            log.exception("%s mock failed on %s", agency, parsed.operation if parsed else "?")
            return fault_response(SoapFault("Server", "Service failed; try again later"))
        if outcome is Outcome.MALFORMED:
            content = broken(content)
        return Response(content, media_type=XML_MEDIA_TYPE)

    return Route(f"/{agency}", endpoint, methods=["GET", "POST"], name=agency)
