"""The suites `make bench` runs, and the results file they fill.

A suite is a module with `measure(quick: bool) -> dict`: its figures, as JSON data, its entry in
docs/performance.json (the runner adds when and where they were measured); a quick run measures the same
way with a few rounds, for the tests. Adding a suite: a module, a line in SUITES, its section in the
template (performance.md.j2 or performance-more.md.j2).
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

from devtools.template import ROOT

RESULTS = ROOT / "docs" / "performance.json"
PAGE = ROOT / "docs" / "performance.md"
SUITES = {
    "cold": "devtools.bench.cold",
    "warm": "devtools.bench.warm",
    "list": "devtools.bench.listing",
    "fleet": "devtools.bench.fleet",
    "history": "devtools.bench.history",
    "events": "devtools.bench.events",
    "metrics": "devtools.bench.metrics",
    "client": "devtools.bench.client",
    "first_run": "devtools.bench.first_run",
}


def load(path: Path = RESULTS) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8"))) if path.exists() else {}


def save(results: dict[str, Any], path: Path = RESULTS) -> None:
    path.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")


def run(name: str, quick: bool) -> dict[str, Any]:
    """One suite's figures, and when and where they were measured. What it set in this process's
    environment (its table, its endpoints) is undone after it: the next suite, and the processes it
    starts, see none of it."""
    kept = dict(os.environ)
    try:
        figures: dict[str, Any] = importlib.import_module(SUITES[name]).measure(quick)
    finally:
        os.environ.clear()
        os.environ.update(kept)
    return {"measured": machine(), **({"quick": True} if quick else {}), **figures}


def machine() -> str:
    """This machine and the development Python, as the page names them, and when."""
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        names = [line.split(":", 1)[1].strip() for line in info if line.startswith("model name")]
    return (
        f"{names[0] if names else 'unknown CPU'}, {os.cpu_count()} cores, {platform.machine()}, "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()} (development); "
        f"measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
