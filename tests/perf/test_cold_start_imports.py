"""The cold-start import set may not grow, and what every request reuses is frozen out of the GC's way.

A list of modules, not a timing: timings are noisy on shared machines (make bench measures them).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.perf.probe import run_probe

NEVER_AT_COLD_START = [
    "boto3",  # the store talks to botocore directly: boto3 and s3transfer cost ~100 ms of cold start
    "s3transfer",
    "boto3.dynamodb.types",
    "aws_lambda_powertools.event_handler.openapi.swagger_ui",  # Swagger: ~300 ms, generated offline instead
    "aws_xray_sdk",  # no tracer: Powertools' own tracing module is a few stubs without it
    # nor Powertools' Tracer and Metrics classes, which its top package's `__init__` imports
    # (coldstart.lean_imports): the metrics are written by the EMF provider alone
    "aws_lambda_powertools.tracing",
    "aws_lambda_powertools.metrics.metrics",
    # the metrics are EMF lines on stdout (operations_api/metrics.py): no other provider, no client
    "aws_lambda_powertools.metrics.provider.datadog",
    # the PUT validates with the schema compiled into plain Python (`record.compiled`): pydantic,
    # pydantic-core, the models, the schema and Powertools' validation (which imports pydantic) cost much
    # of a cold start
    "pydantic",
    "pydantic_core",
    "operations_api.record.models",
    "operations_api.record.schema",
    "operations_api.record.schema_checks",
    "aws_lambda_powertools.event_handler.openapi.params",
    "aws_lambda_powertools.event_handler.middlewares.openapi_validation",
    # Powertools' event handler and event classes without their packages' `__init__`s, which import every
    # resolver and every event (coldstart.lean_imports): the HTTP API resolver needs none of these
    "asyncio",
    "aws_lambda_powertools.event_handler.appsync",
    "aws_lambda_powertools.event_handler.events_appsync",
    "aws_lambda_powertools.event_handler.graphql_appsync",
    "aws_lambda_powertools.event_handler.bedrock_agent",
    "aws_lambda_powertools.event_handler.bedrock_agent_function",
    "aws_lambda_powertools.event_handler.vpc_lattice",
    "aws_lambda_powertools.event_handler.http_resolver",
    "aws_lambda_powertools.utilities.data_classes.sqs_event",
    "aws_lambda_powertools.utilities.data_classes.kafka_event",
    "aws_lambda_powertools.utilities.data_classes.s3_event",
    "aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event",
    "email.mime",
    "yaml",
    "moto",
    "devtools",
]

# A GET checks its one input with `operations_api.record.rules`: it needs no validator at all.
NEVER_AT_GET_COLD_START = [
    "operations_api.record.validation",
    "operations_api.record.compiled",
    "operations_api.record.validators",
]

# After the import (tests/perf/probe.py): two requests, a cycle of garbage between them, then enough
# allocation to set the collector off by itself.
TWO_REQUESTS = """
answer = app.lambda_handler(json.load(open(sys.argv[1])), Context())
facts["frozen_by_first_request"] = gc.get_freeze_count()
class Garbage: pass
cycle = Garbage(); cycle.itself = cycle; garbage = weakref.ref(cycle); del cycle
app.lambda_handler(json.load(open(sys.argv[1])), Context())
facts["frozen_by_second_request"] = gc.get_freeze_count()
allocations = [[] for _ in range(100_000)]   # enough to set off the collector by itself, no gc.collect()
facts["later_garbage_collected"] = garbage() is None
real.write(json.dumps({"status": answer["statusCode"], "modules": sorted(sys.modules), **facts}))
"""


@pytest.mark.parametrize(
    ("function", "never"),
    [
        ("put_operation", NEVER_AT_COLD_START),
        ("get_operation", NEVER_AT_COLD_START + NEVER_AT_GET_COLD_START),
        ("list_operations", NEVER_AT_COLD_START + NEVER_AT_GET_COLD_START),
        # a history page needs no patch: jsonpatch is imported only to rebuild a version between checkpoints
        ("get_history", [*NEVER_AT_COLD_START, *NEVER_AT_GET_COLD_START, "jsonpatch", "jsonpointer"]),
        ("count_operations", NEVER_AT_COLD_START + NEVER_AT_GET_COLD_START),
    ],
)
def test_importing_a_handler_imports_nothing_a_request_does_not_need(function: str, never: list[str]) -> None:
    imported = set(cold_start(function)["modules"])
    assert sorted(imported.intersection(never)) == []


def cold_start(function: str) -> dict[str, Any]:
    """The whole of a cold start of an API function and one more request: the store is a closed port, so
    each request ends in a 503."""
    probe = run_probe(function, function, TWO_REQUESTS)
    assert probe["status"] == 503, "the request must reach the store and find it closed"
    return probe


@pytest.mark.parametrize(
    "function", ["put_operation", "get_operation", "list_operations", "get_history", "count_operations"]
)
def test_the_garbage_collector_skips_the_cold_start_and_what_every_request_reuses(function: str) -> None:
    """No collection while the handler imports (about 3 % of a cold start's instructions); what the imports
    and the first request made is frozen out of the collector's rescans (a full collection on a
    400-cluster PUT drops from ~95 ms to ~5 ms); later garbage is collected as usual (docs/performance.md)."""
    probe = cold_start(function)
    # without the pause, importing a handler sets off over a hundred collections; with it, only the one or
    # two that compiling app.py from source (no bytecode here) may set off before its first line runs
    assert probe["collections_while_importing"] < 5, "the handler pauses the collector while it imports"
    assert probe["collecting_after_import"], "a process that imports a handler keeps collecting"
    assert probe["frozen_by_import"] > 30_000, "the libraries are frozen once imported"
    assert probe["frozen_by_first_request"] > probe["frozen_by_import"], "then the client, after its request"
    # frozen objects can still be freed; none are added after the first request
    assert probe["frozen_by_second_request"] <= probe["frozen_by_first_request"], "only after the first"
    assert probe["later_garbage_collected"], "what a later request leaves is collected, unprompted"
