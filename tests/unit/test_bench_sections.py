"""Each benchmark suite owns one section of docs/performance.md and never touches another's."""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools.bench_sections import read_section, replace_section, without_sections


def test_a_new_section_is_appended_and_the_page_kept(tmp_path: Path) -> None:
    page = tmp_path / "performance.md"
    page.write_text("# Performance\n\nfigures of the API\n", encoding="utf-8")
    replace_section("list", "| page | 1.2x |", page)
    text = page.read_text(encoding="utf-8")
    assert text.startswith("# Performance\n\nfigures of the API\n\n<!-- bench:list -->\n")
    assert read_section("list", page) == "| page | 1.2x |"


def test_a_section_is_replaced_in_place_and_others_are_untouched(tmp_path: Path) -> None:
    page = tmp_path / "performance.md"
    replace_section("list", "old list", page)
    replace_section("events", "events figures", page)
    replace_section("list", "new list", page)
    assert read_section("list", page) == "new list"
    assert read_section("events", page) == "events figures"
    text = page.read_text(encoding="utf-8")
    assert text.index("new list") < text.index("events figures")
    assert "old list" not in text


def test_an_unclosed_section_is_refused_rather_than_overwritten(tmp_path: Path) -> None:
    page = tmp_path / "performance.md"
    page.write_text("<!-- bench:list -->\nhalf a section\n", encoding="utf-8")
    with pytest.raises(ValueError, match="has no"):
        replace_section("list", "figures", page)
    assert read_section("absent", page) is None


def test_without_its_sections_the_page_is_what_it_was(tmp_path: Path) -> None:
    page = tmp_path / "performance.md"
    page.write_text("# Performance\n\nfigures of the API\n", encoding="utf-8")
    replace_section("list", "| page | 1.2x |\n\nmore", page)
    replace_section("events", "events figures", page)
    assert without_sections(page.read_text(encoding="utf-8")) == "# Performance\n\nfigures of the API\n"
