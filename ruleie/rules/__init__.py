"""Rule files → `RuleSetSpec`: reading YAML with positions, checking, resolving types, lexicons, variables and rules; the cache, lints and the JSON Schema."""
