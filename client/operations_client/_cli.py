"""opsctl's commands: get, put, list, count and watch operations, and read their history (docs/client.md).

Run through operations_client.cli.main, which first checks that the [cli] extra is installed.

Exit status: EXIT_STATUSES, which `opsctl --help` shows.
Rich is imported only for table and live output, so `-o json` starts as fast as the library allows.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any, Final, get_args

import click

from operations_client._client import OperationsClient, StoredRecord
from operations_client._errors import OperationsError, WaitTimeout
from operations_client._record import Status
from operations_client._times import to_api_time

EXIT_NOT_VERIFIED: Final = 1
EXIT_API_ERROR: Final = 4
EXIT_INTERRUPTED: Final = 130  # as a shell reports SIGINT
MAX_PAGE_SIZE: Final = 100
WHOLE: Final = sys.maxsize  # `--help` lists each command's first sentence whole, never cut with "..."
EXIT_STATUSES: Final = """\b
Exit status:
  0    done; watch: the operation completed
  1    watch: the operation failed; history --verify: an entry does not
       verify; console: it cannot listen on its port
  2    a usage error: an unknown option, a bad time or status, no endpoint,
       a file that is not a JSON record
  3    watch: the operation was canceled
  4    an error answer of the API, or a failure of the client (no connection,
       no credentials), told on stderr as "error: STATUS CODE: detail"
  124  watch: --timeout passed first
  130  interrupted (Ctrl-C)
