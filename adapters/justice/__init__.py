"""justice (SOAP 1.1): Ministry of Justice (penitentiary service, civil registry, courts)."""

from adapters.justice.adapter import JusticeAdapter

__all__ = ["JusticeAdapter"]
