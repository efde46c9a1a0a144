"""SOAP 1.1 plumbing shared by the SOAP mock agencies (property, migration, vehicles,
conscription, justice).

Each agency has a vendored contract in ``mocks/wsdl/<key>.wsdl`` and ``<key>.xsd`` (document/
literal, one portType, the X-Road header block declared inline in the WSDL). :func:`soap_route`
turns a :class:`SoapContract` and pure handlers ``(payload element, World) -> records`` (each
record XML text from :func:`record`) into one endpoint at the agency's base URL that:

- serves the WSDL at ``GET <base>?wsdl`` (its address and schema location pointed at this
  server) and the XSD at ``GET <base>?xsd``;
- parses ``POST`` bodies with a hardened parser (no DTD, no entities, no network, no huge trees)
  and refuses any DOCTYPE;
- validates the X-Road header against the WSDL's header schema and the body against the XSD;
- answers ``soapenv:Fault`` (HTTP 500): ``Client`` for bad requests, ``Server`` for faults,
  ``VersionMismatch`` for SOAP 1.2, ``MustUnderstand`` for unknown mandatory headers; fault
  strings name the problem, never repeat the values sent and never show internals;
- echoes the whole X-Road header block in answers, as X-Road services do.

Answers are written as text, byte for byte what lxml serializes for the same tree (records as
``<tns:…>`` elements; the echoed header as lxml's copy of the request's elements, copied by lxml
when an element is not simple); the parser is one per thread.

Calls are counted (operation = the body element's local name, ``unknown`` when the body cannot
be read) before the agency's fault setting is applied (``mocks/faults.py``).
"""

from __future__ import annotations

import copy
import functools
import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from lxml import etree
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mocks.agencies.base import MockState, XRoadIds
from mocks.faults import Outcome, broken
from mocks.http import Endpoint, Incoming, Reply
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
_XROAD_TAG = f"{{{XROAD}}}"
_ENVELOPE = f"{{{SOAP_ENV}}}Envelope"
_ENVELOPE_12 = f"{{{SOAP12_ENV}}}Envelope"
_HEADER = f"{{{SOAP_ENV}}}Header"
_BODY = f"{{{SOAP_ENV}}}Body"
_XROAD_TAG_LENGTH = len(_XROAD_TAG)
_MUST_UNDERSTAND = f"{{{SOAP_ENV}}}mustUnderstand"
#: How many header-element verdicts a contract remembers before it starts afresh.
_HEADER_VERDICTS_KEPT = 4096
#: What lxml refuses in text: C0 controls other than tab, line feed and carriage return,
#: surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Text that needs neither escaping nor refusing.
_PLAIN_TEXT = re.compile("[^&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]*")
_EMPTY_BODY_END = b"<soapenv:Body/></soapenv:Envelope>"
_OPEN = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:xrd="{XROAD}">'
).encode()
_EMPTY_HEAD = _OPEN + b"<soapenv:Body>"
_ECHO_NAMESPACES = frozenset((XROAD, SOAP_ENV))
_XML_CONTENT_TYPE = XML_MEDIA_TYPE.encode("latin-1")

#: ``(validated payload element, world) -> records`` (XML text from :func:`record`)
SoapHandler = Callable[["etree._Element", World], Iterable[str]]


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


_parsers = threading.local()


def _parser() -> etree.XMLParser:
    """This thread's hardened parser (an lxml parser may be reused, but by one thread only)."""
    parser: etree.XMLParser | None = getattr(_parsers, "parser", None)
    if parser is None:
        parser = _parsers.parser = hardened_parser()
    return parser


def parse_xml(data: bytes) -> etree._ElementTree:
    """Parse untrusted XML: hardened parser, and any DOCTYPE refused."""
    try:
        tree = etree.fromstring(data, parser=_parser()).getroottree()
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
    #: (tag, text) of simple X-Road header elements -> valid (see ``_header_element_valid``)
    header_verdicts: dict[tuple[str, str | None], bool] = field(
        default_factory=dict, compare=False, repr=False
    )

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


