"""Write layers/operations/operations_api/botocore_data/endpoints.json: botocore's own endpoint data
(botocore/data/endpoints.json, as installed) cut down to the services the functions call
(`clients.SERVICES`), every partition and its defaults kept.

`make botocore-data` writes it; tests/unit/test_clients.py fails when the committed file differs from this
output, and checks that a client made with it resolves every region of every partition as botocore's
whole file does. docs/design.md, "botocore's endpoint data, cut to our services", says why.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from botocore.loaders import Loader

from devtools.template import ROOT
from operations_api import clients

TARGET = ROOT / "layers" / "operations" / "operations_api" / "botocore_data" / "endpoints.json"


def cut(endpoints: dict[str, Any], services: tuple[str, ...]) -> dict[str, Any]:
    """`endpoints` with each partition's services narrowed to `services`."""
    partitions = [
        {
            **partition,
            "services": {name: data for name, data in partition["services"].items() if name in services},
        }
        for partition in endpoints["partitions"]
    ]
    return {**endpoints, "partitions": partitions}


def render() -> str:
    """The file as botocore's installed endpoint data gives it."""
    whole = Loader().load_data("endpoints")
    return json.dumps(cut(whole, clients.SERVICES), indent=1, sort_keys=True) + "\n"


def main(target: Path = TARGET) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
