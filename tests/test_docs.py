"""The contract in docs/api.md is cited by its section titles: every citation names a section that exists."""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from devtools.openapi import problem_codes
from devtools.template import ROOT, load_template
from operations_api.record.models import RECORD
from operations_api.record.rules import TIMESTAMP_SCHEMA_PATTERN

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
    "Counting operations",
    "Summaries",
    "Retention",
    "History",
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


# --- what the docs say, against the code -------------------------------------------------------------

DOCS: Final = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# A repository path written in a doc (prose, a table, a command), rooted at one of the repository's folders:
# a file (with its extension) or a glob anywhere, or a folder between backticks (`tests/unit`; "events/s"
# in a table's heading is a unit, not a path).
_ROOTED: Final = r"(?:layers|functions|devtools|tests|docs|events|client|envs)/"
REPOSITORY_PATH: Final = re.compile(
    rf"(?<![\w./-])({_ROOTED}[\w.*/-]*(?:\.[A-Za-z]\w*|\*)|{_ROOTED}[\w.*/-]*/)(?![\w/-])|`({_ROOTED}[\w.*/-]*)`"
)
# A package's module, written from its package: the layer's, or the client's.
PACKAGES: Final = {"operations_api": "layers/operations", "operations_client": "client"}
PACKAGE_PATH: Final = re.compile(r"(?<![\w./-])((operations_api|operations_client)/[\w./*-]*\.py)\b")
LINK: Final = re.compile(r"\]\(([^)\s]+)\)")


def cited_paths(text: str, folder: Path) -> set[Path]:
    """The repository paths a doc cites: written from the root, or linked relative to the doc."""
    cited = {ROOT / (match.group(1) or match.group(2)) for match in REPOSITORY_PATH.finditer(text)}
    cited |= {ROOT / PACKAGES[match.group(2)] / match.group(1) for match in PACKAGE_PATH.finditer(text)}
    for match in LINK.finditer(text):
        target = match.group(1).partition("#")[0]
        if target and "://" not in target and not target.startswith("mailto:"):
            cited.add(folder / target)
    return cited


def test_every_repository_path_a_doc_cites_exists() -> None:
    missing = {
        (doc.relative_to(ROOT).as_posix(), path.relative_to(ROOT).as_posix())
        for doc in DOCS
        for path in cited_paths(doc.read_text(encoding="utf-8"), doc.parent)
        if path.resolve().is_relative_to(ROOT) and not (any(ROOT.glob(str(path.relative_to(ROOT)))))
    }
    assert missing == set()


def test_a_cited_path_that_does_not_exist_is_caught() -> None:
    text = (
        "see tests/unit/test_signed_call.py, `tests/unit` and [the API](api.md#errors); "
        "`python -m devtools.openapi` writes it, 90 events/s, with `operations_api/record/rules.py`"
    )
    cited = cited_paths(text, ROOT / "docs")
    assert cited == {
        ROOT / "tests/unit/test_signed_call.py",
        ROOT / "tests/unit",
        ROOT / "docs/api.md",
        ROOT / "layers/operations/operations_api/record/rules.py",
    }
    assert not (ROOT / "tests/unit/test_signed_call.py").exists()


def test_every_problem_code_the_service_can_answer_is_in_the_contract_with_its_status() -> None:
    codes = problem_codes()
    assert {"ROUTE_NOT_FOUND", "INVALID_PAGE_TOKEN", "VALIDATION_ERROR"} <= set(codes), (
        "read from problems.py"
    )
    documented = re.findall(r"^\| (\d{3}) \| `([A-Z_]+)` \|", section("Errors"), flags=re.MULTILINE)
    assert sorted((code, int(status)) for status, code in documented) == sorted(codes.items())


def test_openapi_lists_every_problem_code_in_every_problem_answer() -> None:
    document = json.loads((ROOT / "openapi.json").read_text(encoding="utf-8"))
    enums = [
        response["content"]["application/problem+json"]["schema"]["properties"]["code"]["enum"]
        for operations in document["paths"].values()
        for operation in operations.values()
        for response in operation["responses"].values()
        if "application/problem+json" in response.get("content", {})
    ]
    assert len(enums) > 10
    assert all(enum == list(problem_codes()) for enum in enums)


