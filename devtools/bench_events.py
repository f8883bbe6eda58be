"""`make bench`, the change events: the stream consumer's cold start against a bare PutEvents process, and
its throughput on a batch of 100 stream records against the same PutEvents calls made bare.

Measured as the API functions are (devtools/bench/cold.py): a fresh process imports the handler and handles
one batch (one record, one PutEvents call), against a fresh process that only imports boto3 and makes that
same call; interleaved pairs, ratios of medians, one run. EventBridge is moto's server on loopback. Figures
go to docs/performance.md, section "events". Not a test: it gates nothing.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from devtools.bench.fresh import counted_instructions
from devtools.bench_sections import replace_section
from devtools.local_events import creations
from devtools.precompile import find_python
from devtools.runtime_packages import runtime_packages
from devtools.template import ROOT, load_template

BUS: Final = "bench-events"
PAIRS: Final = 11
BATCH_RECORDS: Final = 100
WARM_BATCHES: Final = 15
CONSUMER: Final = "PublishEventsFunction"
RUNTIME: Final = load_template().runtime.removeprefix("python")

HANDLER_SCRIPT: Final = """
import io, json, os, sys, time
started = time.perf_counter()
real_stdout, sys.stdout = sys.stdout, io.StringIO()   # the handler's logs are not what we measure
sys.path.insert(0, sys.argv[1])
import app
class Context:
    function_name = "bench"; memory_limit_in_mb = 1024; aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
result = app.lambda_handler(json.load(open(sys.argv[2])), Context())
first = time.perf_counter() - started
real_stdout.write(json.dumps({"failures": len(result["batchItemFailures"]), "first_ms": first * 1000,
    "modules": len(sys.modules)}))
real_stdout.flush()
os._exit(0)
"""

FLOOR_SCRIPT: Final = """
import json, os, sys, time
started = time.perf_counter()
import boto3
answer = boto3.client("events").put_events(Entries=json.load(open(sys.argv[1])))
first = time.perf_counter() - started
sys.stdout.write(json.dumps({"failures": answer["FailedEntryCount"], "first_ms": first * 1000,
    "modules": len(sys.modules)}))
sys.stdout.flush()
os._exit(0)
"""


@dataclass(frozen=True)
class Environment:
    name: str
    python: str
    path: list[Path]  # the layer (or its source) and boto3/botocore, where Lambda would have them
    function_dir: Path


def entries_of(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The PutEvents entries the consumer makes of these records (the floor sends the same)."""
    from operations_api import change_events, publisher

    return [publisher.entry(event) for record in records if (event := change_events.change_event(record))]


def service_environment(endpoint: str) -> dict[str, str]:
    """What the consumer (and the floor) are configured with: the local EventBridge and the bench's bus."""
    return {
        "TABLE_NAME": "bench-operations",
        "EVENT_BUS_NAME": BUS,
        "EVENTS_ENDPOINT_URL": endpoint,
        "AWS_ENDPOINT_URL_EVENTBRIDGE": endpoint,  # the boto3 floor's (EventBridge is the service id)
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "POWERTOOLS_SERVICE_NAME": "operations-api",
    }


def fresh_environment(environment: Environment, endpoint: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": os.pathsep.join(str(entry) for entry in environment.path),
        "PYTHONDONTWRITEBYTECODE": "1",
        **service_environment(endpoint),
    }


def run_fresh(environment: Environment, args: list[str], endpoint: str) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    answer = subprocess.run(
        [environment.python, "-s", *args],
        env=fresh_environment(environment, endpoint),
        capture_output=True,
        text=True,
        check=False,
    )
    wall_ms = (time.perf_counter() - started) * 1000
    if answer.returncode != 0:
        raise RuntimeError(f"{environment.python} {args[:2]} failed: {answer.stderr[-2000:]}")
    facts: dict[str, Any] = json.loads(answer.stdout)
    if facts["failures"]:
        raise RuntimeError(f"{args[:2]}: {facts['failures']} events not published")
    return wall_ms, facts


