"""A record: the contract's field rules, its models and schema, validation, its summary."""
