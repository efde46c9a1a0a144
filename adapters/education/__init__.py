"""education (REST): Ministry of Science and Education."""

from adapters.education.adapter import EducationAdapter

__all__ = ["EducationAdapter"]