class SoapRequest(NamedTuple):
    """A parsed (not yet validated) request: operation, X-Road header, body payload."""

    operation: str
    header: tuple[etree._Element, ...]
    payload: etree._Element
    ids: XRoadIds
    #: per element of ``header``: its local name, its text, and whether it is simple (no
    #: attributes, no child elements)
    entries: tuple[tuple[str, str | None, bool], ...] = ()


def read_envelope(body: bytes, contract: SoapContract) -> SoapRequest:
    """Parse a request envelope far enough to name its operation and X-Road identifiers."""
    root = parse_xml(body).getroot()
    root_tag = root.tag  # (each reading of a tag builds a new string: read each once)
    if root_tag != _ENVELOPE:
        if root_tag == _ENVELOPE_12:
            raise SoapFault("VersionMismatch", "Only SOAP 1.1 envelopes are accepted")
        raise client_fault("Request is not a SOAP 1.1 envelope")
    children = list(root.iterchildren(etree.Element))  # elements only
    tags = [child.tag for child in children]
    header_element: etree._Element | None = None
    if tags and tags[0] == _HEADER:
        header_element = children.pop(0)
        tags.pop(0)
    if len(children) != 1 or tags[0] != _BODY:
        raise client_fault("Envelope must hold an optional Header and one Body")
    payloads = list(children[0].iterchildren(etree.Element))
    if len(payloads) != 1:
        raise client_fault("Body must hold exactly one element")
    payload = payloads[0]
    payload_tag = payload.tag
    namespace, _, operation = payload_tag[1:].partition("}")
    if (
        not payload_tag.startswith("{")
        or namespace != contract.namespace
        or operation not in contract.actions
    ):
        raise client_fault("Unknown operation")
    header: list[etree._Element] = []
    entries: list[tuple[str, str | None, bool]] = []
    if header_element is not None:
        for entry in header_element:
            tag = entry.tag
            if not isinstance(tag, str):
                continue
            if tag.startswith(_XROAD_TAG):
                header.append(entry)
                simple = not (len(entry) or entry.keys())
                entries.append((tag[_XROAD_TAG_LENGTH:], entry.text, simple))
            elif entry.get(_MUST_UNDERSTAND) in ("1", "true"):
                raise SoapFault("MustUnderstand", "A mandatory header is not understood")
    texts = {name: (text or None) for name, text, _simple in entries}
    ids = XRoadIds(
        id=texts.get("id"),
        user_id=texts.get("userId"),
        issue=texts.get("issue"),
        client=texts.get("client"),
    )
    return SoapRequest(operation, tuple(header), payload, ids, tuple(entries))


def _schema_problem(schema: etree.XMLSchema) -> str:
    # The libxml2 message repeats the offending value (a FIN, say); name the place instead.
    error_log: Any = schema.error_log  # lxml-stubs lack _ErrorLog.last_error
    error = error_log.last_error
    if error is None:
        return "Request does not match the schema"
    where = re.sub(r"\{[^}]*\}|[a-zA-Z0-9_-]+:", "", error.path or "") or "the request"
    return f"Request does not match the schema at {where} ({error.type_name})"


def _header_element_valid(
    contract: SoapContract, element: etree._Element, text: str | None, simple: bool
) -> bool:
    """Whether an X-Road header element is valid by the contract's header schema.

    The header elements are of simple string types, so a simple element (no attributes, no
    children) is valid or not by its name and text alone: those verdicts are remembered (the
    client, service and protocol version repeat on every call)."""
    if not simple:
        return bool(contract.header_schema.validate(element))
    key = (element.tag, text)
    verdicts = contract.header_verdicts
    verdict = verdicts.get(key)
    if verdict is None:
        verdict = bool(contract.header_schema.validate(element))
        if len(verdicts) >= _HEADER_VERDICTS_KEPT:
            verdicts.clear()
        verdicts[key] = verdict
    return verdict


