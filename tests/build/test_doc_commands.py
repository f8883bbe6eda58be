"""Every command the developer docs show inline or in a table runs in a test exactly as written, from the
repository's root, or is marked not run with the reason (what needs AWS, Docker or a deployed stack).

tests/http/test_doc_examples.py runs the docs' ```sh and ```python blocks; this runs what they show
outside blocks (`make ...`, `.venv/bin/...` in prose and in docs/development.md's table of commands) and
the blocks marked `<!-- run from the repository's root: ... -->`. A command that appears in a doc and
not in COMMANDS below fails `test_every_command_the_docs_show_is_run_or_says_why`.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TypeVar

import pytest

from devtools.processes import LoggedProcess, group_alive
from devtools.template import ROOT
from tests.http.test_doc_examples import DOCUMENTS as EXAMPLE_DOCUMENTS
from tests.http.test_doc_examples import FENCE, Example, examples
from tests.support.build import as_a_user_runs_make, handler_result
from tests.support.http import call
from tests.support.servers import LISTENING

DOCUMENTS: Final = [
    ROOT / "README.md",
    *(
        ROOT / "docs" / name
        for name in (
            "development.md",
            "client.md",
            "deploy.md",
            "operate.md",
            "events.md",
            "api.md",
            "console.md",
            "design.md",
        )
    ),
]
CODE_SPAN: Final = re.compile(r"`([^`\n]+)`")
COMMAND: Final = re.compile(
    r"^(?:make\b|\.venv[\w-]*/bin/|opsctl\b|python3?\b|pip\b|sam\b|aws\b|docker\b|API=|PORT=|FN=)"
)
COMMAND_SECONDS: Final = 1800  # an outer bound only: `make test-fast` runs the whole fast suite
STARTUP_SECONDS: Final = 300  # the first `make run` installs .venv-run
Answer = subprocess.CompletedProcess[str]
T = TypeVar("T")


@dataclass(frozen=True)
class Runs:
    """Run here, from the repository's root, exactly as written; `check` looks at its answer."""

    marker: str  # build or slow (none of these belongs in `make test-fast`), http for a quick one
    check: Callable[[Answer], None]


@dataclass(frozen=True)
class RunBy:
    """Another test runs it as written (or, for a placeholder such as <port>, with the value filled in)."""

    test: str  # path::function


@dataclass(frozen=True)
class NotRun:
    reason: str


@dataclass(frozen=True)
class Names:
    """Prose naming a tool or target, not a command line; `where` runs what it names."""

    where: str


def succeeds(answer: Answer) -> None:
    assert answer.returncode == 0, answer.stdout[-4000:] + answer.stderr[-4000:]


def passed_tests(answer: Answer) -> None:
    succeeds(answer)
    assert re.search(r"\d+ passed", answer.stdout), answer.stdout[-2000:]


def deploy_build_made(answer: Answer) -> None:
    succeeds(answer)
    assert_pure_python(ROOT / ".aws-sam" / "build")


def get_on_a_fresh_table_is_404(answer: Answer) -> None:
    assert handler_result(answer)["statusCode"] == 404


def the_insert_is_published(answer: Answer) -> None:
    assert handler_result(answer) == {"batchItemFailures": []}
    assert "invoke: 1 change events published" in answer.stderr
    # the writer that events/put_operation.json's IAM authorizer names, as the PUT stored it
    assert '"principal": "arn:aws:iam::123456789012:user/deployer"' in answer.stderr


def counts_on_fresh_tables_are_zero(answer: Answer) -> None:
    result = handler_result(answer)
    assert result["statusCode"] == 200
    counts = json.loads(result["body"])
    assert sum(counts["in_progress"].values()) + sum(counts["finished"].values()) == 0, counts


