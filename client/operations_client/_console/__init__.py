"""`opsctl console`: a local web view of operations, served on 127.0.0.1 (see docs/console.md).

The CLI imports this package only when `opsctl console` runs, so other commands never load Jinja2 or the
server.
"""

from operations_client._console.command import console

__all__ = ["console"]
