"""Enums of the contract shared by several schema modules. GraphQL shows each by its name."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Where a month's income comes from")
class IncomeSource(Enum):
    WAGE = "wage"
    ENTREPRENEUR = "entrepreneur"
    RENT = "rent"
    PENSION = "pension"
    BENEFIT = "benefit"
    UNEMPLOYMENT_INSURANCE = "unemployment_insurance"
    SCHOLARSHIP = "scholarship"
    ALIMONY = "alimony"
    LIBERATED_TERRITORIES_BENEFIT = "liberated_territories_benefit"
    TSA = "tsa"
    CREDIT = strawberry.enum_value(
        "credit", description="Held by no agency the gateway reads; not income since 2020-11-01"
    )
    IMPUTED_FARM = strawberry.enum_value(
        "imputed_farm",
        description="Computed by the means test from agricultural land and livestock",
    )


@strawberry.enum(description="Language of a message")
class Lang(Enum):
    AZ = "az"
    EN = "en"
    RU = "ru"


@strawberry.enum(description="The outcome of a decision")
class Outcome(Enum):
    GRANTED = "GRANTED"
    REFUSED = "REFUSED"


@strawberry.enum(description="A refusal ground or qualifying reason of means-test.md")
class ReasonCode(Enum):
    INCOME_AT_OR_ABOVE_THRESHOLD = "INCOME_AT_OR_ABOVE_THRESHOLD"
    VEHICLE_OWNED_OR_USED = "VEHICLE_OWNED_OR_USED"
    MULTIPLE_PROPERTIES_SAME_PURPOSE = "MULTIPLE_PROPERTIES_SAME_PURPOSE"
    PURCHASES_ABOVE_LIMIT = "PURCHASES_ABOVE_LIMIT"
    UTILITY_COSTS_ABOVE_LIMIT = "UTILITY_COSTS_ABOVE_LIMIT"
    JOB_OFFERS_REFUSED = "JOB_OFFERS_REFUSED"
    DECLARATION_MISMATCH = "DECLARATION_MISMATCH"
    NO_QUALIFYING_REASON = "NO_QUALIFYING_REASON"
    FALSE_INFORMATION_BAN = "FALSE_INFORMATION_BAN"
    ACTIVE_ASSIGNMENT_EXISTS = "ACTIVE_ASSIGNMENT_EXISTS"
    MEMBER_DISABLED = "MEMBER_DISABLED"
    CARER = "CARER"
    STUDENT = "STUDENT"
    UNEMPLOYMENT_INSURANCE = "UNEMPLOYMENT_INSURANCE"
    MEMBER_DIED = "MEMBER_DIED"
    MEMBER_MISSING = "MEMBER_MISSING"
    MEMBER_IMPRISONED = "MEMBER_IMPRISONED"
    NO_ABLE_BODIED_MEMBER = "NO_ABLE_BODIED_MEMBER"


@strawberry.enum(description="Whether a reason refuses assistance or qualifies the family for it")
class ReasonKind(Enum):
    REFUSAL = "REFUSAL"
    QUALIFYING = "QUALIFYING"


@strawberry.enum(description="Why a member adds no need and no income (Law art. 9)")
class NotCountedReason(Enum):
    DIED = "DIED"
    NOT_YET_BORN = "NOT_YET_BORN"
    CONSCRIPT = "CONSCRIPT"
    STATE_CARE = "STATE_CARE"
    IMPRISONED = "IMPRISONED"
    WANTED = "WANTED"
    LIVES_ABROAD = "LIVES_ABROAD"
    FOREIGNER_OR_STATELESS = "FOREIGNER_OR_STATELESS"
    GUARDIAN = "GUARDIAN"


@strawberry.enum(description="Whether a parameter value is confirmed by a public source")
class ParameterStatus(Enum):
    CONFIRMED = "CONFIRMED"
    ASSUMED = "ASSUMED"


@strawberry.enum(description="A supplement added to the monthly amount")
class SupplementKind(Enum):
    CHILD_UNDER_ONE = "CHILD_UNDER_ONE"
