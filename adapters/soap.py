"""SOAP plumbing shared by the SOAP adapters (property, migration, vehicles, conscription,
justice): zeep over our own httpx client, the vendored WSDL, the X-Road header, and a gate that
refuses hostile answers before zeep sees them.

- The WSDL and XSD are read from ``adapters/<key>/wsdl/`` once per process
  (:func:`load_document`); loading can never reach the network (the loader refuses remote URLs).
- zeep runs ``strict``, with entities and DTDs forbidden and huge trees off; ``xs:decimal``
  arrives as ``Decimal``.
- Every call carries the X-Road header block (``client``, ``service``, ``id`` = a new UUID4,
  ``userId``, ``issue``, ``protocolVersion`` 4.0), which the WSDLs declare on every operation.
- :class:`GuardedTransport` reads at most ``max_response_bytes``, maps statuses like the REST
  adapters (:func:`adapters.http.check_status`), then parses the answer itself with a hardened
  lxml parser (no DTD, no entities, no network), refuses any DOCTYPE, turns a SOAP Fault into
  ``AgencyBadResponse`` (its text is never repeated) and validates the body against the
  vendored XSD. Only then does zeep deserialize it. Nothing here ever opens a second
  connection, whatever the answer says.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import requests
import zeep
import zeep.exceptions
import zeep.proxy
from lxml import etree
from zeep.transports import AsyncTransport, Transport
from zeep.wsdl import Document
from zeep.wsdl.utils import etree_to_string

from adapters.base import AdapterConfig, CallContext, report_xroad_id
from adapters.errors import AgencyBadResponse, AgencyError, AgencyUnavailable
from adapters.http import check_status, map_http_errors, read_limited
from adapters.shape import ShapeError

log = logging.getLogger(__name__)

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XROAD = "http://x-road.eu/xsd/xroad.xsd"
XROAD_PROTOCOL_VERSION = "4.0"
ADAPTERS_DIR = Path(__file__).parent
#: The X-Road header elements in the WSDLs' order, each with the prefix zeep's rendering gives it
_XROAD_ELEMENTS = tuple(
    (f"{{{XROAD}}}{name}", {f"ns{index}": XROAD})
    for index, name in enumerate(("client", "service", "id", "userId", "issue", "protocolVersion"))
)

ZEEP_SETTINGS = zeep.Settings(
    strict=True,
    forbid_dtd=True,
    forbid_entities=True,
    forbid_external=True,
    xml_huge_tree=False,
    raw_response=False,
)


def wsdl_path(agency: str) -> Path:
    return ADAPTERS_DIR / agency / "wsdl" / f"{agency}.wsdl"


def xsd_path(agency: str) -> Path:
    return ADAPTERS_DIR / agency / "wsdl" / f"{agency}.xsd"


class _LocalFilesOnly(Transport):
    """zeep's loader for the vendored WSDL: local files only, never the network."""

    def __init__(self) -> None:
        super().__init__(session=requests.Session())  # type: ignore[no-untyped-call]

    def _load_remote_data(self, url: str) -> bytes:
        raise ValueError("the vendored WSDL must not refer to remote documents")


@functools.cache
def load_document(agency: str) -> Document:
    """The agency's vendored WSDL, parsed once per process (40–200 ms; blocking)."""
    return Document(
        str(wsdl_path(agency)),
        _LocalFilesOnly(),  # type: ignore[arg-type]
        settings=ZEEP_SETTINGS,
    )


def hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


@functools.cache
def body_schema(agency: str) -> etree.XMLSchema:
    """The vendored XSD, compiled once per process."""
    root = etree.parse(str(xsd_path(agency)), parser=hardened_parser())
    return etree.XMLSchema(root)


