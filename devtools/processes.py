"""A helper subprocess (dynalite, a local server) logging to a temporary file, stopped by its pid; whether a
process group still has a process."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from typing import IO

STOP_SECONDS = 10.0


@dataclass
class LoggedProcess:
    process: subprocess.Popen[bytes]
    log: IO[bytes]

    def output(self, last_chars: int | None = None) -> str:
        """What the process has written so far (its last characters, if asked)."""
        self.log.flush()
        self.log.seek(0)
        text = self.log.read().decode("utf-8", "replace")
        return text if last_chars is None else text[-last_chars:]

    def stop(self) -> None:
        """Stop the process by its pid: terminate, then kill if it lingers; close its log."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_SECONDS)
        self.log.close()


def group_alive(group: int) -> bool:
    """Whether a process of the group (a process started with start_new_session) still runs."""
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True
