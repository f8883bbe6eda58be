"""A function's cold start: import its handler, serve its first request, then REPEATS more (an API
function's request, or the stream consumer's batch).

Usage: first_request.py FUNCTION_DIR EVENT_FILE REPEATS [collector-on] [count-compiled] [boto3-cost]
                        [record-calls]
- collector-on: the garbage collector's pause made to do nothing (the optimisation's before);
- count-compiled: count the source text compiled at run time, by who made it (probes/counting.py);
- boto3-cost: time importing boto3's attribute converters after the handler's own imports;
- record-calls: report the DynamoDB calls the first request made, with their arguments (what the floor
  then makes, probes/floor.py).
"""

import copy
import io
import json
import os
import sys
import time
from typing import Any


class Context:
    """What the handler reads of Lambda's context object."""

    function_name = "bench"
    memory_limit_in_mb = 512
    aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"

    def get_remaining_time_in_millis(self) -> int:  # the stream loop's: its timeout, never running short
        return 300_000


def collections() -> int:
    import gc

    return sum(generation["collections"] for generation in gc.get_stats())


def peak_rss_kb() -> int:
    """VmHWM, not ru_maxrss: on Linux ru_maxrss keeps the forking parent's peak across exec."""
    with open("/proc/self/status", encoding="ascii") as status:
        return int(next(line for line in status if line.startswith("VmHWM")).split()[1])


def recorded_calls() -> list[dict[str, Any]]:
    """The DynamoDB calls the functions' botocore session makes from now on, as their operation and
    arguments (appended to the list returned; the list and counts functions call from threads)."""
    from botocore import xform_name

    from operations_api import clients

    calls: list[dict[str, Any]] = []

    def record(params: dict[str, object], model: object, **_: object) -> None:
        operation = xform_name(model.name)  # type: ignore[attr-defined]
        calls.append({"operation": operation, "arguments": copy.deepcopy(params)})

    clients.botocore_session().register("before-parameter-build.dynamodb", record)
    return calls


def main() -> None:
    started = time.perf_counter()
    real_stdout, sys.stdout = sys.stdout, io.StringIO()  # the handler's logs are not what we measure
    function_dir, event_file, repeats, *options = sys.argv[1:]
    made = __import__("counting").install() if "count-compiled" in options else None
    calls = recorded_calls() if "record-calls" in options else None
    sys.path.insert(0, function_dir)
    import gc

    if "collector-on" in options:
        gc.disable = lambda: None
    before_import = collections()
    app = __import__("app")
    collections_while_importing = collections() - before_import
    importing_boto3 = time.perf_counter()
    if "boto3-cost" in options:
        import boto3.dynamodb.types  # noqa: F401
    boto3_ms = (time.perf_counter() - importing_boto3) * 1000
    with open(event_file, encoding="utf-8") as event:
        request = json.load(event)
    result = app.lambda_handler(request, Context())
    first = time.perf_counter() - started
    first_calls = list(calls) if calls is not None else None
    for _ in range(int(repeats)):
        app.lambda_handler(request, Context())
    facts = {
        "status": result.get("statusCode"),
        "failures": len(result.get("batchItemFailures", ())),
        "first_ms": first * 1000,
        "modules": len(sys.modules),
        "collections_while_importing": collections_while_importing,
        "powertools": sorted(name for name in sys.modules if name.startswith("aws_lambda_powertools")),
        "max_rss_kb": peak_rss_kb(),
        "boto3_ms": boto3_ms,
    }
    if made is not None:
        facts["made"] = made
    if first_calls is not None:
        facts["calls"] = first_calls
    real_stdout.write(json.dumps(facts))
    real_stdout.flush()
    os._exit(0)  # a Lambda process never shuts its interpreter down on a request: neither does this one


if __name__ == "__main__":
    main()
