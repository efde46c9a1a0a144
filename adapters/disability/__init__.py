"""disability (REST): the ministry's disability subsystem (TSERAS)."""

from adapters.disability.adapter import DisabilityAdapter

__all__ = ["DisabilityAdapter"]
