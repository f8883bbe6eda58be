"""docs/performance.md's notes: each optimisation and what it measured, where the cold starts stand, and the
memory and architecture chosen. Figures measured before an optimisation come from performance.json's
"before", which no run measures again."""

from __future__ import annotations

from typing import Any

from devtools.bench.figures import millions, ratio
from devtools.bench.plan import PAIRS


def optimisations(facts: dict[str, Any]) -> str:
    lines = ["", "## Optimisations, each measured", "", *_measured_in_this_run(facts)]
    lines += _measured_while_making(facts) + MEASURING + NOT_TAKEN
    lines += _powertools_modules(facts.get("powertools_modules"))
    lines += _what_is_left(facts)
    lines += _source_compilation(facts)
    return "\n".join(lines) + "\n"


def _measured_in_this_run(facts: dict[str, Any]) -> list[str]:
    cold = {(row["environment"], row["method"]): row for row in facts["cold"]}
    with_pyc = [row for key, row in cold.items() if "with bytecode" in key[0]]
    without = [row for key, row in cold.items() if "no bytecode" in key[0]]
    lines = [
        "- Bytecode shipped in the layer (compileall, unchecked-hash, by the runtime's Python), "
        f"{after['method']}: cold start {before['handler_ms']:.0f} ms → {after['handler_ms']:.0f} ms "
        f"({before['ratio']:.2f}x → {after['ratio']:.2f}x the floor)."
        for after, before in zip(with_pyc, without, strict=True)
    ]
    floors = {key[1]: row.get("floor_instructions") for key, row in cold.items() if "with bytecode" in key[0]}
    for row in facts.get("collector_pause", []):
        before, after = row["collecting_instructions"], row["paused_instructions"]
        floor = floors.get(row["method"])
        counted = (
            f"{millions(before)} → {millions(after)} instructions ({before / floor:.2f}x → "
            f"{after / floor:.2f}x the floor), "
            if before and after and floor
            else ""
        )
        lines.append(
            "- No cyclic garbage collection while a handler imports (functions/*/app.py imports under "
            "`coldstart.collector_paused()`, which then freezes what the imports made and resumes it), "
            f"{row['method']}: {counted}wall time {ratio(row)} of the same handler collecting as usual "
            f"({PAIRS} interleaved pairs)."
        )
    return [
        *lines,
        "- The store talks to botocore, not boto3, and converts attributes itself: importing "
        f"`boto3.dynamodb.types` after the handler's own imports would add {facts['boto3_ms']:.0f} ms "
        "(measured in this run).",
    ]


def _measured_while_making(facts: dict[str, Any]) -> list[str]:
    before = facts["before"]
    get, put = before["get_without_pydantic"], before["put_with_pydantic_core"]
    freeze, layer = before["gc_freeze_after_first_request"], before["layer_with_pydantic"]
    return [
        "- Swagger UI is never enabled in the deployed handlers (it would lengthen every cold start); "
        "`openapi.json` is",
        "  generated offline. The store's client is made once, lazily; the PUT's validator is built at "
        "import.",
        "- The GET checks its path id with `operations_api.rules`, runs without Powertools' validation and "
        "never",
        "  imports pydantic. Measured while making the change, on the built artifact with bytecode and with",
        f"  interpreter shutdown still in the measure: {_change(get)}; wall time",
        f"  {get['wall_ratio']:.2f}x → {get['after_wall_ratio']:.2f}x the floor in 15 interleaved pairs. "
        "Instruction counts do not vary",
        "  between runs (this run and the one before gave the same counts to 0.1 %), so they compare across "
        "runs.",
        "- The PUT validates its body with pydantic-core alone, running the schema pydantic builds from the",
        "  models, generated into `record_schema.py` (`make record-schema`; a test keeps it in step, and "
        "every",
        "  field rule is tested on both): no pydantic and no Powertools validation at cold start. Measured "
        "while",
        f"  making the change, on the built artifact with bytecode: {_change(put)},",
        f"  {put['modules']} → {put['after_modules']} modules; wall time {put['wall_ratio']:.2f}x → "
        f"{put['after_wall_ratio']:.2f}x the floor in 15 interleaved rounds. Not measured by the cold start",
        "  above: the layer no longer ships pydantic, which Lambda would download and unpack at every cold",
        f"  start: {layer['unzipped_mb']} → {facts['layer']['unzipped_mb']:.1f} MB unzipped, "
        f"{layer['zipped_mb']} → {facts['layer']['zipped_mb']:.1f} MB zipped.",
        "- `gc.freeze()` once a handler's imports are done, for what they made, and after its first request",
        "  (`coldstart.freeze_after_first_request`), for the DynamoDB client: they leave the",
        "  garbage collector's rescans. Measured while making the change (then one freeze, after the first",
        "  request), 300 warm PUTs of 400 clusters in one process, twice each way: a full collection took "
        f"{_span(freeze['full_collection_ms'])} ms",
        f"  before, {_span(freeze['after_full_collection_ms'])} ms after; p99 {_span(freeze['p99_ms'])} ms "
        f"before, {_span(freeze['after_p99_ms'])} ms after.",
        "- A test (tests/perf) serves each handler's first request and keeps boto3, s3transfer, Swagger, the "
        "X-Ray",
        "  SDK, pydantic, the models, Powertools' validation and the dev tools out of its imports, and "
        "pydantic-core",
        "  out of the GET's.",
        "",
    ]


