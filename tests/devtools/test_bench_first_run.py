"""The first-run suite's report: each figure against its target (the timing itself is `make bench`'s)."""

from __future__ import annotations

from devtools.bench_first_run import BANNER, Start, markdown


def test_each_start_is_reported_against_its_target() -> None:
    text = markdown((Start(18.3, 7.2, 80.4), Start(11.0, 2.5, 80.4)), Start(31.0, 9.0, 80.4))
    assert "| first: installs uv and the `run` group, then serves | 18.3 | 7.2 |" in text
    assert "| 18.3 | 7.2 | ≤ 15 s: wall **missed**, CPU met | 80 |" in text
    assert "| second: serves only | 11.0 | 2.5 | ≤ 10 s: wall **missed**, CPU met | 80 |" in text
    assert "empty pip and uv caches (every wheel downloaded) | 31.0 | 9.0 |" in text


def test_the_start_ends_at_the_banner_that_names_the_address() -> None:
    found = BANNER.search("Operations API on http://127.0.0.1:40123  (ready in 1.2 s)")
    assert found is not None
    assert found[1] == "http://127.0.0.1:40123"
