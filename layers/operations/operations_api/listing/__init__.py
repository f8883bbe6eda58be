"""Listing operations: the query's parameters and page token, the index attributes, the sharded reads."""
