"""docs/performance.md's summary: one table of what matters against its target, and what it means."""

from __future__ import annotations

from typing import Any

from devtools.bench.figures import (
    LINEAR_GROWTH_LIMIT,
    built_rows,
    capacity_matches_rule,
    met,
    own_work_per_kib,
    per_kib,
    quadratic_growth,
    units,
)
from devtools.bench.plan import CLUSTER_COUNTS, PAIRS, RUNTIME


def summarisable(facts: dict[str, Any]) -> bool:
    """Whether the run measured all the summary needs: the built artifact under the runtime's Python, with
    valgrind (a run without them has no summary)."""
    built = built_rows(facts)
    compiled = facts.get("source_compilation", [])
    return (
        len(built) == 2
        and all("handler_instructions" in row for row in built.values())
        and all(row["instructions_ratio"] for row in facts.get("libraries_alone", []))
        and len(compiled) == 3
        and all(row["instructions"] for row in compiled)
    )


def summary(facts: dict[str, Any]) -> str:
    """The summary of `facts`, or nothing when the run could not measure what it needs."""
    if not summarisable(facts):
        return ""
    table = ["| | measured | target |", "|---|---|---|", *(f"| {' | '.join(row)} |" for row in _rows(facts))]
    return "\n".join(["## Summary", "", *_opening(facts), "", *table, "", *_meaning(facts), ""])


def _instructions(row: dict[str, Any]) -> float:
    return float(row["handler_instructions"] / row["floor_instructions"])


def _alone(facts: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["name"].split(" (")[0].split(",")[0]: row for row in facts["libraries_alone"]}


def _opening(facts: dict[str, Any]) -> list[str]:
    cpu = facts["machine"].split(",")[0]
    backend = facts["backend"].split()[0]
    return [
        f"This run ({cpu}, 2 shared cores, {backend} on loopback; wall-time ratios with their quartiles over",
        f"{PAIRS} interleaved pairs, and instruction ratios, which do not drift with the machine's load). "
        "The",
        "floor is a plain boto3 process: it collects garbage as Python does by default.",
    ]


def _rows(facts: dict[str, Any]) -> list[tuple[str, str, str]]:
    built, bare, alone = built_rows(facts), built_rows(facts, "no bytecode"), _alone(facts)
    by = {(row["method"], row["clusters"]): row for row in facts["warm"]}
    get, put = built["GET"], built["PUT"]

    def cold(row: dict[str, Any]) -> str:
        low, high = row["ratio_quartiles"]
        return f"{row['ratio']:.2f}x wall ({low:.2f}-{high:.2f}), {_instructions(row):.2f}x instructions"

    def library(name: str) -> str:
        return f"{alone[name]['ratio']:.2f}x wall, {alone[name]['instructions_ratio']:.2f}x instructions"

    def p50(method: str, clusters: int) -> float:
        return float(by[(method, clusters)]["handler_p50"] / by[(method, clusters)]["floor_p50"])

    def growth(method: str) -> tuple[float, float]:
        sized = [by[(method, clusters)] for clusters in CLUSTER_COUNTS]
        steps = per_kib([row["item_bytes"] / 1024 for row in sized], [row["handler_p50"] for row in sized])
        own = own_work_per_kib(method, sized)
        return steps[-1] / steps[0], own[-1] / own[-2]

    def capacity(method: str) -> str:
        return " → ".join(
            units(row["capacity_units"]["reported"]) for row in facts["warm"] if row["method"] == method
        )

    kib = [by[("GET", clusters)]["item_bytes"] / 1024 for clusters in CLUSTER_COUNTS]
    memory = {row["function"]: row["max_rss_mb"] for row in facts["memory"]}
    put_400, warm = by[("PUT", 400)], facts["warm"]
    by_rule = capacity_matches_rule(warm)
    put_target = f"≤ 1.3x: {met(put['ratio'], 1.3)}"
    if put["ratio"] > 1.3:
        put_target += f" ({_instructions(put) - 1.3:.2f}x in instructions)"
    linear = max(*growth("GET"), *growth("PUT")) <= LINEAR_GROWTH_LIMIT
    return [
        (
            "cold start vs a bare boto3 process making the same call (built artifact, "
            f"Python {RUNTIME}, bytecode), GET",
            cold(get),
            f"≤ 1.3x: {met(get['ratio'], 1.3)} (aim 1.1x: {'met' if get['ratio'] <= 1.1 else 'missed'})",
        ),
        ("the same, PUT", cold(put), put_target),
        (
            "the same call made as the store makes it (botocore), no library",
            library("no library: the call alone"),
            "",
        ),
        ("that, after importing pydantic-core alone", library("pydantic-core alone"), ""),
        (
            "that, after importing the PUT's libraries (pydantic-core with the generated schema, Powertools "
            "without validation), no other code of ours",
            library("both"),
            "the least a PUT on this stack can cost",
        ),
        (
            "the same without shipped bytecode",
            f"GET {bare['GET']['ratio']:.2f}x, PUT {bare['PUT']['ratio']:.2f}x",
            "shows what precompiling buys",
        ),
        (
            "warm GET, p50, vs a floor sending the same DynamoDB request",
            " / ".join(f"{p50('GET', clusters):.2f}x" for clusters in CLUSTER_COUNTS)
            + f" ({', '.join(map(str, CLUSTER_COUNTS[:-1]))}, {CLUSTER_COUNTS[-1]} clusters)",
            f"≤ 1.5x: {met(max(p50('GET', clusters) for clusters in CLUSTER_COUNTS), 1.5)}",
        ),
        (
            "warm PUT of a 400-cluster record, p50 (p99)",
            f"{p50('PUT', 400):.2f}x ({put_400['handler_p99']:.0f} ms, the floor {put_400['floor_p99']:.0f} "
            "ms)",
            f"≤ 2x: {met(p50('PUT', 400), 2.0)}",
        ),
        (
            "time by record size: what a further KiB costs at the larger sizes against the smaller",
            f"GET {growth('GET')[0]:.2f}x, PUT {growth('PUT')[0]:.2f}x (a square would be "
            f"{quadratic_growth(kib):.1f}x); this project's own work per KiB {growth('GET')[1]:.2f}x, "
            f"{growth('PUT')[1]:.2f}x",
            "linear: " + ("**met**" if linear else "**missed**"),
        ),
        (
            f"capacity by record size, as {facts['backend'].split()[0]} reports it (ReturnConsumedCapacity)",
            f"{capacity('PUT')} WCU, {capacity('GET')} RCU"
            + (", as DynamoDB's documented rule gives it" if by_rule else ""),
            "linear: met" if by_rule else "linear: **missed**",
        ),
        (
            "DynamoDB requests per API call",
            f"{max(row['requests_per_call'] for row in warm):.0f}",
            "1: " + ("met" if all(row["requests_per_call"] == 1 for row in warm) else "**missed**"),
        ),
        (
            "peak RSS per function",
            f"PUT {memory['PutOperationFunction']:.1f} MB, GET {memory['GetOperationFunction']:.1f} MB",
            "fits 128 MB: " + ("met" if max(memory.values()) < 128 else "**missed**"),
        ),
        (
            f"layer ({facts['layer_arch']})",
            f"{facts['layer']['unzipped_mb']:.1f} MB unzipped, {facts['layer']['zipped_mb']:.1f} MB zipped",
            "",
        ),
    ]


