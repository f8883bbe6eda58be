"""The contract's field rules (docs/api.md, "The record"), in plain Python with no pydantic.

`models` builds the record's pydantic models on these rules. The GET function checks its one input, the
path's operation_id, with them directly: a GET never needs the models, and not importing pydantic keeps
its cost out of the GET's cold start (docs/performance.md, "Cold start").
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

STATUSES: Final = ("unexecuted", "executing", "completed", "failed", "canceled")
TERMINAL_STATUSES: Final = frozenset({"completed", "failed", "canceled"})
STATUSES_WITH_RESPONSE: Final = frozenset({"completed", "failed"})

OPERATION_ID_MAX_LENGTH: Final = 128
OPERATION_ID_PATTERN: Final = r"^[A-Za-z0-9._~-]{1,128}$"
# Every HTTP client resolves the path segments `.` and `..` away (RFC 3986, section 5.2.4): a record stored
# under either id could never be read, so neither is an id.
UNREADABLE_OPERATION_IDS: Final = (".", "..")
OPERATION_ID_RULE: Final = (
    "must be 1 to 128 characters, each an ASCII letter, a digit, '-', '.', '_' or '~', and not '.' or '..'"
)
# What summaries, events, index keys and URLs carry is bounded (docs/api.md, "Identifiers"); a longer value
# is a 400 naming its pointer. The operation's own `request.uri` only: the clusters' are in no summary.
CLUSTER_ID_MAX_LENGTH: Final = 512
SUB_STATUS_MAX_LENGTH: Final = 2_048
OPERATION_URI_MAX_LENGTH: Final = 8_192
TIMESTAMP_PATTERN: Final = r"^[0-9]{8}_[0-9]{6}$"
TIMESTAMP_RULE: Final = "must be a UTC time as YYYYMMDD_hhmmss, e.g. 20261122_064230"
TIMESTAMP_CALENDAR_RULE: Final = "is not a real calendar date and time (YYYYMMDD_hhmmss, UTC)"
# The same rule as one regular expression, for the OpenAPI document (`make openapi`), where a schema can say
# no more than a pattern: years 0001-9999, each month's length, 29 February in leap years only, hours
# 00-23, minutes and seconds 00-59. `timestamp_fault` stays the check the service runs (a test keeps the
# two in agreement).
_YEAR: Final = "(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
_LEAP_YEAR: Final = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][48]|[13579][26]|[2468]0)00)"
_MONTH_DAY: Final = (
    "(?:(?:0[1-9]|1[0-2])(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])(?:29|30)|(?:0[13578]|1[02])31)"
)
TIMESTAMP_SCHEMA_PATTERN: Final = (
    f"^(?:{_YEAR}{_MONTH_DAY}|{_LEAP_YEAR}0229)_(?:[01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]$"
)

_OPERATION_ID: Final = re.compile(OPERATION_ID_PATTERN)
_TIMESTAMP: Final = re.compile(TIMESTAMP_PATTERN)


def is_operation_id(value: str) -> bool:
    # fullmatch: `$` would also accept one trailing newline
    return _OPERATION_ID.fullmatch(value) is not None and value not in UNREADABLE_OPERATION_IDS


def timestamp_fault(value: str) -> str | None:
    """What is wrong with a YYYYMMDD_hhmmss timestamp, or None when it is a real UTC time."""
    if _TIMESTAMP.fullmatch(value) is None:
        return TIMESTAMP_RULE
    try:
        datetime(
            int(value[0:4]),
            int(value[4:6]),
            int(value[6:8]),
            int(value[9:11]),
            int(value[11:13]),
            int(value[13:15]),
        )
    except ValueError:
        return TIMESTAMP_CALENDAR_RULE
    return None
