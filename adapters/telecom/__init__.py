"""telecom (REST): licensed communication operators."""

from adapters.telecom.adapter import TelecomAdapter

__all__ = ["TelecomAdapter"]