HERE: Final = "tests/build/test_doc_commands.py::"
SCHEMATHESIS_TEST: Final = (
    "tests/integrity/test_stock_schemathesis.py::"
    "test_schemathesis_run_with_every_check_passes_against_the_local_server"
)
GENERATED: Final = HERE + "test_a_generator_leaves_the_committed_copy_as_it_is"
COMMANDS: Final[dict[str, Runs | RunBy | NotRun | Names]] = {
    # docs/development.md, its table of commands and its prose
    "make run": RunBy(HERE + "test_make_run_as_written_serves_until_stopped"),
    "PORT=8080 make run": RunBy(HERE + "test_make_run_as_written_serves_until_stopped"),
    "pip install ./client": RunBy(
        "tests/client/test_install.py::"
        "test_the_library_alone_reads_and_writes_without_a_package_for_the_terminal"
    ),
    "pip install './client[cli]'": RunBy(
        "tests/client/test_install.py::test_the_installed_opsctl_reads_an_operation"
    ),
    "make layer-pins": RunBy(GENERATED),
    "make test": NotRun("what CI runs (.ci/run): a test running it would run itself"),
    "make test-fast": NotRun(
        "every test it runs, make test runs too (the doubling cost CI ten minutes); the same target runs "
        "as written below, with PYTEST_ARGS, and tests/test_collection.py checks its selection"
    ),
    "make test-fast PYTEST_ARGS=tests/devtools": Runs("slow", passed_tests),
    "make build": Runs("build", deploy_build_made),
    "make invoke FN=GetOperationFunction EVENT=events/get_operation.json": Runs(
        "build", get_on_a_fresh_table_is_404
    ),
    "make invoke FN=PublishEventsFunction EVENT=events/dynamodb_stream_insert.json": Runs(
        "build", the_insert_is_published
    ),
    "make invoke FN=GetHistoryFunction EVENT=events/get_history.json": Runs(
        "build", get_on_a_fresh_table_is_404
    ),
    "make invoke FN=CountOperationsFunction EVENT=events/count_operations.json": Runs(
        "build", counts_on_fresh_tables_are_zero
    ),
    "make invoke FN=GetOperationFunction EVENT=events/get_operation.json "
    "DYNAMODB_ENDPOINT_URL=http://127.0.0.1:<port>": RunBy(
        "tests/build/test_invoke.py::"
        "test_invokes_given_make_runs_dynamodb_see_each_others_records_and_the_servers"
    ),
    "make openapi": RunBy(GENERATED),
    "make record-schema": RunBy(GENERATED),
    "make botocore-data": RunBy(GENERATED),
    "make client-types": RunBy(GENERATED),
    "make stream-fixtures": RunBy(GENERATED),
    "make screenshots": RunBy(HERE + "test_make_screenshots_photographs_the_console"),
    "make upgrade": NotRun(
        "moves every pin to the registries' latest and rewrites the locks; "
        "tests/devtools/test_make.py checks its steps"
    ),
    "make bench": NotRun(
        "measures for many minutes and rewrites docs/performance.md; "
        "tests/devtools/test_bench*.py run its parts"
    ),
    ".venv/bin/schemathesis run openapi.json -c all": RunBy(
        SCHEMATHESIS_TEST
    ),  # with --url: 3000 may be taken
    "make invoke": Names("tests/build/test_invoke.py"),
    "opsctl console": Names("tests/console/test_command.py"),
    "python": Names("the examples' interpreter"),
    "sam build": Names("make build, above"),
    "sam validate --lint": Names("make test's scan step"),
    "sam local invoke": NotRun("needs Docker (docs/deploy.md, its block not run)"),
    "sam local start-api": NotRun("needs Docker (docs/deploy.md, its block not run)"),
    # docs/client.md
    "make": Names("the Makefile: every target above"),
    "opsctl": Names("tests/client/test_cli.py"),
    "opsctl --help": RunBy(
        "tests/client/test_opsctl_script.py::"
        "test_help_shows_each_command_s_description_whole_and_every_exit_status"
    ),
    "opsctl watch": Names("docs/client.md's block of commands, run by tests/http/test_doc_examples.py"),
    # README.md's prose (ID: an operation or cluster id)
    "opsctl history ID --verify": RunBy(
        "tests/client/test_history.py::test_verify_names_the_first_altered_entry_and_what_is_wrong"
    ),
    "opsctl counts": RunBy("tests/client/test_fleet.py::test_opsctl_counts_is_a_compact_table"),
    "opsctl list --cluster ID": RunBy(
        "tests/client/test_fleet.py::test_opsctl_list_of_one_cluster_shows_its_state_and_rollback"
    ),
    # docs/deploy.md
    ".venv-sam/bin/sam": Names("make build and make test run it"),
    "sam": Names("the SAM CLI: make build and make test run it"),
    "make build ARCH=x86_64": RunBy(HERE + "test_make_build_for_x86_64_then_for_the_deploy"),
    "make build ARCH=...": Names("make build ARCH=x86_64, above"),
    "aws configure": NotRun("needs an AWS account"),
    "aws dynamodb update-table --table-name <TableName> --no-deletion-protection-enabled": NotRun(
        "changes a deployed table"
    ),
    "sam deploy": NotRun("needs an AWS account"),
    # docs/operate.md
    "make backfill": RunBy(
        "tests/ops/test_backfill.py::test_the_documented_commands_count_then_re_index_as_written"
    ),
    "aws lambda update-alias --function-name ... --name live --function-version N": NotRun(
        "needs a deployed stack"
    ),
}