"""
STATUSES: Final = get_args(Status)
OUTPUT = click.Choice(["table", "json"])

# Commands imported only when run: "name": "module:attribute".
LAZY_COMMANDS: Final[dict[str, str]] = {"console": "operations_client._console:console"}


class OpsctlGroup(click.Group):
    """Reports API and client errors in words (code, detail, each fault) and exits 4, never with a
    traceback; loads the LAZY_COMMANDS on demand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            module, _, attribute = LAZY_COMMANDS[cmd_name].partition(":")
            command: click.Command = getattr(importlib.import_module(module), attribute)
            return command
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=WHOLE)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OperationsError as error:
            report(error)
            ctx.exit(EXIT_API_ERROR)
        except KeyboardInterrupt:  # Click's own handling would exit 1, which `watch` gives to `failed`
            click.echo("interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)


def report(error: OperationsError) -> None:
    status = f"{error.status} " if error.status else ""
    click.echo(f"error: {status}{error.code}: {error.detail}", err=True)
    for fault in error.errors:
        where = fault.get("pointer") or fault.get("parameter") or fault.get("header")
        detail = fault.get("detail", "")
        click.echo(f"  {where}: {detail}" if where else f"  {detail}", err=True)


@dataclass
class Settings:
    endpoint: str | None
    region: str | None
    sign: bool | None

    def client(self) -> OperationsClient:
        if not self.endpoint:
            raise click.UsageError("no endpoint: pass --endpoint URL or set OPERATIONS_API_URL")
        try:
            return OperationsClient(self.endpoint, region=self.region, sign=self.sign)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--endpoint") from None


@click.group(cls=OpsctlGroup, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_STATUSES)
@click.option(
    "--endpoint",
    envvar="OPERATIONS_API_URL",
    show_envvar=True,
    metavar="URL",
    help="The API's base URL (stack output ApiUrl); a trailing /v1 is dropped.",
)
@click.option("--region", help="AWS region to sign for (default: the endpoint's, then AWS configuration).")
@click.option(
    "--sign/--no-sign",
    default=None,
    help="Sign requests with SigV4 (default: yes, except to 127.0.0.1, localhost and [::1]).",
)
@click.version_option(package_name="operations-client", prog_name="opsctl")
@click.pass_context
def cli(ctx: click.Context, endpoint: str | None, region: str | None, sign: bool | None) -> None:
    """Get, put, list and watch the operations of the operations API, and read their history."""
    ctx.obj = Settings(endpoint, region, sign)


@cli.command()
@click.argument("operation_id")
@click.option(
    "--sequence",
    type=click.IntRange(min=1),
    metavar="N",
    help="The record as it was after change N of its history (see opsctl history).",
)
@click.option("-o", "--output", type=OUTPUT, default="table", show_default=True)
@click.pass_obj
def get(settings: Settings, operation_id: str, sequence: int | None, output: str) -> None:
    """Show one operation; -o json prints the record exactly as the API returned it."""
    stored = settings.client().get(operation_id, sequence=sequence)
    if output == "json":
        click.echo(stored.raw)
    else:
        from operations_client import _views

        print_rich(_views.record_view(stored))


@cli.command()
@click.argument("operation_id")
@click.option("-f", "--file", "source", type=click.File("rb"), required=True, help="The record (JSON), or -.")
@click.option(
    "--if-match",
    metavar="ETAG",
    callback=lambda _ctx, _param, value: quoted_entity_tag(value),
    help="Store only over this version (an ETag from get or put; quoted for you if bare).",
)
@click.option("--if-none-match", is_flag=True, help="Store only if no operation has this id yet.")
@click.pass_obj
def put(
    settings: Settings, operation_id: str, source: IO[bytes], if_match: str | None, if_none_match: bool
) -> None:
    """Create or replace an operation's record; prints the stored version's ETag."""
    record = read_record(source)
    stored = settings.client().put(operation_id, record, if_match=if_match, if_none_match=if_none_match)
    click.echo(stored.etag)


def quoted_entity_tag(value: str | None) -> str | None:
    """A bare tag (abc, as copied without its quotes) quoted ("abc"); `*`, a weak tag (W/"…") and quoted
    tags (one or a list) are sent as given."""
    if value is None or value.strip() == "*" or value.lstrip().startswith(('"', "W/")):
        return value
    return f'"{value.strip()}"'


def read_record(source: IO[bytes]) -> dict[str, Any]:
    try:
        record = json.loads(source.read())
    except (ValueError, UnicodeDecodeError) as error:
        raise click.BadParameter(f"not JSON: {error}", param_hint="--file") from None
    if not isinstance(record, dict):
        raise click.BadParameter("the record must be a JSON object", param_hint="--file")
    return record


def parse_statuses(_ctx: click.Context, _param: click.Parameter, value: str | None) -> list[str] | None:
    if value is None:
        return None
    statuses = [status.strip() for status in value.split(",")]
    unknown = [status for status in statuses if status not in STATUSES]
    if unknown:
        raise click.BadParameter(f"unknown status {', '.join(unknown)}; one of {', '.join(STATUSES)}")
    return statuses


def parse_time(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    try:
        return None if value is None else to_api_time(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@cli.command(name="list")
@click.option("--status", callback=parse_statuses, metavar="S[,S…]", help="Only these statuses.")
@click.option(
    "--since", callback=parse_time, metavar="T", help="Updated at or after T (YYYYMMDD_hhmmss, 15m, 2h, 7d)."
)
@click.option("--before", callback=parse_time, metavar="T", help="Updated before T (same forms).")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="At most N operations (default: all).")
@click.option("--cluster", metavar="ID", help="Only those that name this cluster, with its state there.")
@click.option("-o", "--output", type=OUTPUT, default="table", show_default=True)
@click.pass_obj
def list_operations(
    settings: Settings,
    status: list[str] | None,
    since: str | None,
    before: str | None,
    limit: int | None,
    cluster: str | None,
    output: str,
) -> None:
    """List operations, newest first, following the pages."""
    summaries: Iterator[dict[str, Any]] = settings.client().list(
        status=status,
        updated_since=since,
        updated_before=before,
        page_size=min(limit or MAX_PAGE_SIZE, MAX_PAGE_SIZE),
        cluster=cluster,
    )
    found = list(islice(summaries, limit))
    if output == "json":
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
    else:
        from operations_client import _views

        console = rich_console()
        console.print(_views.summaries_table(found, console.width, by_cluster=cluster is not None))
    if not found:
        filtered = any(value is not None for value in (status, since, before, cluster))
        click.echo("no operation matches these filters" if filtered else "no operations yet", err=True)


@cli.command()
@click.option(
    "--hours",
    type=int,
    metavar="N",
    help="Finished in the last N whole hours, 1-720 (default: the API's, 24).",
)
@click.option("-o", "--output", type=OUTPUT, default="table", show_default=True)
@click.pass_obj
def counts(settings: Settings, hours: int | None, output: str) -> None:
    """Count operations by status: in progress now, and finished in the last hours."""
    answer = settings.client().counts(hours=hours)
    if output == "json":
        click.echo(answer.raw)
    else:
        from operations_client import _views

        print_rich(_views.counts_table(answer))


@cli.command()
@click.argument("operation_id")
@click.option(
    "--verify",
    is_flag=True,
    help="Check every digest, each version rebuilt from the changes, and the last against the record.",
)
@click.option("-o", "--output", type=OUTPUT, default="table", show_default=True)
@click.pass_obj
def history(settings: Settings, operation_id: str, verify: bool, output: str) -> None:
    """Show every change of an operation, oldest first: when, who, its status and what changed.

    -o json prints the entries as the API returned them. --verify prints nothing else: exit 0 when the
    history verifies, else 1, naming the first entry that does not and what is wrong with it.
    """
    from operations_client._history import HistoryMismatch

    client = settings.client()
    if verify:
        try:
            verified = client.verify_history(operation_id, page_size=MAX_PAGE_SIZE)
        except HistoryMismatch as mismatch:
            click.echo(f"the history of {operation_id!r} does not verify: {mismatch}", err=True)
            sys.exit(EXIT_NOT_VERIFIED)
        last = f"the last is the current record ({verified.version})"
        click.echo(f"verified: {verified.entries} entries; {last}")
        return
    entries = client.history(operation_id, page_size=MAX_PAGE_SIZE)
    if output == "json":
        click.echo(json.dumps(list(entries), indent=2, ensure_ascii=False))
        return
    from operations_client._timeline import step_lines, steps

    for step in steps(entries):
        click.echo("\n".join(step_lines(step)))


@cli.command()
@click.argument("operation_id")
@click.option("--timeout", type=click.FloatRange(min=0), default=3600, show_default=True, help="Seconds.")
@click.option("--interval", type=click.FloatRange(min=0.05), default=1.0, show_default=True, help="Seconds.")
@click.pass_obj
def watch(settings: Settings, operation_id: str, timeout: float, interval: float) -> None:
    """Follow an operation until it finishes: exit 0 completed, 1 failed, 3 canceled, 124 timeout.

    An operation not created yet is waited for (saying so once), up to --timeout.
    """
    from operations_client import _watching

    def say_waiting() -> None:
        click.echo(f"waiting for operation {operation_id!r} to be created (up to {timeout:g} s)", err=True)

    versions = settings.client().follow(operation_id, timeout, interval=interval, until_created=say_waiting)
    try:
        final = follow_live(versions) if sys.stdout.isatty() else follow_lines(versions)
    except WaitTimeout as error:
        click.echo(f"timeout: {error.detail}", err=True)
        sys.exit(_watching.EXIT_TIMEOUT)
    sys.exit(_watching.EXIT_STATUS[final.record["status"]])


def follow_lines(versions: Iterator[StoredRecord]) -> StoredRecord:
    from operations_client._watching import change_line

    stored = next(versions)
    click.echo(change_line(stored))
    for stored in versions:
        click.echo(change_line(stored))
    return stored


def follow_live(versions: Iterator[StoredRecord], console: Any = None) -> StoredRecord:
    from rich.live import Live

    from operations_client import _views

    view = _views.WatchView()
    with Live(view, console=console, refresh_per_second=4):
        for stored in versions:
            view.stored = stored
    assert view.stored is not None  # follow() yields at least once or raises
    return view.stored


def rich_console() -> Any:
    from rich.console import Console

    return Console(soft_wrap=False)


def print_rich(renderable: Any) -> None:
    rich_console().print(renderable)
