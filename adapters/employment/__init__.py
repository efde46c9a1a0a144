"""employment (REST): State Employment Agency."""

from adapters.employment.adapter import EmploymentAdapter

__all__ = ["EmploymentAdapter"]
