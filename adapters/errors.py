"""The shared agency error tree. Every adapter translates httpx/zeep/lxml failures into these,
in one place per adapter, so resolvers and the schema never see a foreign exception.

    AgencyError                 (agency: str, code: str)
    ├── AgencyUnavailable       connection refused, 5xx, 429, circuit open   AGENCY_UNAVAILABLE
    ├── AgencyTimeout           the call's deadline passed                   AGENCY_TIMEOUT
    ├── AgencyBadResponse       malformed, schema-invalid, hostile XML,
    │                           SOAP Fault, unexpected shape                 AGENCY_BAD_RESPONSE
    │   └── AgencyRejected      the agency refused our request as invalid
    │                           (HTTP 400); ``field`` names what             AGENCY_BAD_RESPONSE
    ├── AgencyConflict          an idempotency key reused for a different
    │                           request (bank, messaging)                    AGENCY_CONFLICT
    └── AgencyNotFound          the agency has no record for the key         NOT_FOUND

Messages never carry the agency's payload (it may hold personal data or internals).
"""

from __future__ import annotations


class AgencyError(Exception):
    code = "AGENCY_UNAVAILABLE"

    def __init__(self, agency: str, message: str = "") -> None:
        self.agency = agency
        self.message = message or self.default_message()
        super().__init__(f"{agency}: {self.message}")

    def default_message(self) -> str:
        return "the agency could not be reached"

    @property
    def extensions(self) -> dict[str, str]:
        """GraphQL error extensions (graphql-core copies them from the original error)."""
        return {"code": self.code, "agency": self.agency}


class AgencyUnavailable(AgencyError):
    code = "AGENCY_UNAVAILABLE"


class AgencyTimeout(AgencyError):
    code = "AGENCY_TIMEOUT"

    def default_message(self) -> str:
        return "the agency did not answer in time"


class AgencyBadResponse(AgencyError):
    code = "AGENCY_BAD_RESPONSE"

    def default_message(self) -> str:
        return "the agency's answer could not be understood"


class AgencyNotFound(AgencyError):
    code = "NOT_FOUND"

    def default_message(self) -> str:
        return "the agency has no record"


class AgencyRejected(AgencyBadResponse):
    """The agency refused our request as invalid (HTTP 400); ``field`` names the field or
    header at fault when the agency said which (a name, never a value). Not retried: the same
    request would be refused again."""

    def __init__(self, agency: str, field: str | None = None, message: str = "") -> None:
        self.field = field
        super().__init__(agency, message)

    def default_message(self) -> str:
        if self.field:
            return f"the agency refused the request: {self.field} is invalid"
        return "the agency refused the request as invalid"


class AgencyConflict(AgencyError):
    """An idempotency key was reused for a different request (HTTP 409 from the bank or the
    messaging gateway): nothing was done, and retrying cannot help. It means a bug on our
    side (two different writes under one key), never a transient fault."""

    code = "AGENCY_CONFLICT"

    def default_message(self) -> str:
        return "the idempotency key was already used for a different request"