def validate(request: SoapRequest, contract: SoapContract, soap_action: str | None) -> None:
    """Check the SOAPAction, the X-Road header and the body against the contract."""
    expected = contract.actions[request.operation]
    if soap_action is None:
        raise client_fault("SOAPAction header is missing")
    action = soap_action.strip().strip('"')
    if action and action != expected:
        raise client_fault("SOAPAction does not match the operation")
    seen: set[str] = set()
    for element, (name, text, simple) in zip(request.header, request.entries, strict=True):
        if name in seen:
            raise client_fault(f"X-Road header element {name} is repeated")
        seen.add(name)
        if not _header_element_valid(contract, element, text, simple):
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


def _plain_echo(request: SoapRequest) -> str | None:
    """The echoed header entries as text, when every entry is simple (no attributes, no child
    elements) and no namespace is declared in the request's header other than the X-Road and
    SOAP envelope namespaces (which the answer's envelope declares as ``xrd`` and ``soapenv``).
    Such an entry comes out of lxml's copy as ``<xrd:name>text</xrd:name>`` followed by its
    tail; ``None`` otherwise (then lxml serializes the copies)."""
    header = request.header
    if not header:
        return ""
    parent = header[0].getparent()
    if parent is None:
        return None
    for _event, declared in etree.iterwalk(parent, events=("start-ns",)):
        if declared[1] not in _ECHO_NAMESPACES:
            return None
    parts: list[str] = []
    for entry, (name, text, simple) in zip(header, request.entries, strict=True):
        if not simple:
            return None
        if text is None:  # an element without a text node (an empty CDATA section is one)
            parts.append(f"<xrd:{name}/>")
        else:  # parsed text holds only characters XML allows: escaping is all it needs
            parts.append(f"<xrd:{name}>{_escape(text)}</xrd:{name}>")
        tail = entry.tail
        if tail:
            parts.append(_escape(tail))
    return "".join(parts)


def _head(request: SoapRequest) -> bytes:
    """The answer's envelope up to and including ``<soapenv:Body>``: the XML declaration, the
    envelope and the echoed header, as lxml serializes them (``_envelope``)."""
    header = request.header
    if not header:
        return _EMPTY_HEAD
    plain = _plain_echo(request)
    if plain is not None:
        return b"%s<soapenv:Header>%s</soapenv:Header><soapenv:Body>" % (_OPEN, plain.encode())
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV, "xrd": XROAD})
    header_element = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Header")
    for entry in header:
        header_element.append(copy.deepcopy(entry))
    etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    xml = bytes(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))
    if not xml.endswith(_EMPTY_BODY_END):  # cannot happen: the Body is the last, empty element
        raise AssertionError("unexpected serialization of the SOAP envelope")
    return xml[: -len(_EMPTY_BODY_END)] + b"<soapenv:Body>"


def response_envelope(
    contract: SoapContract, request: SoapRequest, records: Iterable[str]
) -> bytes:
    """The answer to ``request``: the envelope with its header echoed and a body
    ``<tns:<operation>Response>`` holding ``records`` (XML text from :func:`record`).

    Byte for byte what lxml serializes for the same tree (``_envelope``), built as text:
    the body's records are many small elements, the costliest part to build as a tree."""
    operation = request.operation
    content = "".join(records)
    wrapper = f'tns:{operation}Response xmlns:tns="{contract.namespace}"'
    body = f"<{wrapper}>{content}</tns:{operation}Response>" if content else f"<{wrapper}/>"
    return _head(request) + body.encode("utf-8") + b"</soapenv:Body></soapenv:Envelope>"


