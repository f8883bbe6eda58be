"""Development tools: the local server, `make invoke`, the benchmark. Never shipped in a build artifact."""
