"""Sections of docs/performance.md that a benchmark suite owns, between its own markers.

`make bench` runs several suites (the API functions, the list, the change events, the client). Each writes
its figures into its own section, `<!-- bench:NAME -->` … `<!-- /bench:NAME -->`, and leaves the rest of
the page as it stands, so a figure lives once and one suite's run never erases another's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

PERFORMANCE_PAGE: Final = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


def markers(name: str) -> tuple[str, str]:
    return f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"


def replace_section(name: str, markdown: str, page: Path = PERFORMANCE_PAGE) -> None:
    """Put `markdown` between NAME's markers, replacing what stood there; at the end if they are absent."""
    start, end = markers(name)
    text = page.read_text(encoding="utf-8") if page.exists() else ""
    block = f"{start}\n{markdown.strip()}\n{end}"
    head, found, rest = text.partition(start)
    if found:
        _, closed, tail = rest.partition(end)
        if not closed:
            raise ValueError(f"{page}: {start} has no {end}")
        text = head + block + tail
    else:
        text = text.rstrip("\n") + ("\n\n" if text.strip() else "") + block + "\n"
    page.write_text(text, encoding="utf-8")


def read_section(name: str, page: Path = PERFORMANCE_PAGE) -> str | None:
    """The markdown between NAME's markers, or None when the page has no such section."""
    start, end = markers(name)
    text = page.read_text(encoding="utf-8") if page.exists() else ""
    _, found, rest = text.partition(start)
    return rest.partition(end)[0].strip() if found else None


def without_sections(text: str) -> str:
    """The page as it stood before any section was appended: what `make bench`'s own report renders."""
    return re.sub(r"\n\n<!-- bench:([\w-]+) -->\n.*?\n<!-- /bench:\1 -->(?=\n|$)", "", text, flags=re.DOTALL)