def fault_envelope(fault: SoapFault, header: Sequence[etree._Element] = ()) -> bytes:
    element = etree.Element(f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(element, "faultcode").text = f"soapenv:{fault.code}"
    etree.SubElement(element, "faultstring").text = fault.message
    return _envelope(header, element)


def fault_response(fault: SoapFault, header: Sequence[etree._Element] = ()) -> Response:
    return Response(fault_envelope(fault, header), status_code=500, media_type=XML_MEDIA_TYPE)


# --- helpers for the agencies' handlers -------------------------------------------------------


def _escape(text: str) -> str:
    """Text content escaped as lxml (libxml2) serializes it."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\r", "&#13;")


def xml_text(text: str) -> str:
    """``text`` as the content of an element, escaped as lxml (libxml2) serializes it; a
    character XML cannot hold raises ``ValueError`` as lxml does."""
    if _PLAIN_TEXT.fullmatch(text) is not None:
        return text
    if _NOT_XML.search(text) is not None:
        raise ValueError("All strings must be XML compatible: Unicode or ASCII, no NULL bytes")
    return _escape(text)


def record(name: str, fields: Iterable[tuple[str, str | None]]) -> str:
    """``<tns:name><tns:field>text</tns:field>…</tns:name>``: one record of an answer, as XML
    text in the answer's namespace (prefix ``tns``); a ``None`` field is omitted."""
    parts = [
        f"<tns:{field_name}>{xml_text(text)}</tns:{field_name}>"
        for field_name, text in fields
        if text is not None
    ]
    if not parts:
        return f"<tns:{name}/>"
    return f"<tns:{name}>{''.join(parts)}</tns:{name}>"


@functools.lru_cache(maxsize=64)
def _fins_path(namespace: str, list_name: str) -> etree.XPath:
    return etree.XPath(
        f"t:{list_name}/t:fin/text()", namespaces={"t": namespace}, smart_strings=False
    )


def fins_in(payload: etree._Element, namespace: str, list_name: str = "fins") -> tuple[str, ...]:
    """The FINs of a validated request's ``<list_name><fin/>…</list_name>``, deduplicated (the
    schema makes each ``fin`` exactly one FIN, without white space)."""
    texts: Any = _fins_path(namespace, list_name)(payload)
    return tuple(dict.fromkeys(texts))


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

    async def endpoint(request: Incoming) -> Response | Reply:
        if request.method == "GET":
            query = Request(request.scope).url.query.lower()
            if query == "wsdl":
                if state.base_url not in served_wsdl:
                    served_wsdl[state.base_url] = contract.served_wsdl(state.base_url)
                return Response(served_wsdl[state.base_url], media_type=XML_MEDIA_TYPE)
            if query == "xsd":
                return Response(contract.xsd, media_type=XML_MEDIA_TYPE)
            return Response(b"Ask for ?wsdl or ?xsd\n", 404, media_type="text/plain")

        headers = request.headers
        body = await request.body(MAX_BODY_BYTES)
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

        faults = state.faults
        outcome = (
            Outcome.ANSWER
            if faults.healthy(agency)
            else await faults.before_answer(agency, request.wait_for_disconnect)
        )
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
            media_type = headers.get("content-type", "").split(";")[0].strip().lower()
            if media_type == "application/soap+xml":
                raise SoapFault("VersionMismatch", "Only SOAP 1.1 (text/xml) is accepted")
            if media_type != "text/xml":
                raise client_fault("Content-Type must be text/xml")
            validate(parsed, contract, headers.get("soapaction"))
            records = handlers[parsed.operation](parsed.payload, state.world)
            content = response_envelope(contract, parsed, records)
        except SoapFault as fault:
            header = parsed.header if parsed is not None and fault.code == "Server" else ()
            return fault_response(fault, header)
        except Exception:
            log.exception("%s mock failed on %s", agency, parsed.operation if parsed else "?")
            return fault_response(SoapFault("Server", "Service failed; try again later"))
        if outcome is Outcome.MALFORMED:
            content = broken(content)
        return Reply(content, 200, [], _XML_CONTENT_TYPE)

    return Route(f"/{agency}", Endpoint(endpoint), methods=["GET", "POST"], name=agency)
