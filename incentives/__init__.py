"""The policy catalogue: documents, measures, incentive items, award rules, the task-division
annex, the fact vocabulary, the eligibility engine and stored matches."""
