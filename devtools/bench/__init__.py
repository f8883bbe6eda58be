"""`make bench`: cold start, warm latency, memory, size and cost, measured side by side against the floor.

The floor is what the contract cannot do without: a bare boto3 process (or handler) making the same single
DynamoDB call. Every figure is measured in one run, against the same local DynamoDB (dynalite where npm
has installed it, else moto's server), and written to docs/performance.md with a chart. Not a test: it
gates nothing; machines are shared and noisy, so it reports ratios of interleaved measurements.

`python -m devtools.bench` measures (`measure`, with the fresh processes of `probes/`) and writes
docs/performance.json; the report (`report`, `notes`, `summary`) is rendered from that file alone, so
`python -m devtools.bench --report-only` re-renders it. The figures measured before an optimisation, which
no run measures again, are data too: performance.json's "before".
"""
