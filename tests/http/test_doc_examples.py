"""Every shell and Python example of README.md and docs/*.md runs as written, against a fresh local server.

The examples of one file run top to bottom, in a temporary working directory they share (a block can
write a file a later block reads), against a local server of their own (`make run`'s, with an empty
DynamoDB), its address put where the examples say `127.0.0.1:3000` or `localhost:3000`. Shell blocks run
with `bash -euo pipefail`, Python blocks with this interpreter. A block that cannot run here (it needs AWS,
Docker...) is preceded by `<!-- not run: <reason> -->`, and the reason is required. A block that runs from
the repository's root (`make invoke`, which needs a build) is preceded by
`<!-- run from the repository's root: tests/build/test_doc_commands.py -->`, which runs it there.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest

from devtools.template import ROOT
from tests.e2e.sigv4_gate import sigv4_gate
from tests.support.servers import running_server

DOCUMENTS: Final = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUNNERS: Final = {"sh": "sh", "bash": "sh", "python": "python"}
FENCE: Final = re.compile(r"^\s*```\s*(\S*)\s*$")
NOT_RUN: Final = re.compile(r"^\s*<!--\s*not run\s*(?::(.*?))?\s*-->\s*$")
IN_REPOSITORY: Final = re.compile(r"^\s*<!--\s*run from the repository's root\b.*-->\s*$")
LOCAL_ADDRESS: Final = re.compile(r"\b(?:127\.0\.0\.1|localhost):3000\b")
EXAMPLE_SECONDS: Final = 120


@dataclass(frozen=True)
class Example:
    document: Path
    line: int  # of the opening fence, 1-based
    language: str  # "sh" or "python"
    text: str
    not_run_reason: str | None  # None: it runs; "" would be a skip that does not say why
    in_repository: bool = False  # it runs from the repository's root (tests/build/test_doc_commands.py)

    @property
    def where(self) -> str:
        name = self.document.relative_to(ROOT) if self.document.is_relative_to(ROOT) else self.document
        return f"{name}:{self.line}"


def examples(document: Path, text: str | None = None) -> list[Example]:
    """The ```sh and ```python blocks of a Markdown document, in order, each with its skip marker."""
    lines = (document.read_text(encoding="utf-8") if text is None else text).splitlines()
    found: list[Example] = []
    previous = ""  # the last non-blank line outside a block
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            previous = lines[index] if lines[index].strip() else previous
            index += 1
            continue
        end = next((i for i in range(index + 1, len(lines)) if FENCE.match(lines[i])), len(lines))
        language = RUNNERS.get(opening.group(1).lower())
        if language is not None:
            marker = NOT_RUN.match(previous)
            reason = None if marker is None else (marker.group(1) or "").strip()
            body = "\n".join(lines[index + 1 : end]) + "\n"
            in_repository = IN_REPOSITORY.match(previous) is not None
            found.append(Example(document, index + 1, language, body, reason, in_repository))
        previous = ""
        index = end + 1
    return found


def at_address(text: str, base_url: str) -> str:
    """The example with `make run`'s default address replaced by the server's."""
    return LOCAL_ADDRESS.sub(base_url.removeprefix("http://"), text)


def run_example(
    example: Example, base_url: str, workdir: Path, **variables: str
) -> subprocess.CompletedProcess[str]:
    """The example against the server at base_url, in this environment with `variables` set."""
    text = at_address(example.text, base_url)
    command = (
        ["bash", "-euo", "pipefail", "-c", text] if example.language == "sh" else [sys.executable, "-c", text]
    )
    # this interpreter's environment first on PATH: `python` in an example is the project's
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return subprocess.run(
        command,
        cwd=workdir,
        env={**os.environ, "PATH": path, **variables},
        capture_output=True,
        text=True,
        timeout=EXAMPLE_SECONDS,
        check=False,
    )


def shown_answer(example: Example) -> Any:
    """The JSON of the first ```json block after the example in its document: the answer it shows."""
    lines = example.document.read_text(encoding="utf-8").splitlines()
    start = next(i for i in range(example.line, len(lines)) if lines[i].strip() == "```json") + 1
    end = next(i for i in range(start, len(lines)) if FENCE.match(lines[i]))
    return json.loads("\n".join(lines[start:end]))


def failure(example: Example, answer: subprocess.CompletedProcess[str]) -> str | None:
    """What to tell when an example failed, naming it by file and line; None when it succeeded."""
    if answer.returncode == 0:
        return None
    return (
        f"{example.where}: the {example.language} example exited with {answer.returncode}\n"
        f"--- the example\n{example.text}--- its output\n{answer.stdout}{answer.stderr}"
    )


def runnable(document: Path, text: str | None = None) -> list[Example]:
    """The examples that run here, in a temporary directory against a fresh server."""
    return [
        example
        for example in examples(document, text)
        if example.not_run_reason is None and not example.in_repository
    ]


