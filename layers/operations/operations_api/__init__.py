"""The operations API: the record's models, the contract's rules, the store and the error format."""
