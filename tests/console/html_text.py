"""Reading rendered pages as a browser would show them: their text, by class, and their script elements."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID_ELEMENTS = frozenset({"meta", "link", "input", "br", "img", "hr"})


@dataclass
class _Open:
    tag: str
    classes: frozenset[str]
    text: list[str] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[_Open] = []
        self.text: list[str] = []
        self.by_class: dict[str, list[str]] = {}
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self._script, self._script_text = dict(attrs), []
        if tag in VOID_ELEMENTS:
            return
        classes = frozenset((dict(attrs).get("class") or "").split())
        self.stack.append(_Open(tag, classes))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._script_text)))
            self._script = None
        while self.stack:
            element = self.stack.pop()
            for name in element.classes:
                self.by_class.setdefault(name, []).append(" ".join("".join(element.text).split()))
            if element.tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text.append(data)
            return
        if any(element.tag in {"title", "style"} for element in self.stack):
            return
        self.text.append(data)
        for element in self.stack:
            element.text.append(data)


@dataclass(frozen=True)
class Rendered:
    text: str  # the visible text, whitespace collapsed
    by_class: dict[str, list[str]]  # for each class, the text of each element that has it, in document order
    scripts: list[tuple[dict[str, str | None], str]]  # each <script>: its attributes and its inline text

    def of_class(self, name: str) -> list[str]:
        return self.by_class.get(name, [])


def read(html: str) -> Rendered:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return Rendered(" ".join("".join(reader.text).split()), reader.by_class, reader.scripts)