def _change(figures: dict[str, Any]) -> str:
    """An instruction count before and after a change, and each against the floor's then."""
    before, after, floor = (
        figures["instructions"],
        figures["after_instructions"],
        figures["floor_instructions"],
    )
    return (
        f"{millions(before)} → {millions(after)} instructions ({before / floor:.2f}x → {after / floor:.2f}x "
        f"the floor's {millions(floor)})"
    )


def _span(low_high: list[float]) -> str:
    return f"{low_high[0]:g}-{low_high[1]:g}"


MEASURING = [
    "- Measuring, not optimising: each cold-start process now exits right after its first answer, as a",
    "  Lambda process never shuts its interpreter down on a request. Shutdown had been ~100 M instructions",
    "  on each side, and once the handler froze its heap its shutdown skipped it, which would have flattered",
    "  the handler. The warm loop kept every request it captured, 300 copies of a 64 KiB item for the",
    "  GC to rescan: PUT-400 p99 281 ms; keeping the last only, as a Lambda process would: 60 ms.",
    "",
]

NOT_TAKEN = [
    "Measured and not taken (instructions of the PUT's cold start as it was then, built artifact, shutdown",
    "included; the last three concern pydantic, which the PUT imported then and no function imports now):",
    "",
    "- Deferring Powertools' package `__init__`s (they import every resolver, AppSync's and asyncio with it)",
    "  by registering the packages in `sys.modules` unexecuted: 1,696 M → 1,575 M (-7 %, 1.46x → 1.36x), "
    "still",
    "  over 1.3x, and it rewires a library's imports: not taken. Upstream accepted the same idea as a PEP "
    "562",
    "  `__getattr__` for its parser package (aws-powertools/powertools-lambda-python#8405); the event "
    "handler",
    "  and data classes packages would need the same.",
    "- `defer_build=True` on the models: 1,696 M → 1,701 M, no gain (the PUT builds them on its first "
    "request).",
    "- `PYDANTIC_DISABLE_PLUGINS=__all__` (skips pydantic's scan for plugins): -7 M (0.4 %), lost in the "
    "noise",
    "  of wall time: not worth a setting.",
    "- The models without `from __future__ import annotations` (pydantic then has no string annotations of",
    "  ours to compile): importing the PUT's handler, without its first request and without shutdown, 1,173 "
    "M",
    "  → 1,169 M (0.3 %): not worth the quoted forward references it would take.",
    "",
]


def _powertools_modules(found: dict[str, Any] | None) -> list[str]:
    """Which of the Powertools modules a cold start loads the handler asked for."""
    if not found:
        return []
    lines = [
        "Powertools modules loaded by each handler's first request: most come with the event handler package",
        "itself, whose `__init__`s import Logger, Metrics, Tracer and every resolver (AppSync's with "
        "asyncio,",
        "Bedrock's, VPC Lattice's, ...), so no handler can import the HTTP API resolver without them; "
        "skipping",
        "them means rewriting the library's imports (measured and not taken, above). What the handler adds:",
        "",
    ]
    for method in ("PUT", "GET"):
        facts = found[method]
        mine = ", ".join(
            f"`{name.removeprefix('aws_lambda_powertools.')}`" for name in facts["beyond_the_package"]
        )
        lines.append(
            f"- {method}: {facts['loaded']} modules, {facts['with_the_package']} of them with the package; "
            f"the other {len(facts['beyond_the_package'])}: {mine}."
        )
    return [*lines, ""]


def _what_is_left(facts: dict[str, Any]) -> list[str]:
    """Each handler against the least its libraries cost (instructions: they do not drift)."""
    cold = {
        row["method"]: row
        for row in facts["cold"]
        if "with bytecode" in row["environment"] and "handler_instructions" in row
    }
    alone = {row["name"].split(" (")[0]: row for row in facts.get("libraries_alone", [])}
    libraries_of = {
        "GET": alone.get("Powertools' Logger and HTTP API resolver, without validation"),
        "PUT": alone.get("both"),
    }
    lines = ["Where each cold start stands, in instructions against the floor:", ""]
    for method, row in sorted(cold.items()):
        libraries = libraries_of[method]
        if libraries is None or not libraries["instructions_ratio"]:
            continue
        handler = row["handler_instructions"] / row["floor_instructions"]
        least = libraries["instructions_ratio"]
        line = (
            f"- {method}: {handler:.2f}x; its libraries alone {least:.2f}x, so this project's own code "
            f"(its modules, the routing and logging of the first request, its DynamoDB request) adds "
            f"{handler - least:.2f}x."
        )
        if least > 1.3:
            line += " The libraries alone are over the 1.3x target before any of it runs."
        lines.append(line)
    return [*lines, ""] if len(lines) > 2 else []