def test_every_route_of_the_template_is_in_the_contract_and_in_openapi() -> None:
    document = json.loads((ROOT / "openapi.json").read_text(encoding="utf-8"))
    contract = API.read_text(encoding="utf-8")
    routes = [(route.method, route.path) for route in load_template().routes]
    assert len(routes) >= 3
    assert [route for route in routes if f"| `{route[0]}` | `{route[1]}` |" not in contract] == []
    assert [route for route in routes if route[0].lower() not in document["paths"].get(route[1], {})] == []


def section(title: str) -> str:
    text = API.read_text(encoding="utf-8")
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


# --- the record's table (docs/api.md, "The record") against the models -------------------------------


def record_rows() -> list[tuple[str, str, str, str, str]]:
    """The table's key, type, required, null and [] columns."""
    rows = re.findall(
        r"^\| `([\w.\[\]]+)` \| (\w+) \| (yes|no) \| (yes|no) \| (yes|)\s*\|", section("The record"), re.M
    )
    return [(key, kind, required, null, empty) for key, kind, required, null, empty in rows]


def model_rows() -> list[tuple[str, str, str, str, str]]:
    """The same columns from the models' schema: the record's keys, and the keys of its objects and of its
    arrays' objects one level down (deeper ones the table tells in words)."""
    schema = RECORD.json_schema(ref_template="#/$defs/{model}")
    definitions = schema.get("$defs", {})
    rows: list[tuple[str, str, str, str, str]] = []

    def walk(node: dict[str, Any], prefix: str, depth: int) -> None:
        for key, field in node.get("properties", {}).items():
            options = field.get("anyOf", [field])
            value = next(option for option in options if option != {"type": "null"})
            value = definitions.get(value.get("$ref", "").rpartition("/")[2], value)
            kind = value.get("type", "object")
            if value.get("pattern") == TIMESTAMP_SCHEMA_PATTERN:
                kind = "time"
            nullable = "yes" if {"type": "null"} in options else "no"
            empty = "yes" if kind == "array" and not value.get("minItems") else ""
            required = "yes" if key in node.get("required", []) else "no"
            rows.append((prefix + key, kind, required, nullable, empty))
            if depth < 2 and kind == "object":
                walk(value, f"{prefix}{key}.", depth + 1)
            elif depth < 2 and kind == "array":
                items = value["items"]
                walk(
                    definitions.get(items.get("$ref", "").rpartition("/")[2], items),
                    f"{prefix}{key}[].",
                    depth + 1,
                )

    walk(schema, "", 1)
    return rows


def test_the_record_table_is_the_models_names_types_required_and_nulls() -> None:
    assert len(model_rows()) > 15
    assert record_rows() == model_rows()


def test_the_change_events_table_lists_every_detail_key_the_event_schema_adds_to_the_summary() -> None:
    schema = json.loads((ROOT / "docs" / "operation-event.schema.json").read_text(encoding="utf-8"))
    detail_keys = set(schema["$defs"]["detail"]["properties"])
    summary_keys = {
        key
        for row in re.findall(r"^\| (`.+?`) \|", section("Summaries"), re.M)
        for key in re.findall(r"`(\w+)`", row)
    }
    documented = re.findall(
        r"^\| `(\w+)` \|", section("Change events").split("| key | meaning |", 1)[1], re.M
    )
    assert documented == ["previous_status", "version", "sequence", "recorded_time", "principal"]
    assert set(documented) == detail_keys - summary_keys


# --- docs/development.md's checklists -----------------------------------------------------------------

DEVELOPMENT: Final = ROOT / "docs" / "development.md"
REWRITES: Final = re.compile(r"`make ([\w-]+)` rewrites `([^`]+)`(?: \(and `([^`]+)`\))?")


def checklists() -> str:
    return DEVELOPMENT.read_text(encoding="utf-8").split("\n## Checklists\n", 1)[1].split("\n## ", 1)[0]


