"""migration (SOAP 1.1): State Migration Service and State Border Service."""

from adapters.migration.adapter import MigrationAdapter

__all__ = ["MigrationAdapter"]
