"""social_insurance (REST): State Social Protection Fund and the employment-contract register."""

from adapters.social_insurance.adapter import SocialInsuranceAdapter

__all__ = ["SocialInsuranceAdapter"]
