"""`python -m devtools.bench`: measure everything, keep the figures in docs/performance.json and write
docs/performance.md from them; `--report-only` re-renders the page from the committed figures."""

from __future__ import annotations

import json
import sys

from devtools.bench.measure import measure
from devtools.bench.page import write_report
from devtools.bench.plan import DOCS, FIGURES, PAGE


def main(arguments: list[str]) -> int:
    if arguments == ["--report-only"]:
        write_report(json.loads(FIGURES.read_text(encoding="utf-8")))
        return 0
    DOCS.mkdir(exist_ok=True)
    before = json.loads(FIGURES.read_text(encoding="utf-8"))["before"]  # measured once, kept as data
    facts = {**measure(), "before": before}
    FIGURES.write_text(json.dumps(facts, indent=1, default=str) + "\n", encoding="utf-8")
    write_report(facts)
    print(PAGE.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
