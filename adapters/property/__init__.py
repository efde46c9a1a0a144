"""property (SOAP 1.1): State Service on Property Issues, real-estate registry."""

from adapters.property.adapter import PropertyAdapter

__all__ = ["PropertyAdapter"]
