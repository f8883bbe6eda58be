"""The operations API: the contract's rules, the record's validation, the store and the error format."""
