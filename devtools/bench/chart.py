"""The chart of docs/performance.md: warm latency by record size, handler against floor."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def chart(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=False)
    for axis, method in zip(axes, ("GET", "PUT"), strict=True):
        mine = [row for row in rows if row["method"] == method]
        sizes = [row["item_bytes"] / 1024 for row in mine]
        axis.plot(sizes, [row["handler_p50"] for row in mine], "o-", label="handler p50")
        axis.plot(sizes, [row["handler_p99"] for row in mine], "o--", label="handler p99")
        axis.plot(sizes, [row["floor_p50"] for row in mine], "s-", label="floor p50")
        axis.plot(sizes, [row["floor_p99"] for row in mine], "s--", label="floor p99")
        axis.set_title(f"warm {method}: latency by record size")
        axis.set_xlabel("stored item (KiB): 1, 50, 400 target clusters")
        axis.set_ylabel("ms per request")
        axis.grid(alpha=0.3)
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
