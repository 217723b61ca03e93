"""`RuleSetSpec` → `RuleSet`; `RuleSet` × document → typed records: stages, mentions, conflict policies, the rule index and canonical names."""
