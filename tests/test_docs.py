"""The contract in docs/api.md is cited by its section titles: every citation names a section that exists."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from devtools.template import ROOT

API: Final = ROOT / "docs" / "api.md"
# The titles every helper and every comment cites; renaming one breaks their citations.
SECTIONS: Final = [
    "The record",
    "Times",
    "Nulls and absence",
    "Unknown keys",
    "Strict types",
    "Identifiers",
    "Status codes",
    "Errors",
    "Writes never go back",
    "Optimistic concurrency",
    "Size",
    "Listing operations",
    "Summaries",
    "Retention",
    "Change events",
]
CITATION: Final = re.compile(r'docs/api\.md,\s+((?:"[^"]+"(?:\s*(?:,|and)\s*)?)+)')
SOURCES: Final = {".py", ".md", ".toml", ".yaml", ".json"}


def sources() -> Iterator[Path]:
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT).parts
        if path.suffix in SOURCES and not any(
            part.startswith(".") or part == "node_modules" for part in relative
        ):
            yield path


def test_the_contract_has_the_agreed_sections_in_order() -> None:
    headings = re.findall(r"^## (.+)$", API.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert headings == SECTIONS


def test_every_citation_of_the_contract_names_one_of_its_sections() -> None:
    cited = {
        (path.relative_to(ROOT).as_posix(), title)
        for path in sources()
        for match in CITATION.finditer(path.read_text(encoding="utf-8", errors="replace"))
        for title in re.findall(r'"([^"]+)"', match.group(1))
    }
    assert cited, "the code cites the contract by section"
    assert {(where, title) for where, title in cited if title not in SECTIONS} == set()


def test_nothing_cites_the_contract_by_decision_or_issue_number() -> None:
    outdated = re.compile(r"\bdecision \d+\b|\bissue \d+\.\d+\b|shared/spec/|\.\./shared/")
    found = [
        path.relative_to(ROOT).as_posix()
        for path in sources()
        if path.suffix == ".py"
        and path != Path(__file__)  # which names them to find them
        and outdated.search(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert found == []
