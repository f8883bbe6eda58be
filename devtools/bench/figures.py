"""How the report reads a figure: ratios with their quartiles, verdicts against targets, growth by size."""

from __future__ import annotations

from typing import Any

# What the handler itself does with a record, as "where the time goes" splits it (the rest is DynamoDB's)
OWN_WORK = {"PUT": ("parse_and_validate", "serialise"), "GET": ("from_attributes", "serialise")}
LINEAR_GROWTH_LIMIT = 2.0


def verdict(value: float, target: float) -> str:
    return (
        f"**pass** ({value:.2f}x ≤ {target}x)"
        if value <= target
        else f"**miss** by {value - target:.2f}x ({value:.2f}x > {target}x)"
    )


def met(value: float, target: float) -> str:
    return "**met**" if value <= target else f"**missed** by {value - target:.2f}x"


def ratio(row: dict[str, Any]) -> str:
    low, high = row.get("ratio_quartiles", (row["ratio"], row["ratio"]))
    return f"{row['ratio']:.2f} ({low:.2f}-{high:.2f})"


def units(reported: float | None) -> str:
    return "-" if reported is None else f"{reported:g}"


def millions(count: float) -> str:
    return f"{count / 1e6:,.0f} M"


def per_kib(sizes: list[float], times: list[float]) -> list[float]:
    """What each further KiB costs, from one size to the next: constant when time grows linearly."""
    steps = zip(zip(sizes, times, strict=True), zip(sizes[1:], times[1:], strict=True), strict=False)
    return [(time - before) / (size - smaller) for (smaller, before), (size, time) in steps]


def quadratic_growth(sizes: list[float]) -> float:
    """How much the cost of a KiB would grow from the first step to the last if time grew with the square
    of the size: a straight line's is 1, so the limit between them tells the two apart."""
    return (sizes[-1] + sizes[-2]) / (sizes[1] + sizes[0])


def own_work_per_kib(method: str, sized: list[dict[str, Any]]) -> list[float]:
    """What this project's own work costs per KiB of the record, at each size (warm rows by size)."""
    return [
        sum(row["parts"][part] for part in OWN_WORK[method]) / (row["item_bytes"] / 1024) for row in sized
    ]


def linear_verdict(sizes: list[float], times: list[float], own: list[float]) -> tuple[bool, str]:
    """Whether time grows linearly with size, and the figures that say so. Least squares cannot tell: at
    these sizes a square still fits a line with R² 0.99. Two tests instead: a further KiB of the whole
    request costs at most LINEAR_GROWTH_LIMIT times as much at the larger sizes as at the smaller (a
    square: ~8x), and so does a KiB of this project's own work (`own`, per KiB at each size), between the
    two larger sizes (the smallest is mostly fixed cost). A time that did not grow cannot be judged."""
    steps = per_kib(sizes, times)
    own_growth = own[-1] / own[-2]
    if min(steps) <= 0:
        each = ", ".join(f"{step:.3f}" for step in steps)
        return False, f"time did not grow from one size to the next ({each} ms per KiB)"
    growth = steps[-1] / steps[0]
    text = (
        f"a further KiB costs {steps[0]:.3f} ms from {sizes[0]:.1f} to {sizes[1]:.1f} KiB and "
        f"{steps[-1]:.3f} ms from {sizes[1]:.1f} to {sizes[2]:.1f} KiB ({growth:.2f}x; a square would be "
        f"{quadratic_growth(sizes):.1f}x); this project's own work costs "
        f"{' → '.join(f'{cost:.3f}' for cost in own)} ms per KiB of the record ({own_growth:.2f}x between "
        f"the two larger sizes; a square would be {sizes[-1] / sizes[-2]:.1f}x)"
    )
    return growth <= LINEAR_GROWTH_LIMIT and own_growth <= LINEAR_GROWTH_LIMIT, text


def capacity_matches_rule(warm: list[dict[str, Any]]) -> bool:
    return all(row["capacity_units"]["reported"] == row["capacity_units"]["by_rule"] for row in warm)


def built_rows(facts: dict[str, Any], kind: str = "with bytecode") -> dict[str, dict[str, Any]]:
    """The cold-start rows of the built artifact (`with bytecode` or `no bytecode`), by route."""
    return {row["method"]: row for row in facts["cold"] if kind in row["environment"]}
