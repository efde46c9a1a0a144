"""agriculture (REST): Ministry of Agriculture farmer registry."""

from adapters.agriculture.adapter import AgricultureAdapter

__all__ = ["AgricultureAdapter"]
