"""conscription (SOAP 1.1): State Service for Mobilization and Conscription."""

from adapters.conscription.adapter import ConscriptionAdapter

__all__ = ["ConscriptionAdapter"]
