"""opsctl's entry point: the command line when the client's [cli] extra is installed, else one line saying
how to install it (exit 2), never a traceback. The library alone (`pip install ./client`) carries no
package for the terminal."""

from __future__ import annotations

import sys
from importlib.util import find_spec
from typing import Final

CLI_PACKAGES: Final = ("click", "rich", "jinja2")  # the [cli] extra of client/pyproject.toml
EXIT_USAGE: Final = 2


def missing_packages() -> list[str]:
    return [name for name in CLI_PACKAGES if find_spec(name) is None]


def main() -> None:
    missing = missing_packages()
    if missing:
        print(
            f"opsctl needs the client's cli extra ({', '.join(missing)} missing): "
            "pip install './client[cli]' (or 'operations-client[cli]')",
            file=sys.stderr,
        )
        sys.exit(EXIT_USAGE)
    from operations_client._cli import cli

    cli(prog_name="opsctl")


if __name__ == "__main__":
    main()
