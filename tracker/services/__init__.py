"""Business operations: load models, call the domain, persist, commit once."""
