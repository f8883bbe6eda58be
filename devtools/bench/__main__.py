"""`python -m devtools.bench [SUITE ...] [--quick] [--render-only]`: measure the suites named (all, in one
process, by default), keep each one's figures in the results file as soon as it is done, and render the
page from the whole file (suites not run keep the figures they had)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from devtools.bench import suites
from devtools.bench.render import render
from devtools.template import ROOT


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.bench", description=__doc__)
    parser.add_argument("suite", nargs="*", help=f"any of {', '.join(suites.SUITES)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="a few rounds of each measure (for the tests)")
    parser.add_argument("--render-only", action="store_true", help="render the page from the results file")
    parser.add_argument("--results", type=Path, default=suites.RESULTS)
    parser.add_argument("--page", type=Path, default=suites.PAGE)
    arguments = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "layers" / "operations"))  # the layer, where `make` puts it (PYTHONPATH)
    unknown = sorted(set(arguments.suite) - set(suites.SUITES))
    if unknown:
        parser.error(f"no such suite: {', '.join(unknown)} (the suites: {', '.join(suites.SUITES)})")
    results = suites.load(arguments.results)
    for name in [] if arguments.render_only else arguments.suite or list(suites.SUITES):
        print(f"bench: {name}", file=sys.stderr)
        results[name] = suites.run(name, arguments.quick)
        suites.save(results, arguments.results)
        if name == "warm" and not arguments.quick:
            from devtools.bench.warm import chart

            chart(results["warm"]["rows"], arguments.page.parent / "latency-by-record-size.png")
    arguments.page.write_text(render(results), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
