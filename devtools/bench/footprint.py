"""Memory and size: each function's peak RSS, and the built layer's size unzipped and zipped."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from devtools.bench.cold import FUNCTIONS
from devtools.bench.fresh import Environment, probe, run_fresh
from devtools.bench.plan import event_for, record_with


def memory(environment: Environment, endpoint: str, files: Path) -> list[dict[str, Any]]:
    """Peak RSS of a fresh process that serves a first request and 20 more, per function."""
    rows = []
    for method, function in FUNCTIONS.items():
        event_file = files / f"{method}-memory-event.json"
        event_file.write_text(json.dumps(event_for(method, record_with(50))))
        args = probe("first_request", str(environment.function_root / function), str(event_file), "20")
        _, facts = run_fresh(environment.python, args, environment.layer_paths, endpoint)
        rows.append(
            {"function": function, "max_rss_mb": facts["max_rss_kb"] / 1024, "modules": facts["modules"]}
        )
    return rows


def layer_size(layer: Path, work: Path) -> dict[str, float]:
    archive = work / "layer.zip"
    unzipped = 0
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(layer.rglob("*")):
            if path.is_file():
                unzipped += path.stat().st_size
                bundle.write(path, path.relative_to(layer.parent))
    return {"unzipped_mb": unzipped / 1e6, "zipped_mb": archive.stat().st_size / 1e6}