def _meaning(facts: dict[str, Any]) -> list[str]:
    built, bare, alone = built_rows(facts), built_rows(facts, "no bytecode"), _alone(facts)
    put = built["PUT"]
    least = alone["both"]["instructions_ratio"]
    compiled = {row["process"]: row for row in facts["source_compilation"]}
    excess = (compiled["PUT"]["instructions"] - compiled["floor"]["instructions"]) / put["floor_instructions"]
    references = compiled["PUT"]["made"].get("forward references", {})
    pause = {row["method"]: row for row in facts["collector_pause"]}
    saved = {
        method: 1 - pause[method]["paused_instructions"] / pause[method]["collecting_instructions"]
        for method in ("PUT", "GET")
    }
    change = facts["before"]["put_with_pydantic_core"]
    before = change["instructions"] / change["floor_instructions"]
    after = change["after_instructions"] / change["floor_instructions"]
    precompiled = {
        method: (1 - built[method]["handler_ms"] / bare[method]["handler_ms"]) * 100
        for method in ("PUT", "GET")
    }
    return [
        "Neither function imports pydantic, which was about a fifth of the PUT's cold start. The GET checks "
        "its",
        "only input, the path id, with the contract's rule (`rules.py`). The PUT validates its body with",
        "pydantic-core alone, running the schema that pydantic builds from the models, generated into",
        "`record_schema.py` (a test keeps it in step, and every field rule is tested on both). That took the "
        "PUT",
        f"from {before:.2f}x to {after:.2f}x the floor in instructions when it was made, and the layer no "
        "longer "
        "ships pydantic.",
        f"The PUT's libraries by themselves cost {least:.2f}x the floor in instructions "
        f"({alone['both']['ratio']:.2f}x wall); this project's own code adds "
        f"~{_instructions(put) - least:.2f}x "
        "on top.",
        f"Of the PUT's excess over the floor, {excess:.2f}x is compiling source text its libraries make at "
        "run "
        f"time ({sum(references.values())} forward references, "
        f"{references.get('pydantic_core.core_schema', 0)} of them pydantic-core's typed dicts): without it",
        f"the PUT would stand at {_instructions(put) - excess:.2f}x in instructions.",
        "Each handler pauses the cyclic garbage collector while it imports (operations_api/coldstart.py; "
        f"-{saved['PUT'] * 100:.0f} % of the",
        f"PUT's instructions, -{saved['GET'] * 100:.0f} % of the GET's; wall time "
        f"{pause['PUT']['ratio']:.2f}x "
        f"and {pause['GET']['ratio']:.2f}x), then freezes what the imports made, and what its first request",
        "made, out of the collector's rescans (`gc.freeze`), which keeps full collections from stalling "
        "large",
        f"PUTs. Also shipped: bytecode in the layer (cold start -{precompiled['PUT']:.0f} % for the PUT, "
        f"-{precompiled['GET']:.0f} % for the GET in this run),",
        "no boto3 or s3transfer at all, Swagger never enabled, and a test that keeps the cold-start import "
        "set",
        "from growing. The functions run with 1024 MB on arm64: "
        '"Memory size and architecture" below says why.',
    ]
