"""The `opsctl console` command: serve the console on loopback until interrupted."""

from __future__ import annotations

import click

DEFAULT_PORT = 8765


@click.command("console")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port on 127.0.0.1 (0: any free port).",
)
@click.option(
    "--endpoint",
    envvar="OPERATIONS_API_URL",
    required=True,
    metavar="URL",
    help="The API's base URL (or OPERATIONS_API_URL).",
)
@click.option("--region", default=None, help="AWS region for signing (default: from the URL or AWS config).")
@click.option(
    "--sign/--no-sign",
    default=None,
    help="Sign the API calls with SigV4 (default: unsigned for loopback endpoints only).",
)
def console(port: int, endpoint: str, region: str | None, sign: bool | None) -> None:
    """Serve a web view of the operations on http://127.0.0.1:PORT, until Ctrl-C.

    The console calls the API with your AWS credentials; the browser never sees them. It answers only
    pages asked for from its own address (not other sites, not other host names).
    """
    from operations_client import OperationsClient
    from operations_client.console.app import Console
    from operations_client.console.server import ConsoleServer, stderr_log

    client = OperationsClient(endpoint, region=region, sign=sign)
    try:
        server = ConsoleServer(Console(client, endpoint), port, log=stderr_log)
    except OSError as error:
        raise click.ClickException(f"cannot listen on 127.0.0.1:{port}: {error.strerror}") from None
    click.echo(f"opsctl console on {server.url}/  (API: {endpoint})  Ctrl-C stops it.", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.server_close()
