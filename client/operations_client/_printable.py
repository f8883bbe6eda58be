"""A record's text made safe for a terminal: its control characters shown, never obeyed.

A record holds whatever its writers sent; an ESC in a sub status would otherwise recolour, retitle or clear
the reader's terminal. Each control character is written as Python writes it in a string (`\\x1b`, `\\n`).
"""

from __future__ import annotations

import re
from typing import Final

CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    return CONTROL.sub(lambda found: repr(found.group())[1:-1], text)
