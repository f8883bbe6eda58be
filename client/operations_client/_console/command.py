"""The `opsctl console` command: serve the console on loopback until interrupted."""

from __future__ import annotations

import signal
from dataclasses import replace
from types import FrameType

import click

from operations_client._cli import Settings

DEFAULT_PORT = 8765


@click.command("console")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port on 127.0.0.1 (0: any free port).",
)
@click.option("--endpoint", metavar="URL", help="The API's URL (default: opsctl's --endpoint).")
@click.pass_obj
def console(settings: Settings, port: int, endpoint: str | None) -> None:
    """Serve a web view of the operations on http://127.0.0.1:PORT, until Ctrl-C.

    The console calls the API with your AWS credentials, as opsctl does; the browser never sees them.
    It answers only pages asked for at its own address, never other sites or other host names.
    """
    from operations_client._console.app import Console
    from operations_client._console.server import ConsoleServer, stderr_log

    if endpoint is not None:
        settings = replace(settings, endpoint=endpoint)
    client = settings.client()
    try:
        server = ConsoleServer(Console(client, client.endpoint), port, log=stderr_log)
    except OSError as error:
        raise click.ClickException(f"cannot listen on 127.0.0.1:{port}: {error.strerror}") from None
    stop_on_signals()
    click.echo(
        f"opsctl console on {server.url}/overview  (API: {client.endpoint})  Ctrl-C stops it.", err=True
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.server_close()


def stop_on_signals() -> None:
    """Ctrl-C (SIGINT) and SIGTERM stop the console. Set explicitly: a process started with SIGINT ignored
    (a script's background job) inherits that, and Python then never raises KeyboardInterrupt."""

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, interrupt)