def shown_commands(document: Path) -> set[str]:
    """The code spans outside fenced blocks that read as a command line."""
    prose, in_block = [], False
    for line in document.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            in_block = not in_block
        elif not in_block:
            prose.append(line)
    return {span for span in CODE_SPAN.findall("\n".join(prose)) if COMMAND.match(span)}


def run_as_written(command: str, **environment: str) -> Answer:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", command],
        cwd=ROOT,
        env={**as_a_user_runs_make(), **environment},
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
        check=False,
    )


def assert_pure_python(build_dir: Path) -> None:
    """A build for either architecture: the layer holds no extension module, so it runs on both."""
    assert sorted((build_dir / "OperationsLayer" / "python").rglob("*.so")) == []


def test_every_command_the_docs_show_is_run_or_says_why() -> None:
    shown = set().union(*(shown_commands(document) for document in DOCUMENTS))
    assert shown - set(COMMANDS) == set(), "a new command: run it here, or add it to COMMANDS with why not"
    assert set(COMMANDS) - shown == set(), "no doc shows these any more: remove them from COMMANDS"


def test_what_runs_elsewhere_names_a_test_that_exists() -> None:
    for command, how in COMMANDS.items():
        if isinstance(how, RunBy):
            path, function = how.test.split("::")
            assert f"def {function}(" in (ROOT / path).read_text(encoding="utf-8"), command
        if isinstance(how, NotRun):
            assert how.reason, command


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(command, marks=getattr(pytest.mark, how.marker))
        for command, how in COMMANDS.items()
        if isinstance(how, Runs)
    ],
)
def test_the_command_runs_as_written(command: str) -> None:
    how = COMMANDS[command]
    assert isinstance(how, Runs)
    how.check(run_as_written(command))


REPOSITORY_BLOCKS: Final = [
    example for document in EXAMPLE_DOCUMENTS for example in examples(document) if example.in_repository
]


@pytest.mark.build
@pytest.mark.parametrize("example", REPOSITORY_BLOCKS, ids=lambda example: example.where)
def test_a_block_marked_to_run_from_the_repository_runs_there(example: Example) -> None:
    succeeds(run_as_written(example.text))


def test_the_stream_consumers_block_is_one_of_them() -> None:
    assert any("FN=PublishEventsFunction" in example.text for example in REPOSITORY_BLOCKS)


