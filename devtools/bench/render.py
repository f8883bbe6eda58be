"""docs/performance.md from the results file: the figures a template needs, derived from the data, and
the filters that format them. The words are the template's (performance.md.j2), the figures the data's."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import jinja2

TEMPLATE = Path(__file__).resolve().parent / "performance.md.j2"
# What the handler itself does with a record, as "where the time goes" splits it (the rest is DynamoDB's)
OWN_WORK = {"PUT": ("parse_and_validate", "serialise"), "GET": ("from_attributes", "serialise")}
LINEAR_GROWTH_LIMIT = 2.0
OWN = ("app", "operations_api")  # this project's modules, as the compiled text's makers
SOURCE_KINDS = ("forward references", "dataclasses", "namedtuples", "other")


def render(results: dict[str, Any]) -> str:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE.parent),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # noqa: S701 (markdown, not HTML)
    )
    environment.filters.update(fmt=format, ratio=ratio, verdict=verdict, met=met, span=span)
    environment.filters.update(
        millions=lambda count: f"{count / 1e6:,.0f} M",
        units=lambda reported: "-" if reported is None else f"{reported:g}",
        by=lambda rows, key: {row[key]: row for row in rows},
    )
    return environment.get_template(TEMPLATE.name).render(**view(results))


def view(results: dict[str, Any]) -> dict[str, Any]:
    """The results, and what the page derives from them, by section (a section the results lack: None)."""
    cold, warm, listed = results.get("cold"), results.get("warm"), results.get("list")
    names = ("before", "events", "metrics", "first_run", "client", "history", "fleet")
    found = {name: results.get(name) for name in names}
    found |= {"limit": LINEAR_GROWTH_LIMIT, "cold": cold and {**cold, **cold_view(cold)}}
    found["warm"] = warm and {**warm, **warm_view(warm["rows"])}
    found["list"] = listed and [list_view(run, listed["shards"]) for run in listed["runs"]]
    found["summary"] = found["cold"] and warm and "before" in results and summary_ready(found["cold"])
    found["measured"] = measured_between(results)
    return found


def measured_between(results: dict[str, Any]) -> str:
    """The machine and when the suites ran: one moment, or the first and the last (suites re-run alone)."""
    stamps: list[str] = sorted(
        suite["measured"] for suite in results.values() if isinstance(suite, dict) and "measured" in suite
    )
    if not stamps:
        return "not recorded"
    machine, last = stamps[-1].rsplit("; measured ", 1)  # "<machine>; measured YYYY-MM-DD HH:MM UTC"
    first = stamps[0].rsplit("; measured ", 1)[1]
    if first == last:
        return stamps[-1]
    return f"{machine}; suites measured from {first} to {last} (each suite's moment: docs/performance.json)"


def ratio(row: dict[str, Any]) -> str:
    low, high = row.get("ratio_quartiles", (row["ratio"], row["ratio"]))
    return f"{row['ratio']:.2f} ({low:.2f}-{high:.2f})"


def verdict(value: float, target: float) -> str:
    if value <= target:
        return f"**pass** ({value:.2f}x ≤ {target}x)"
    return f"**miss** by {value - target:.2f}x ({value:.2f}x > {target}x)"


def met(value: float, target: float) -> str:
    return "**met**" if value <= target else f"**missed** by {value - target:.2f}x"


def span(values: list[float]) -> str:
    low, high = min(values), max(values)
    return f"{low:.2f}x" if low == high else f"{low:.2f} to {high:.2f}x"


def by_method(rows: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    """The cold-start rows of one environment (`with bytecode`, `no bytecode`, `development`), by route."""
    return {row["method"]: row for row in rows if kind in row["environment"]}


def instructions(row: dict[str, Any]) -> float | None:
    if not row.get("handler_instructions") or not row.get("floor_instructions"):
        return None
    return float(row["handler_instructions"] / row["floor_instructions"])


def cold_view(cold: dict[str, Any]) -> dict[str, Any]:
    built, bare = by_method(cold["rows"], "with bytecode"), by_method(cold["rows"], "no bytecode")
    alone = {row["name"].split(" (")[0].split(",")[0]: row for row in cold.get("libraries_alone", [])}
    libraries = {"GET": "Powertools' Logger and HTTP API resolver", "PUT": "both"}
    least = {method: alone.get(name, {}).get("instructions_ratio") for method, name in libraries.items()}
    standing = [
        {"method": method, "handler": instructions(row), "least": least[method]}
        for method, row in sorted(built.items())
        if instructions(row) and least.get(method)  # the routes whose libraries alone were measured
    ]
    floors = {method: row.get("floor_instructions") for method, row in built.items()}
    return {
        "built": built,
        "bare": bare,
        "bytecode": list(zip(built.values(), bare.values(), strict=False)),
        "development_put": by_method(cold["rows"], "development").get("PUT", {}).get("handler_instructions"),
        "alone": alone,
        "standing": standing,
        "pause": [{**row, "floor": floors.get(row["method"])} for row in cold.get("collector_pause", [])],
        "compiled": compilation_view(cold, built.get("PUT")),
        "peak_mb": max(row["max_rss_mb"] for row in cold["memory"]),
        "slowest_ms": max(row["handler_ms"] for row in list(built.values()) or cold["rows"]),
    }


def compilation_view(cold: dict[str, Any], put: dict[str, Any] | None) -> dict[str, Any] | None:
    """The source text each cold start compiled, by kind and by the module it was made for."""
    rows = {row["process"]: row for row in cold.get("source_compilation", [])}
    if put is None or not instructions(put) or set(rows) != {"floor", "PUT", "GET"}:
        return None
    if not all(row["instructions"] for row in rows.values()):
        return None
    excess = rows["PUT"]["instructions"] - rows["floor"]["instructions"]
    made = rows["PUT"]["made"]
    references = made.get("forward references", {})
    return {
        **{name: row["instructions"] for name, row in rows.items()},
        "excess": excess,
        "excess_ratio": excess / put["floor_instructions"],
        "without": (put["handler_instructions"] - excess) / put["floor_instructions"],
        "kinds": [
            (
                kind,
                [sum(rows[name]["made"].get(kind, {}).values()) for name in ("PUT", "GET", "floor")],
                Counter(made.get(kind, {})).most_common(4),
            )
            for kind in SOURCE_KINDS
        ],
        "own": sum(
            count for by in made.values() for module, count in by.items() if module.split(".")[0] in OWN
        ),
        "references": sum(references.values()),
        "core": references.get("pydantic_core.core_schema", 0),
    }


def per_kib(sizes: list[float], times: list[float]) -> list[float]:
    """What each further KiB costs, from one size to the next: constant when time grows linearly."""
    steps = zip(zip(sizes, times, strict=True), zip(sizes[1:], times[1:], strict=True), strict=False)
    return [(time - before) / (size - smaller) for (smaller, before), (size, time) in steps]


def growth(sized: list[dict[str, Any]], method: str) -> dict[str, Any]:
    """Whether time grows linearly with size. Least squares cannot tell: at these sizes a square still fits
    a line with R² 0.99. Two tests instead: a further KiB of the whole request costs at most
    LINEAR_GROWTH_LIMIT times as much at the larger sizes as at the smaller (a square: ~8x), and so does a
    KiB of this project's own work, between the two larger sizes (the smallest is mostly fixed cost). A time
    that did not grow cannot be judged."""
    kib = [row["item_bytes"] / 1024 for row in sized]
    steps = per_kib(kib, [row["handler_p50"] for row in sized])
    own = [
        sum(row["parts"][part] for part in OWN_WORK[method]) / size
        for row, size in zip(sized, kib, strict=True)
    ]
    grew = min(steps) > 0
    return {
        "kib": kib,
        "steps": steps,
        "grew": grew,
        "growth": steps[-1] / steps[0],
        "square": (kib[-1] + kib[-2]) / (kib[1] + kib[0]),
        "own": own,
        "own_growth": own[-1] / own[-2],
        "own_square": kib[-1] / kib[-2],
        "floor": per_kib(kib, [row["floor_p50"] for row in sized]),
        "linear": grew
        and steps[-1] / steps[0] <= LINEAR_GROWTH_LIMIT
        and own[-1] / own[-2] <= LINEAR_GROWTH_LIMIT,
        "own_work": " + ".join(OWN_WORK[method]).replace("_", " "),
    }


def warm_view(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by = {(row["method"], row["clusters"]): row for row in rows}
    p50 = {key: row["handler_p50"] / row["floor_p50"] for key, row in by.items()}
    sizes = sorted({row["clusters"] for row in rows})
    return {
        "clusters": sizes,
        "p50": p50,
        "growth": {
            method: growth([by[(method, size)] for size in sizes], method) for method in ("GET", "PUT")
        },
        "by_rule": all(row["capacity_units"]["reported"] == row["capacity_units"]["by_rule"] for row in rows),
        "one_request": all(row["requests_per_call"] == 1 for row in rows),
        "put_largest": by[("PUT", sizes[-1])],
        "put_largest_p50": p50[("PUT", sizes[-1])],
        "worst_get": max(p50[("GET", size)] for size in sizes),
    }


def summary_ready(cold: dict[str, Any]) -> bool:
    """Whether the run measured all the summary needs (the built artifact under the runtime's Python, with
    valgrind)."""
    counted = all(row["instructions_ratio"] for row in cold["libraries_alone"])
    return counted and bool(cold["compiled"]) and len(cold["standing"]) == 2


def list_view(run: dict[str, Any], shards: int) -> dict[str, Any]:
    """One server's page figures, and what they say against the targets: a page that reads one group of
    shards (no filter, one status, a time range) within 2x the floor's capacity, any page within one
    half unit per shard asked plus the floor (one Query of the page's 25 items)."""
    figures = run["figures"]
    return {
        **run,
        "shards": shards,
        "capacity": [f["capacity_ratio"] for f in figures if f["shards"] == shards],
        "beyond_bound": [f for f in figures if f["list_capacity"] > 0.5 * f["shards"] + f["floor_capacity"]],
        "extra_requests": max(f["requests"] - f["shards"] for f in figures),
        "capacity_growth": capacity_growth(figures),
    }


def capacity_growth(figures: list[dict[str, Any]]) -> dict[str, Any]:
    """Whether a page's capacity stays flat as the table grows (`flat`), moves with the requests a page
    made (`requests`), or moved otherwise; one size only: `one size`."""
    if len({figure["size"] for figure in figures}) < 2:
        return {"kind": "one size"}
    by_case: dict[str, list[float]] = {}
    for figure in figures:
        by_case.setdefault(figure["case"], []).append(figure["list_capacity"])
    spread = max((max(values) - min(values)) / max(values) for values in by_case.values())
    per_request = [f["list_capacity"] / f["requests"] for f in figures if f["requests"]]
    kind = (
        "flat" if spread <= 0.25 else "requests" if max(per_request) <= 1.25 * min(per_request) else "moved"
    )
    return {"kind": kind, "spread": spread, "per_request": (min(per_request), max(per_request))}
