"""utilities (REST): Azərişıq (electricity), Azəriqaz (gas), Azərsu (water) under one base."""

from adapters.utilities.adapter import UtilitiesAdapter

__all__ = ["UtilitiesAdapter"]
