"""Precompile the built artifacts' bytecode for the Lambda runtime's Python (`make build` runs this).

Lambda's file system is read-only, so a layer shipped without .pyc files compiles every module it imports
at each cold start. Bytecode depends on the Python version only (not the architecture), so a Python of the
runtime's version on this machine compiles it for arm64 and x86_64 alike. `unchecked-hash` pyc files are
used as they are, whatever the files' timestamps after packaging. Where no such Python exists, this says so
and the build goes on without bytecode. Standard library only: it runs in any environment.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path


def find_python(version: str) -> str | None:
    """python3.X on PATH, or in pyenv's versions folder."""
    found = shutil.which(f"python{version}")
    if found and _reports_version(found, version):
        return found
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    for candidate in sorted(glob.glob(f"{pyenv_root}/versions/{version}*/bin/python{version}"), reverse=True):
        if _reports_version(candidate, version):
            return candidate
    return None


def _reports_version(python: str, version: str) -> bool:
    try:
        answer = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return answer.stdout.strip() == version


def artifact_dirs(build_dir: Path) -> list[Path]:
    """Each layer's python/ folder and each function's folder of a `sam build` output."""
    dirs = []
    for artifact in sorted(path for path in build_dir.iterdir() if path.is_dir()):
        layer_python = artifact / "python"
        dirs.append(layer_python if layer_python.is_dir() else artifact)
    return dirs


def precompile(build_dir: Path, version: str) -> bool:
    python = find_python(version)
    if python is None:
        print(
            f"precompile: no Python {version} on this machine, so the artifacts ship without bytecode: "
            "each cold start will compile the modules it imports (slower). Install Python "
            f"{version} and run `make build` again to ship bytecode.",
            file=sys.stderr,
        )
        return False
    dirs = [str(path) for path in artifact_dirs(build_dir)]
    command = [python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", *dirs]
    subprocess.run(command, check=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""})
    print(f"precompile: bytecode for Python {version} ({python}) in {len(dirs)} artifacts", file=sys.stderr)
    return True


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m devtools.precompile <build-dir> <python-version, e.g. 3.13>", file=sys.stderr)
        return 2
    build_dir = Path(argv[0])
    if not build_dir.is_dir():
        print(f"precompile: {build_dir} does not exist: run `make build`", file=sys.stderr)
        return 2
    precompile(build_dir, argv[1])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