def instructions(environment: Environment, args: list[str], endpoint: str) -> int | None:
    """The instructions a fresh process executes (valgrind, when installed), counted as the API bench does."""
    return counted_instructions(environment.python, args, fresh_environment(environment, endpoint))


def cold_start(environment: Environment, endpoint: str, files: Path) -> dict[str, Any]:
    """Interleaved pairs of fresh processes: the consumer's first batch (one record), the floor's one call."""
    records = creations(1)
    (files / "batch.json").write_text(json.dumps({"Records": records}))
    (files / "entries.json").write_text(json.dumps(entries_of(records)))
    handler_args = ["-c", HANDLER_SCRIPT, str(environment.function_dir), str(files / "batch.json")]
    floor_args = ["-c", FLOOR_SCRIPT, str(files / "entries.json")]
    handlers, floors, ratios = [], [], []
    facts: dict[str, Any] = {}
    for _ in range(PAIRS):
        handler_ms, facts = run_fresh(environment, handler_args, endpoint)
        floor_ms, _ = run_fresh(environment, floor_args, endpoint)
        handlers.append(handler_ms)
        floors.append(floor_ms)
        ratios.append(handler_ms / floor_ms)
    return {
        "environment": environment.name,
        "handler_ms": statistics.median(handlers),
        "floor_ms": statistics.median(floors),
        "ratio": statistics.median(ratios),
        "ratio_quartiles": statistics.quantiles(ratios, n=4)[::2],
        "modules": facts["modules"],
        "handler_instructions": instructions(environment, handler_args, endpoint),
        "floor_instructions": instructions(environment, floor_args, endpoint),
    }


def throughput(endpoint: str) -> dict[str, Any]:
    """A batch of 100 records through the consumer in this process, warm, against the same PutEvents calls
    made directly with the same client; and how many calls a batch takes."""
    from operations_api import publisher

    os.environ.update(service_environment(endpoint))
    _forget_cached_clients()
    consumer = _load_consumer(load_template().functions[CONSUMER].code_dir)
    records = creations(BATCH_RECORDS)
    sent: list[str] = []
    publisher.events_client().meta.events.register(
        "before-send.events.PutEvents", lambda **_: sent.append("PutEvents")
    )

    def consume() -> Any:
        with redirect_stdout(io.StringIO()):  # its log line is written, as on Lambda, but not shown
            return consumer.lambda_handler({"Records": records}, _Context())

    entries = entries_of(records)
    groups = list(publisher.calls(entries))
    client = publisher.events_client()

    def floor() -> None:
        for group in groups:
            client.put_events(Entries=[entries[index] for index in group])

    consume()  # warm: the first batch's imports and connections are not what this measures
    batches, floors, ratios, calls_per_batch = [], [], [], []
    for _ in range(WARM_BATCHES):  # interleaved, as the cold starts are
        sent.clear()
        (batch,) = _timed(consume, 1)
        calls_per_batch.append(len(sent))
        (bare,) = _timed(floor, 1)
        batches.append(batch)
        floors.append(bare)
        ratios.append(batch / bare)
    batch_seconds, floor_seconds = statistics.median(batches), statistics.median(floors)
    return {
        "ratio": statistics.median(ratios),
        "records": BATCH_RECORDS,
        "batch_ms": batch_seconds * 1000,
        "floor_ms": floor_seconds * 1000,
        "events_per_second": BATCH_RECORDS / batch_seconds,
        "floor_events_per_second": BATCH_RECORDS / floor_seconds,
        "put_events_calls": max(calls_per_batch),
    }


class _Context:
    function_name = "bench"
    memory_limit_in_mb = 1024
    aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"


def _load_consumer(code_dir: Path) -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_publish_events_app", code_dir / "app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _timed(call: Callable[[], Any], iterations: int) -> list[float]:
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def _forget_cached_clients() -> None:
    from operations_api import publisher, settings

    settings.get_settings.cache_clear()
    publisher.events_client.cache_clear()