@pytest.mark.build
def test_make_build_for_x86_64_then_for_the_deploy() -> None:
    """docs/deploy.md's other architecture, then `make build` again: the deploy's build is left as it was."""
    succeeds(run_as_written("make build ARCH=x86_64"))
    assert_pure_python(ROOT / ".aws-sam" / "build")
    deploy_build_made(run_as_written("make build"))


@contextmanager
def tracked_files_kept() -> Iterator[list[str]]:
    """Yields, once the block is done, the tracked files it changed (put back as they were)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=120)
    paths = [ROOT / name for name in listed.stdout.decode().split("\0") if name and (ROOT / name).is_file()]
    before = {path: path.read_bytes() for path in paths}
    changed: list[str] = []
    try:
        yield changed
    finally:
        for path, content in before.items():
            if not path.is_file() or path.read_bytes() != content:
                changed.append(str(path.relative_to(ROOT)))
                path.write_bytes(content)


@pytest.mark.slow
@pytest.mark.parametrize("command", [command for command, how in COMMANDS.items() if how == RunBy(GENERATED)])
def test_a_generator_leaves_the_committed_copy_as_it_is(command: str) -> None:
    with tracked_files_kept() as changed:
        succeeds(run_as_written(command))
    assert changed == [], f"`{command}` changed what is committed: run it and commit the result"


@pytest.mark.browser
def test_make_screenshots_photographs_the_console() -> None:
    if not (Path("/usr/bin/chromium").exists() and Path("/usr/bin/chromedriver").exists()):
        pytest.skip("make screenshots needs chromium and chromedriver (make test installs them)")
    pictures = sorted((ROOT / "docs").glob("console-*.png"))
    with tracked_files_kept() as changed:
        succeeds(run_as_written("make screenshots"))
        for picture in pictures:
            assert picture.read_bytes().startswith(b"\x89PNG\r\n\x1a\n"), picture
    assert set(changed) <= {str(picture.relative_to(ROOT)) for picture in pictures}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("command", "environment"),
    [("make run", {"PORT": "0"}), ("PORT=8080 make run", {})],
    ids=["make-run", "port-8080"],
)
def test_make_run_as_written_serves_until_stopped(
    command: str, environment: dict[str, str], tmp_path: Path
) -> None:
    """`make run` as a user types it (the bare form on any free port: PORT=0 in the environment, as 3000 may
    be taken), its banner awaited, a request served, then Ctrl-C to the process group it leads: every
    process gone."""
    if command.startswith("PORT=8080") and port_taken(8080):
        pytest.skip("port 8080 is taken on this machine: `PORT=8080 make run` cannot listen there")
    log = (tmp_path / "make-run.log").open("w+b")
    process = subprocess.Popen(
        ["bash", "-c", command],
        cwd=ROOT,
        env={**as_a_user_runs_make(), **environment},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own group: make, and the server make starts
    )
    running = LoggedProcess(process, log)
    said = ""
    try:
        banner = poll_until(
            lambda: LISTENING.search(running.output()) or process.poll() is not None, STARTUP_SECONDS, running
        )
        if banner is True and "port 8080 is taken" in running.output():
            pytest.skip("another process took port 8080 first: `PORT=8080 make run` said so and stopped")
        assert isinstance(banner, re.Match), running.output()
        assert banner.group(1).endswith(":8080") == ("8080" in command), banner.group(1)
        assert call(f"{banner.group(1)}/v1/operations/op-none").status == 404
        os.killpg(process.pid, signal.SIGINT)
        poll_until(
            lambda: process.poll() is not None and not group_alive(process.pid), STARTUP_SECONDS, running
        )
        said = running.output()
    finally:
        if group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
        running.stop()
    assert "DYNAMODB_ENDPOINT_URL=http://127.0.0.1:" in said, said


def port_taken(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def poll_until(condition: Callable[[], T], seconds: float, running: LoggedProcess) -> T:
    """The condition's first true value, polled until an outer deadline (never a budget to meet)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s; make run said: {running.output(3000)}")
