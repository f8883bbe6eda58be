"""docs/performance.md from docs/performance.json: rendered whole, keeping the sections other suites own."""

from __future__ import annotations

from typing import Any

from devtools import bench_sections
from devtools.bench.chart import chart
from devtools.bench.notes import choices, optimisations
from devtools.bench.plan import DOCS, PAGE
from devtools.bench.report import head, measured
from devtools.bench.summary import summary


def render(facts: dict[str, Any]) -> str:
    """This suite's part of docs/performance.md, from the facts one run measured (docs/performance.json)."""
    return head(facts) + summary(facts) + measured(facts) + optimisations(facts) + choices(facts)


def write_report(facts: dict[str, Any]) -> None:
    """The chart and the page, with every other suite's `<!-- bench:NAME -->` section kept as it stood."""
    kept = bench_sections.sections(PAGE)
    chart(facts["warm"], DOCS / "latency-by-record-size.png")
    PAGE.write_text(render(facts), encoding="utf-8")
    for name, markdown in kept.items():
        bench_sections.replace_section(name, markdown, PAGE)
