"""The programs `make bench` starts as fresh processes, one cold start each.

Each is run by path (`python -s devtools/bench/probes/<probe>.py …`), never imported: a cold start must
load nothing but what the function (or the floor) loads, so they import only the standard library, and
`counting` only when asked. They print what they measured as one JSON object on stdout.
"""