def check_envelope(agency: str, content: bytes, schema: etree.XMLSchema) -> Any:
    """Refuse anything but a well-formed, DTD-free SOAP 1.1 envelope whose body is one element
    valid against ``schema``. A Fault is refused too. Messages never quote the answer. The
    envelope's parsed root is returned (zeep deserializes it without parsing it again)."""
    try:
        root = etree.fromstring(content, parser=hardened_parser())
    except (etree.XMLSyntaxError, ValueError):
        raise AgencyBadResponse(agency, "the agency's answer is not well-formed XML") from None
    info: Any = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise AgencyBadResponse(agency, "the agency's answer carries a DTD")
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise AgencyBadResponse(agency, "the agency's answer is not a SOAP envelope")
    body = root.find(f"{{{SOAP_ENV}}}Body")
    payload = [] if body is None else [c for c in body if isinstance(c.tag, str)]
    if len(payload) != 1:
        raise AgencyBadResponse(agency, "the agency's answer has no single body element")
    if payload[0].tag == f"{{{SOAP_ENV}}}Fault":
        raise AgencyBadResponse(agency, "the agency answered a SOAP Fault")
    if not schema.validate(payload[0]):
        raise AgencyBadResponse(agency, "the agency's answer does not match its schema")
    return root


class GuardedTransport(AsyncTransport):
    """zeep's async transport over our httpx client, with the answer gate described above."""

    def __init__(
        self,
        agency: str,
        client: httpx.AsyncClient,
        *,
        max_response_bytes: int,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        # zeep builds a synchronous client for WSDL loading; ours refuses every request (the
        # WSDL comes from disk before this transport exists).
        refusing = httpx.Client(transport=httpx.MockTransport(_refuse), trust_env=False)
        super().__init__(client=client, wsdl_client=refusing)  # type: ignore[no-untyped-call]
        self.agency = agency
        self.max_response_bytes = max_response_bytes
        self.schema = body_schema(agency)
        # ``transport`` (the client's own): requests go straight to it, as RestClient's do
        # (the client's machinery costs more CPU than the exchange), with its timeouts
        self._direct = transport
        self._timeout = client.timeout.as_dict()
        self._urls: dict[str, httpx.URL] = {}

    async def _send(self, address: str, message: bytes, headers: dict[str, str]) -> Any:
        if self._direct is None:
            request = self.client.build_request("POST", address, content=message, headers=headers)
            return await self.client.send(request, stream=True)
        url = self._urls.get(address)
        if url is None:
            url = self._urls[address] = httpx.URL(address)
        request = httpx.Request(
            "POST",
            url,
            headers=headers,
            content=message,
            extensions={"timeout": self._timeout},
        )
        return await self._direct.handle_async_request(request)

    def load(self, url: str) -> bytes:
        raise AgencyBadResponse(self.agency, "the agency's answer refers to other documents")

    async def post_xml(self, address: str, envelope: Any, headers: dict[str, str]) -> Any:
        _, content, response = await self._exchange(address, envelope, headers)
        return _as_requests_response(response, content)

    async def post_checked(self, address: str, envelope: Any, headers: dict[str, str]) -> Any:
        """Send ``envelope``; the answer's envelope, checked by :func:`check_envelope` and
        parsed once (the root element, for zeep's operation to deserialize)."""
        status, _, root = await self._exchange(address, envelope, headers, parsed=True)
        if status != 200:  # zeep treats any other answer as an error (a SOAP Fault)
            raise AgencyBadResponse(self.agency, f"the agency answered HTTP {status}")
        return root

    async def _exchange(
        self, address: str, envelope: Any, headers: dict[str, str], *, parsed: bool = False
    ) -> tuple[int, bytes, Any]:
        message = etree_to_string(envelope)  # type: ignore[no-untyped-call]
        with map_http_errors(self.agency):
            response = await self._send(address, message, headers)
            try:
                status = response.status_code
                if status != 500:  # SOAP faults come with 500: judge those by their body
                    check_status(self.agency, response)
                content = await read_limited(self.agency, response, self.max_response_bytes)
            finally:
                await response.aclose()
        if status == 500:
            if _is_fault(content):
                raise AgencyBadResponse(self.agency, "the agency answered a SOAP Fault")
            raise AgencyUnavailable(self.agency, "the agency answered HTTP 500")
        root = check_envelope(self.agency, content, self.schema)
        return status, content, (root if parsed else response)

    async def post(self, address: str, message: bytes, headers: dict[str, str]) -> Any:
        raise NotImplementedError("use post_xml")  # zeep's post logs whole payloads

    async def get(self, address: str, params: Any, headers: Any) -> Any:
        raise NotImplementedError("SOAP over GET is not used")


def _is_fault(content: bytes) -> bool:
    try:
        root = etree.fromstring(content, parser=hardened_parser())
    except (etree.XMLSyntaxError, ValueError):
        return False
    return root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault") is not None


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("remote documents are never fetched", request=request)


def _as_requests_response(response: httpx.Response, content: bytes) -> requests.Response:
    new = requests.Response()
    new._content = content
    new.status_code = response.status_code
    new.headers = requests.structures.CaseInsensitiveDict(response.headers.items())
    new.encoding = response.encoding
    return new


@contextmanager
def map_soap_errors(agency: str) -> Iterator[None]:
    """Translate zeep and lxml failures (and shape errors) into ``AgencyBadResponse``."""
    try:
        yield
    except AgencyError:
        raise
    except (zeep.exceptions.Error, etree.LxmlError, ShapeError, ValueError):
        raise AgencyBadResponse(agency) from None


class SoapClient:
    """I/O for one SOAP agency: zeep ``AsyncClient`` + ``AsyncServiceProxy`` at the configured
    address; :meth:`call` sends one operation with the X-Road header."""

    def __init__(
        self,
        agency: str,
        config: AdapterConfig,
        http: httpx.AsyncClient,
        binding: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.agency = agency
        self._config = config
        self.transport = GuardedTransport(
            agency, http, max_response_bytes=config.max_response_bytes, transport=transport
        )
        self.zeep = zeep.AsyncClient(  # type: ignore[no-untyped-call]
            wsdl=load_document(agency), transport=self.transport, settings=ZEEP_SETTINGS
        )
        qname = self._binding_qname(binding)
        self._binding: Any = self.zeep.wsdl.bindings[qname]  # a SoapBinding
        self._address = config.url(agency)
        self._options = {"address": self._address}
        self.proxy = zeep.proxy.AsyncServiceProxy(  # type: ignore[no-untyped-call]
            self.zeep, self._binding, address=self._address
        )

    def _binding_qname(self, binding: str) -> str:
        for qname in self.zeep.wsdl.bindings:
            if etree.QName(qname).localname == binding:
                return str(qname)
        raise ValueError(f"{self.agency}: no binding {binding} in the vendored WSDL")

    def xroad_header(self, operation: str, ctx: CallContext) -> list[etree._Element]:
        """The X-Road header block as lxml elements, which zeep's ``_soapheaders`` accepts and
        appends as they are. The same bytes as zeep rendering the WSDL's header parts from a
        dict (each element declares its own ``nsN`` prefix), for a fraction of the CPU."""
        message_id = str(uuid.uuid4())
        report_xroad_id(message_id)
        values = (
            self._config.xroad_client,
            f"AZ/GOV/{self.agency}/{operation}",
            message_id,
            ctx.user_id,
            ctx.issue,
            XROAD_PROTOCOL_VERSION,
        )
        elements = []
        for (tag, nsmap), value in zip(_XROAD_ELEMENTS, values, strict=True):
            element = etree.Element(tag, nsmap=nsmap)
            element.text = value
            elements.append(element)
        return elements

    async def call(self, operation: str, ctx: CallContext, **body: Any) -> Any:
        """The deserialized response body of ``operation`` (zeep objects: map them at once).

        What zeep's service proxy does (build the envelope, post it, deserialize the answer),
        except that the answer is parsed once: the envelope check's tree is what zeep reads."""
        binding = self._binding
        with map_soap_errors(self.agency):
            body["_soapheaders"] = self.xroad_header(operation, ctx)
            envelope, headers = binding._create(
                operation, (), body, client=self.zeep, options=self._options
            )
        root = await self.transport.post_checked(self._address, envelope, headers)
        with map_soap_errors(self.agency):
            result = binding.get(operation).process_reply(root)
            return result.body if hasattr(result, "body") else result
