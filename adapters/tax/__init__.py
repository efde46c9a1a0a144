"""tax (REST): State Tax Service — taxpayer registrations and monthly income by source."""

from adapters.tax.adapter import TaxAdapter

__all__ = ["TaxAdapter"]
