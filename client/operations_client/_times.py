"""The command line's times: the API's YYYYMMDD_hhmmss (UTC), or a relative form such as 15m, 2h or 7d."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Final

API_FORMAT: Final = "%Y%m%d_%H%M%S"
TIMESTAMP: Final = re.compile(r"[0-9]{8}_[0-9]{6}")
RELATIVE: Final = re.compile(r"([0-9]+)([smhdw])")
UNITS: Final = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def to_api_time(text: str, now: datetime | None = None) -> str:
    """`text` as the API's UTC timestamp: itself when it is one, else `now` minus the relative amount."""
    text = text.strip()
    if TIMESTAMP.fullmatch(text):
        parse_api_time(text)  # a real calendar time, or ValueError
        return text
    relative = RELATIVE.fullmatch(text)
    if relative is None:
        raise ValueError(f"{text!r} is neither YYYYMMDD_hhmmss (UTC) nor a relative time such as 15m, 2h, 7d")
    amount = timedelta(**{UNITS[relative.group(2)]: int(relative.group(1))})
    return ((now or datetime.now(UTC)) - amount).strftime(API_FORMAT)


def parse_api_time(text: str) -> datetime:
    try:
        return datetime.strptime(text, API_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"{text!r} is not a real calendar time (YYYYMMDD_hhmmss, UTC)") from None
