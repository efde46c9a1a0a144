"""GraphQL selections that mirror `assessment.decision_to_json` field for field."""

ASSESSMENT_FRAGMENT = """
fragment Full on Assessment {
  complete
  missingData { input agency fin }
  decision {
    outcome monthlyAmount periodStart periodEnd
    reasons { code kind messages { az en ru } reference }
    calculation {
      applicationDate needCriterion countedMembers counted
      notCounted { fin reasons }
      threshold incomeWindowStart incomeWindowEnd totalIncome averageMonthlyIncome
      incomeBySource { source total monthlyAverage }
      excludedIncome { source total monthlyAverage }
      utilityMonthlyTotal utilityCostPerPerson utilityLimitPerPerson
      purchases purchasesLimit baseAmount
      supplements { kind fin amount }
    }
    parameters { name value unit inForceFrom status reference }
    evidence { agency operation fetchedAt digest }
    rulesVersion decidedAt
  }
}
"""
