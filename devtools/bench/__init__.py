"""`make bench`: cold start, warm latency, the list, the change events, the metrics, the client and the
first run, each measured against its floor (what the contract cannot do without), one suite a module.

`python -m devtools.bench` runs the suites (suites.py), keeps their figures in docs/performance.json,
and renders docs/performance.md from that file alone (render.py, with the words of performance.md.j2).
Not a test: it gates nothing; machines are shared and noisy, so it reports ratios of interleaved
measurements. The figures measured once, before an optimisation, are data too: performance.json's "before".
"""
