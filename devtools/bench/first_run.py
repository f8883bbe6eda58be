"""Suite "first_run": `make run` twice on a fresh clone of this repository, timed from the command to the
banner that says the API listens: the first installs its environment, the second only serves (and, not in
a quick run, the first again with an empty download cache).
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from devtools.processes import group_alive
from devtools.template import ROOT
from tests.support.servers import LISTENING

# what this process's own environment would give the clone's make and Python that a newcomer's has not
LEFT_OUT = ("VIRTUAL_ENV", "PYTHONPATH", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")


@dataclass(frozen=True)
class Start:
    seconds: float  # wall time, on a machine shared with other work
    cpu_seconds: float  # what make and every process it started spent on the CPU: the machine's load aside
    installed_mb: float  # .venv-run and .tools/uv on disk after it


def cpu_of_session(session: int) -> float:
    """CPU seconds of every process of a session so far: each live one's own, plus what it reaped."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # a process that ended meanwhile: its parent has counted it
            continue
        if int(fields[3]) == session:
            ticks += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def timed_make_run(clone: Path, environment: dict[str, str], timeout: float = 600) -> tuple[float, float]:
    """Seconds from `make run` to its banner, and the CPU seconds it took; the server is then stopped (its
    process group, by pid), and every process of the group waited for: make exits before the server it
    started has finished stopping (and writing its bytecode), and the clone is not removed under them."""
    started = time.perf_counter()
    command = ["make", "--no-print-directory", "run", "PORT=0"]
    process = subprocess.Popen(
        command,
        cwd=clone,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if LISTENING.search(line):
                return time.perf_counter() - started, cpu_of_session(process.pid)
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"make run in {clone}: no banner within {timeout:.0f} s")
        raise RuntimeError(f"make run in {clone} gave no banner (exit {process.poll()})")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        deadline = time.perf_counter() + 30
        while group_alive(process.pid):
            if time.perf_counter() > deadline:
                raise RuntimeError(f"make run's processes (group {process.pid}) still run 30 s after SIGTERM")
            time.sleep(0.05)


def installed_mb(clone: Path) -> float:
    sizes = subprocess.run(
        ["du", "-sk", str(clone / ".venv-run"), str(clone / ".tools" / "uv")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sum(int(line.split()[0]) for line in sizes.splitlines()) / 1024


def first_run(cache: Path | None) -> tuple[Start, Start]:
    """The first `make run` of a fresh clone (installing), then the second (serving only)."""
    environment = {key: value for key, value in os.environ.items() if key not in LEFT_OUT}
    if cache is not None:
        environment.update(UV_CACHE_DIR=str(cache), PIP_NO_CACHE_DIR="1")
    with tempfile.TemporaryDirectory(prefix="bench-first-run-") as scratch:
        clone = Path(scratch) / "clone"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        first = Start(*timed_make_run(clone, environment), installed_mb(clone))
        second = Start(*timed_make_run(clone, environment), installed_mb(clone))
    return first, second


def measure(quick: bool) -> dict[str, Any]:
    first, second = first_run(cache=None)
    found: dict[str, Any] = {"first": asdict(first), "second": asdict(second), "empty_caches": None}
    if not quick:
        with tempfile.TemporaryDirectory(prefix="bench-first-run-cache-") as cache:
            found["empty_caches"] = asdict(first_run(cache=Path(cache))[0])
    return found