def recipe(target: str) -> str:
    """A Makefile target's recipe, with the source of each `-m devtools.<module>` it runs."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    found = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", makefile, flags=re.MULTILINE)
    assert found is not None, f"no target {target} in the Makefile"
    modules = re.findall(r"-m (devtools\.\w+)", found.group(1))
    sources = [(ROOT / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8") for module in modules]
    return "\n".join([found.group(1), *sources])


def test_each_make_target_of_the_checklists_rewrites_the_file_it_names() -> None:
    steps = REWRITES.findall(checklists())
    assert {target for target, *_ in steps} == {"record-schema", "openapi", "client-types"}
    for target, *paths in steps:
        for path in filter(None, paths):
            assert (ROOT / path).is_file(), path
            assert Path(path).name in recipe(target), (target, path)


def test_the_checklists_name_the_files_that_hold_what_they_change() -> None:
    named = set(
        re.findall(r"`((?:layers|functions|client|docs|tests)/[^`<>]+|template\.yaml)`", checklists())
    )
    assert {"layers/operations/operations_api/record/models.py", "template.yaml", "docs/api.md"} <= named
    assert [path for path in named if not (ROOT / path).exists()] == []
    assert '"The record"' in checklists()  # the table the record test compares with the models
    template = (ROOT / "template.yaml").read_text(encoding="utf-8")
    assert "type `HttpApi`" in checklists()
    assert len(re.findall(r"^\s+Type: HttpApi$", template, re.MULTILINE)) == len(load_template().routes)


# --- one home per fact ----------------------------------------------------------------------------------

README_LINES: Final = 200
# A measured figure in prose: "23 %", "~300 ms", "a fifth". Limits and settings (400 KB, 10 s) are not it.
FIGURE: Final = re.compile(
    r"\d\s?%|\d\s?ms\b|\b(?:a|one)\s+(?:fifth|quarter|third|tenth)\b|\d\s?(?:times|x) (?:faster|slower)\b",
    re.IGNORECASE,
)
CODE_FOLDERS: Final = ("layers", "functions", "client", "ops")
ALARM_NAME: Final = re.compile(r"^operations-api-\$\{Stage\}-([\w-]+)$")


def test_the_readme_stays_a_page_that_links_to_the_rest() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_LINES, "move the detail into docs/ and link to it"


def prose_of(path: Path) -> Iterator[tuple[int, str]]:
    """A source's comments and docstrings, with their line numbers: what a reader takes for a statement."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".js":
        yield from ((n, line) for n, line in enumerate(text.splitlines(), 1) if "//" in line)
        return
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            docstring = ast.get_docstring(node, clean=False)
            if docstring is not None:
                yield node.body[0].lineno, docstring


def figures_in_code() -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line}: {match.group(0)}"
        for folder in CODE_FOLDERS
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in (".py", ".js") and "node_modules" not in path.parts
        for line, prose in prose_of(path)
        for match in FIGURE.finditer(prose)
    ]


def test_no_measured_figure_is_stated_in_the_code_only_pointed_to() -> None:
    """A figure lives in docs/performance.md, which `make bench` rewrites; a copy in a docstring goes stale.
    Cite it instead: (docs/performance.md, "Cold start")."""
    assert figures_in_code() == []


def test_a_figure_in_a_comment_or_docstring_is_caught(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        '"""Importing it is about a fifth of a cold start."""\n\n'
        "SHARE = 0.23  # 23 % of the PUT\n"
        'LABEL = f"{SHARE:.0%}"\n\n\n'
        "def f() -> None:\n"
        '    """Warm: ~30 ms."""\n',
        encoding="utf-8",
    )
    found = [(line, FIGURE.findall(prose)) for line, prose in prose_of(source)]
    assert sorted(found) == [(1, ["a fifth"]), (3, ["3 %"]), (8, ["0 ms"])], "never the code's own strings"


def alarm_names() -> list[str]:
    names = [
        ALARM_NAME.match(str(resource["Properties"]["AlarmName"]["Fn::Sub"]))
        for resource in load_template().resources.values()
        if resource.get("Type") == "AWS::CloudWatch::Alarm"
    ]
    return sorted(name.group(1) for name in names if name is not None)


def test_each_alarm_is_told_once_in_the_operators_guide() -> None:
    names = alarm_names()
    assert len(names) >= 14, "read from template.yaml"
    told = {
        doc.relative_to(ROOT).as_posix(): {name for name in names if re.search(rf"`(?:…-)?{name}`", text)}
        for doc in DOCS
        if (text := doc.read_text(encoding="utf-8"))
    }
    assert told.pop("docs/operate.md") == set(names), "each alarm's name, meaning and what to do"
    assert {doc: found for doc, found in told.items() if found} == {}, "link to docs/operate.md instead"