SOURCE_KINDS = ("forward references", "dataclasses", "namedtuples", "other")


def _source_compilation(facts: dict[str, Any]) -> list[str]:
    """How much of each cold start is spent compiling source text made at run time, and who made it."""
    rows = {row["process"]: row for row in facts.get("source_compilation", [])}
    put = next(
        (
            row
            for row in facts["cold"]
            if "with bytecode" in row["environment"]
            and row["method"] == "PUT"
            and "handler_instructions" in row
        ),
        None,
    )
    if (
        put is None
        or set(rows) != {"floor", "PUT", "GET"}
        or not all(r["instructions"] for r in rows.values())
    ):
        return []
    floor = put["floor_instructions"]
    excess = rows["PUT"]["instructions"] - rows["floor"]["instructions"]
    lines = [
        "Where much of the PUT's excess goes: compiling source text at run time. With bytecode",
        "shipped, CPython's parser and compiler (`_PyPegen_run_parser_from_string`, `_PyAST_Compile`, "
        "counted",
        "by callgrind) only run on text a process makes as it goes: forward references (Python 3.13's typing",
        "compiles each string annotation it wraps), and the methods that dataclasses and namedtuples "
        "generate.",
        f"The PUT spends {millions(rows['PUT']['instructions'])} instructions there, the GET "
        f"{millions(rows['GET']['instructions'])}, the floor {millions(rows['floor']['instructions'])}: "
        "the PUT's",
        f"excess, {millions(excess)}, is {excess / floor:.2f}x the floor's cold start; without it the PUT "
        "would "
        f"stand at {(put['handler_instructions'] - excess) / floor:.2f}x. Who made the text compiled "
        "(counted by "
        "wrapping `compile`, `exec` and `eval`):",
        "",
        "| source text made at run time | PUT | GET | floor | most of the PUT's, by the module it was made "
        "for |",
        "|---|---|---|---|---|",
    ]
    for kind in SOURCE_KINDS:
        counts = {name: rows[name]["made"].get(kind, {}) for name in ("PUT", "GET", "floor")}
        most = sorted(counts["PUT"].items(), key=lambda item: -item[1])[:4]
        totals = " | ".join(str(sum(counts[name].values())) for name in ("PUT", "GET", "floor"))
        modules = ", ".join(f"`{module}` {count}" for module, count in most)
        lines.append(f"| {kind} | {totals} | {modules} |")
    own = sum(
        count
        for made in rows["PUT"]["made"].values()
        for module, count in made.items()
        if module == "app" or module.startswith("operations_api")
    )
    core = rows["PUT"]["made"].get("forward references", {}).get("pydantic_core.core_schema", 0)
    return [
        *lines,
        "",
        f"This project's own modules make {own} of them directly (their dataclasses). The largest share,",
        f"{core} forward references, is `pydantic_core.core_schema` declaring its typed dicts' fields as "
        "string",
        "annotations (`from __future__ import annotations`), which typing compiles one by one as "
        "pydantic-core is",
        "imported (the pydantic-core row above): the validator's own import, whatever schema it then runs.",
        "Python 3.14 evaluates annotations lazily (PEP 649, PEP 749), and its typing no longer compiles a",
        "forward reference as it is made; not measured here: this machine has no Python 3.14.",
        "",
    ]


def choices(facts: dict[str, Any]) -> str:
    peak = max(row["max_rss_mb"] for row in facts["memory"])
    built = [row for row in facts["cold"] if "with bytecode" in row["environment"]]
    cold = max(row["handler_ms"] for row in built or facts["cold"])
    return f"""## Memory size and architecture

- **1024 MB.** Peak RSS is {peak:.0f} MB, so 128 MB would fit, but Lambda gives CPU in proportion to memory
  (1,769 MB = one vCPU): at 128 MB a function gets ~7 % of a vCPU, so the ~{cold:.0f} ms a cold start
  takes here (wall time, nearly all of it CPU), and the tens of ms a 400-cluster PUT needs warm, would
  stretch ~14-fold. At 1024 MB (~58 % of a vCPU) a warm request of this service costs ~0.005-0.05 GB-s,
  about $0.0000001-0.0000007 at arm64 prices: less than API Gateway's own $0.000001 per request. More
  memory buys latency cheaply here.
- **arm64** (Graviton): 20 % cheaper per GB-s than x86_64 for the same memory, and every dependency has
  an aarch64 wheel (pydantic-core). This machine is x86_64, so the arm64 artifact is built (and its wheels
  checked) but measured as x86_64; `Architecture=x86_64` deploys the measured build.
"""