@contextmanager
def local_eventbridge() -> Iterator[str]:
    """moto's server on loopback, with the bus; this process configured for it (service_environment)."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's access log is noise here
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        import boto3

        os.environ.update(service_environment(endpoint))
        boto3.client("events", endpoint_url=endpoint).create_event_bus(Name=BUS)
        yield endpoint
    finally:
        server.stop()


def environments() -> list[Environment]:
    """The source (.venv), and the built artifact under the runtime's Python if `make build` made one."""
    import boto3

    boto3_dir = Path(boto3.__file__).parent.parent
    found = [
        Environment(
            "development (.venv, source)",
            sys.executable,
            [ROOT / "layers" / "operations", boto3_dir],
            load_template().functions[CONSUMER].code_dir,
        )
    ]
    build = Path(os.environ.get("BUILD_DIR") or ROOT / ".aws-sam" / "build")
    python = find_python(RUNTIME)
    if python and (build / CONSUMER).is_dir():
        layer, runtime = build / "OperationsLayer" / "python", runtime_packages(RUNTIME)
        # as on Lambda, the runtime's boto3 has its bytecode (the build's layer has its own, make build)
        compiling = [python, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash", str(runtime)]
        subprocess.run(compiling, check=True)
        found.append(
            Environment(f"built artifact, Python {RUNTIME}", python, [layer, runtime], build / CONSUMER)
        )
    return found


def report(cold: list[dict[str, Any]], warm: dict[str, Any]) -> str:
    lines = [
        "## Change events",
        "",
        f"Measured by `python -m devtools.bench_events` ({time.strftime('%Y-%m-%d')}); EventBridge is moto's",
        "server on loopback. Cold start: a fresh process imports the stream consumer and handles one",
        "batch (one record, one PutEvents call); the floor is a fresh process that imports boto3 and makes",
        "that same call.",
        f"{PAIRS} interleaved pairs; the ratio is the median of the pairs' ratios.",
        "",
        "Instructions counted once by valgrind (callgrind), steadier than wall time on a shared machine.",
        "",
        "| environment | consumer (ms) | floor (ms) | ratio (quartiles) "
        "| instructions: consumer / floor (ratio) | modules loaded |",
        "|---|---|---|---|---|---|",
    ]
    for row in cold:
        low, high = row["ratio_quartiles"]
        lines.append(
            f"| {row['environment']} | {row['handler_ms']:.0f} | {row['floor_ms']:.0f} | "
            f"{row['ratio']:.2f} ({low:.2f} to {high:.2f}) | {_instructions(row)} | {row['modules']} |"
        )
    lines += [
        "",
        f"Throughput, warm, in one process: a batch of {warm['records']} stream records (creations) through",
        f"the consumer, against the same PutEvents calls made directly; {WARM_BATCHES} interleaved pairs,",
        "medians; the most PutEvents calls a batch took.",
        "",
        "| batch (ms) | floor (ms) | ratio | events/s | floor events/s | PutEvents calls per batch |",
        "|---|---|---|---|---|---|",
        f"| {warm['batch_ms']:.1f} | {warm['floor_ms']:.1f} | {warm['ratio']:.2f} | "
        f"{warm['events_per_second']:,.0f} | {warm['floor_events_per_second']:,.0f} | "
        f"{warm['put_events_calls']:.0f} |",
    ]
    return "\n".join(lines)


def _instructions(row: dict[str, Any]) -> str:
    handler, floor = row.get("handler_instructions"), row.get("floor_instructions")
    if not (handler and floor):
        return "(no valgrind)"
    return f"{handler / 1e6:,.0f} M / {floor / 1e6:,.0f} M ({handler / floor:.2f})"


def main() -> int:
    sys.path[:0] = [str(ROOT / "layers" / "operations"), str(ROOT)]
    with local_eventbridge() as endpoint, tempfile.TemporaryDirectory(prefix="bench-events-") as work:
        cold = [cold_start(environment, endpoint, Path(work)) for environment in environments()]
        warm = throughput(endpoint)
    markdown = report(cold, warm)
    replace_section("events", markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
