"""Operators' tools, run from the repository against a deployed stack (docs/operate.md). Never shipped in a
build artifact."""