@pytest.mark.http
@pytest.mark.parametrize(
    "document",
    [document for document in DOCUMENTS if runnable(document)],
    ids=lambda document: str(document.relative_to(ROOT)),
)
def test_every_example_runs_as_written(document: Path, tmp_path: Path) -> None:
    with running_server() as base_url:
        for example in runnable(document):
            message = failure(example, run_example(example, base_url, tmp_path))
            if message is not None:
                pytest.fail(message, pytrace=False)


def test_every_example_that_is_not_run_says_why() -> None:
    silent = [
        example.where
        for document in DOCUMENTS
        for example in examples(document)
        if example.not_run_reason == ""
    ]
    assert not silent, f"add a reason, as in <!-- not run: needs AWS credentials -->: {silent}"


def test_the_readme_has_examples_that_run() -> None:
    assert len(runnable(ROOT / "README.md")) >= 3


SAMPLE = """\
# A document

```sh
curl -fsS http://127.0.0.1:3000/v1/operations/op-1 http://localhost:3000/x
```

<!-- not run: needs AWS -->

```python
print("signed")
```

<!-- not run -->
```bash
make deploy
```

```json
{"not": "an example"}
```

```python
print(1)
```

<!-- run from the repository's root: tests/build/test_doc_commands.py -->
```sh
make invoke FN=F EVENT=events/e.json
```
"""


def test_examples_are_found_with_their_line_language_and_reason() -> None:
    found = examples(ROOT / "sample.md", SAMPLE)
    assert [(e.line, e.language, e.not_run_reason) for e in found] == [
        (3, "sh", None),
        (9, "python", "needs AWS"),
        (14, "sh", ""),
        (22, "python", None),
        (27, "sh", None),
    ]
    assert [e.in_repository for e in found] == [False, False, False, False, True]
    assert [e.line for e in runnable(ROOT / "sample.md", SAMPLE)] == [3, 22], "not the repository's block"
    assert found[0].where == "sample.md:3"
    assert found[3].text == "print(1)\n"


def test_the_default_address_becomes_the_servers() -> None:
    (first, *_) = examples(ROOT / "sample.md", SAMPLE)
    assert at_address(first.text, "http://127.0.0.1:45678") == (
        "curl -fsS http://127.0.0.1:45678/v1/operations/op-1 http://127.0.0.1:45678/x\n"
    )


def test_a_failing_example_is_told_by_file_and_line_with_its_output(tmp_path: Path) -> None:
    example = Example(ROOT / "docs" / "api.md", 12, "sh", "echo before\nfalse\necho after\n", None)
    answer = run_example(example, "http://127.0.0.1:9", tmp_path)
    message = failure(example, answer)
    assert message is not None
    assert message.startswith("docs/api.md:12: the sh example exited with 1")
    assert "before" in message
    assert "after" not in answer.stdout, "bash -e stops at the first failure"


def test_the_blocks_of_one_document_share_a_working_directory(tmp_path: Path) -> None:
    write = Example(ROOT / "README.md", 1, "sh", "echo kept > note.txt\n", None)
    read = Example(ROOT / "README.md", 2, "python", "print(open('note.txt').read().strip())\n", None)
    assert run_example(write, "http://127.0.0.1:9", tmp_path).returncode == 0
    assert run_example(read, "http://127.0.0.1:9", tmp_path).stdout == "kept\n"


# --- calling the deployed API (docs/deploy.md), which needs AWS to run for real ----------------------------

API_FROM_THE_STACK: Final = re.compile(r"\AAPI=\$\(aws cloudformation [^)]*\)\n")


def deployed_call_example() -> Example:
    (example,) = [e for e in examples(ROOT / "docs" / "deploy.md") if 'opsctl --endpoint "$API"' in e.text]
    return example


def signed_locally(example: Example) -> str:
    """The block without its first command, which reads ApiUrl from CloudFormation (API is set instead), and
    with `--sign`: the gate listens on 127.0.0.1, which the client does not sign for unless told."""
    text, found = API_FROM_THE_STACK.subn("", example.text)
    assert found == 1, example.text
    return text.replace("opsctl ", "opsctl --sign ")


@pytest.mark.http
def test_the_deployed_calls_sign_with_the_callers_credentials(local_api: str, tmp_path: Path) -> None:
    """docs/deploy.md's opsctl lines, through the SigV4 check the end-to-end suite uses in place of API
    Gateway's authorizer: a request whose signature does not hold gets its 403 and never reaches the API."""
    import botocore.session

    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "put_operation.json").write_bytes(
        (ROOT / "events" / "put_operation.json").read_bytes()
    )
    keys = botocore.session.get_session().get_credentials().get_frozen_credentials()
    with sigv4_gate(local_api, keys, "us-east-1") as gate:
        example = Example(ROOT / "docs" / "deploy.md", 0, "sh", signed_locally(deployed_call_example()), None)
        answer = run_example(example, local_api, tmp_path, API=gate.url + "/", AWS_REGION="us-east-1")
        assert answer.returncode == 0, answer.stderr
        assert gate.passed == 2
    etag, stored = answer.stdout.split("\n", 1)
    assert etag.startswith('"')
    assert json.loads(stored)["operation_id"] == "3f2b8c1e-7d4a-4e9b-9c2f-1a6d5e8b7c40"
