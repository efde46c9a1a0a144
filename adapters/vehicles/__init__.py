"""vehicles (SOAP 1.1): State Road Police vehicle registry."""

from adapters.vehicles.adapter import VehiclesAdapter

__all__ = ["VehiclesAdapter"]
