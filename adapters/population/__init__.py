"""population (REST): Ministry of Internal Affairs population registry and family composition."""

from adapters.population.adapter import PopulationAdapter

__all__ = ["PopulationAdapter"]
