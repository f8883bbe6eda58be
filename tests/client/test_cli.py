"""opsctl, every command and exit status, against the local server (docs/client.md, "Exit status")."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from operations_client import OperationsClient
from operations_client import _cli as cli_module
from operations_client._cli import EXIT_STATUSES, LAZY_COMMANDS, quoted_entity_tag
from operations_client._watching import EXIT_STATUS, EXIT_TIMEOUT
from tests.client.fake_api import FakeApi, Reply, summary
from tests.support.cli import RunCli, record_file
from tests.support.records import record_for


def test_put_prints_the_stored_etag_and_get_json_prints_the_body_as_returned(
    run_cli: RunCli, client: OperationsClient, new_id: str, tmp_path: Any
) -> None:
    put = run_cli("put", new_id, "-f", record_file(tmp_path, record_for(new_id)))
    assert put.exit_code == 0, put.stderr
    stored = client.get(new_id)
    assert put.stdout == f"{stored.etag}\n"
    got = run_cli("get", new_id, "-o", "json")
    assert got.exit_code == 0
    assert got.stdout == stored.raw + "\n"


def test_put_reads_stdin_and_honours_preconditions(run_cli: RunCli, new_id: str) -> None:
    body = json.dumps(record_for(new_id))
    first = run_cli("put", new_id, "-f", "-", "--if-none-match", input=body)
    assert first.exit_code == 0
    again = run_cli("put", new_id, "-f", "-", "--if-none-match", input=body)
    assert again.exit_code == 4
    assert "412 PRECONDITION_FAILED" in again.stderr
    changed = json.dumps(record_for(new_id, sub_status="2/3"))
    matched = run_cli("put", new_id, "-f", "-", "--if-match", first.stdout.strip(), input=changed)
    assert matched.exit_code == 0
    assert matched.stdout != first.stdout


def test_get_table_shows_the_record_and_its_clusters(run_cli: RunCli, failed_op: str) -> None:
    result = run_cli("get", failed_op)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert any(line.split()[:2] == ["status", "failed"] for line in lines)
    assert any(line.split()[:3] == ["cluster-b", "failed", "409"] for line in lines)
    assert "2/3 clusters done, 1 failed" in result.stdout
    assert max(len(line.rstrip()) for line in lines) <= 80


def test_an_api_error_is_told_on_stderr_with_each_fault(run_cli: RunCli, new_id: str) -> None:
    bad = json.dumps(record_for(new_id, status="finished", colour="red"))
    result = run_cli("put", new_id, "-f", "-", input=bad)
    assert result.exit_code == 4
    assert result.stdout == ""
    assert result.stderr.startswith("error: 400 VALIDATION_ERROR: ")
    assert "  /status: " in result.stderr
    assert "  /colour: " in result.stderr
    missing = run_cli("get", "no-such-op")
    assert (missing.exit_code, missing.stderr.split(":")[:2]) == (4, ["error", " 404 OPERATION_NOT_FOUND"])


@pytest.mark.parametrize(
    ("args", "told"),
    [
        (["get"], "Missing argument"),
        (["get", "op", "-o", "yaml"], "'yaml' is not one of"),
        (["put", "op"], "Missing option '-f'"),
        (["put", "op", "-f", "/no/such/file"], "No such file"),
        (["list", "--status", "done"], "unknown status done"),
        (["list", "--since", "yesterday"], "relative time"),
        (["list", "--before", "20261399_000000"], "not a real calendar time"),
        (["list", "--limit", "0"], "--limit"),
        (["watch", "op", "--interval", "0"], "--interval"),
        (["frobnicate"], "No such command"),
    ],
)
def test_usage_errors_exit_2(run_cli: RunCli, args: list[str], told: str) -> None:
    result = run_cli(*args)
    assert result.exit_code == 2
    assert told in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("body", "told"), [("{not json", "not JSON"), ("[1, 2]", "JSON object")])
def test_a_file_that_is_no_record_is_a_usage_error(run_cli: RunCli, body: str, told: str) -> None:
    result = run_cli("put", "op", "-f", "-", input=body)
    assert result.exit_code == 2
    assert told in result.stderr


def test_an_endpoint_is_required_and_must_be_a_url(run_cli: RunCli) -> None:
    missing = run_cli("get", "op", endpoint=None)
    assert missing.exit_code == 2
    assert "OPERATIONS_API_URL" in missing.stderr
    bad = run_cli("--endpoint", "localhost:3000", "get", "op")
    assert bad.exit_code == 2
    assert "http" in bad.stderr


def test_no_server_is_an_error_in_words(run_cli: RunCli, sleeps: list[float]) -> None:
    result = run_cli("--endpoint", "http://127.0.0.1:9", "get", "op")
    assert result.exit_code == 4
    assert "CONNECTION_FAILED" in result.stderr
    assert "Connection refused" in result.stderr


def test_missing_credentials_for_a_signed_endpoint(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = run_cli("--endpoint", "https://abc.execute-api.eu-west-1.amazonaws.com", "get", "op")
    assert result.exit_code == 4
    assert "CREDENTIALS_MISSING" in result.stderr


# --- list ----------------------------------------------------------------------------------------------


def test_list_json_follows_the_pages_into_one_array(fake_api: FakeApi, run_cli: RunCli) -> None:
    fake_api.summaries = [summary(n) for n in range(230)]
    result = run_cli("--endpoint", fake_api.url, "list", "-o", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == fake_api.summaries
    assert [r.query.get("page_size") for r in fake_api.received] == ["100", "100", "100"]


def test_list_sends_the_filters_and_stops_at_the_limit(fake_api: FakeApi, run_cli: RunCli) -> None:
    fake_api.summaries = [summary(n) for n in range(30)]
    args = ["--status", "executing,failed", "--since", "20261122_000000", "--before", "2h", "--limit", "12"]
    result = run_cli("--endpoint", fake_api.url, "list", *args, "-o", "json")
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == 12
    (received,) = fake_api.received
    assert received.query["status"] == "executing,failed"
    assert received.query["updated_since"] == "20261122_000000"
    assert len(received.query["updated_before"]) == len("20261122_000000")
    assert received.query["page_size"] == "12"


def test_list_table_is_readable_at_80_columns(fake_api: FakeApi, run_cli: RunCli) -> None:
    fake_api.summaries = [summary(1), summary(2, "failed")]
    result = run_cli("--endpoint", fake_api.url, "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["OPERATION", "STATUS", "UPDATED", "CLUSTERS"], "no room for the request"
    assert max(len(line.rstrip()) for line in lines) <= 80
    assert [line.split()[0] for line in lines[1:]] == [summary(1)["operation_id"], summary(2)["operation_id"]]
    assert lines[2].split()[1:] == ["failed", "20261122_070002", "2/3", "(1✗)"]


def test_list_table_gives_the_request_what_room_is_left(fake_api: FakeApi, run_cli: RunCli) -> None:
    fake_api.summaries = [summary(1), {**summary(2), "operation_id": "op-2"}]
    result = run_cli("--endpoint", fake_api.url, "list", columns=100)
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["OPERATION", "STATUS", "UPDATED", "REQUEST", "CLUSTERS"]
    assert max(len(line.rstrip()) for line in lines) <= 100
    request = lines[1][lines[0].index("REQUEST") : lines[0].index("CLUSTERS")].strip()
    assert request.startswith("POST /v1/networks/with")
    assert request.endswith("…"), "cut, with an ellipsis"


def test_an_id_too_long_for_one_line_is_folded_whole(fake_api: FakeApi, run_cli: RunCli) -> None:
    fake_api.summaries = [{**summary(1), "operation_id": "x" * 60}]
    lines = run_cli("--endpoint", fake_api.url, "list").stdout.splitlines()
    first_column = lines[0].index("STATUS")
    assert "".join(line[:first_column].strip() for line in lines[1:]) == "x" * 60


@pytest.mark.parametrize(
    ("filters", "told"),
    [
        ([], "no operations yet"),
        (["--status", "canceled", "--since", "7d"], "no operation matches these filters"),
    ],
)
def test_an_empty_list_is_a_header_or_an_empty_array_and_said_on_stderr(
    fake_api: FakeApi, run_cli: RunCli, filters: list[str], told: str
) -> None:
    table = run_cli("--endpoint", fake_api.url, "list", *filters)
    assert (table.exit_code, table.stderr) == (0, f"{told}\n")
    assert table.stdout.split() == ["OPERATION", "STATUS", "UPDATED", "REQUEST", "CLUSTERS"]
    as_json = run_cli("--endpoint", fake_api.url, "list", *filters, "-o", "json")
    assert (as_json.exit_code, as_json.stderr) == (0, f"{told}\n")
    assert json.loads(as_json.stdout) == []


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("abc", '"abc"'),
        ("3f2a9c", '"3f2a9c"'),
        ('"abc"', '"abc"'),
        ('W/"abc"', 'W/"abc"'),
        ("*", "*"),
        ('"a", "b"', '"a", "b"'),
    ],
)
def test_a_bare_if_match_is_quoted_and_any_other_sent_as_given(
    fake_api: FakeApi, run_cli: RunCli, given: str, sent: str
) -> None:
    fake_api.answer(Reply(200, record_for("op-1"), {"ETag": '"new"'}))
    body = json.dumps(record_for("op-1"))
    result = run_cli("--endpoint", fake_api.url, "put", "op-1", "-f", "-", "--if-match", given, input=body)
    assert result.exit_code == 0, result.stderr
    assert fake_api.received[0].headers["If-Match"] == sent
    assert quoted_entity_tag(given) == sent


def test_an_unquoted_etag_from_get_is_a_valid_if_match(run_cli: RunCli, new_id: str) -> None:
    body = json.dumps(record_for(new_id))
    etag = run_cli("put", new_id, "-f", "-", input=body).stdout.strip()
    bare = etag.strip('"')
    changed = json.dumps(record_for(new_id, sub_status="2/3"))
    result = run_cli("put", new_id, "-f", "-", "--if-match", bare, input=changed)
    assert result.exit_code == 0, result.stderr
    stale = run_cli("put", new_id, "-f", "-", "--if-match", bare, input=body)
    assert (stale.exit_code, stale.stderr.split(":")[1]) == (4, " 412 PRECONDITION_FAILED")


@pytest.mark.parametrize("suffix", ["/v1", "/v1/", "/"], ids=["v1", "v1-slash", "slash"])
def test_an_endpoint_with_the_version_reaches_the_api(
    run_cli: RunCli, local_api: str, failed_op: str, suffix: str
) -> None:
    result = run_cli("--endpoint", local_api + suffix, "get", failed_op, "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["operation_id"] == failed_op


def test_a_lazy_command_is_listed_and_imported_only_to_run(
    run_cli: RunCli, failed_op: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(LAZY_COMMANDS, "show", "operations_client._cli:get")
    assert "show" in run_cli("--help").stdout.split()
    result = run_cli("show", failed_op, "-o", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["operation_id"] == failed_op


# --- every error opsctl can print, documented ---------------------------------------------------------

CLIENT = Path(cli_module.__file__).parent
CLIENT_DOC = CLIENT.parents[1] / "docs" / "client.md"
USAGE_ERROR = 2  # Click's
CLICK_EXCEPTION = 1  # Click's, for `console`'s "cannot listen"


def test_every_code_the_client_gives_itself_is_in_docs_client_md() -> None:
    source = "\n".join(path.read_text(encoding="utf-8") for path in CLIENT.rglob("*.py"))
    codes = set(re.findall(r'client_problem\(\s*"([A-Z_]+)"', source))
    assert codes >= {"CONNECTION_FAILED", "CREDENTIALS_MISSING", "INVALID_ANSWER", "WAIT_TIMEOUT"}
    document = CLIENT_DOC.read_text(encoding="utf-8")
    assert [code for code in sorted(codes) if f"| `{code}` |" not in document] == []
    assert "| `HTTP_<status>` |" in document


def test_every_exit_status_is_in_help_and_docs_client_md() -> None:
    statuses = {
        USAGE_ERROR,
        CLICK_EXCEPTION,
        cli_module.EXIT_API_ERROR,
        cli_module.EXIT_INTERRUPTED,
        EXIT_TIMEOUT,
        *EXIT_STATUS.values(),
    }
    in_help = {int(status) for status in re.findall(r"^  (\d+) ", EXIT_STATUSES, re.MULTILINE)}
    table = CLIENT_DOC.read_text(encoding="utf-8").split("### Exit status", 1)[1].split("\n#", 1)[0]
    in_doc = {int(status) for status in re.findall(r"^\| (\d+) \|", table, re.MULTILINE)}
    assert in_help == in_doc == statuses
