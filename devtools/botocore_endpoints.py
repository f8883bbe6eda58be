"""Write layers/operations/operations_api/botocore_data/<botocore version>/endpoints.json: the endpoint data
of the botocore installed (botocore/data/endpoints.json), cut down to the services the functions call
(`clients.SERVICES`), every partition and its defaults kept; and remove the cut of any other version.

The lock pins the botocore the layer ships, so the cut is of the botocore the functions run; `make
botocore-data` writes it (`make upgrade` too), and tests/unit/test_clients.py fails when the committed cut is
not this output, and checks that a client made with it resolves every region of every partition as
botocore's whole file does. docs/design.md, "botocore's endpoint data, cut to our services", says why.
"""

from __future__ import annotations

import json
import shutil
from typing import Any

import botocore
from botocore.loaders import Loader

from devtools.template import ROOT
from operations_api import clients

FOLDER = ROOT / "layers" / "operations" / "operations_api" / "botocore_data"
TARGET = FOLDER / botocore.__version__ / "endpoints.json"


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
    """The cut of botocore's own endpoint data (never a user's, from ~/.aws/models or AWS_DATA_PATH)."""
    own = Loader(extra_search_paths=[Loader.BUILTIN_DATA_PATH], include_default_search_paths=False)
    return json.dumps(cut(own.load_data("endpoints"), clients.SERVICES), indent=1, sort_keys=True) + "\n"


def main() -> None:
    for folder in FOLDER.glob("*"):
        if folder.is_dir() and folder != TARGET.parent:
            shutil.rmtree(folder)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
