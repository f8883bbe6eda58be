"""The history routes' inputs (docs/api.md, "History"): the path's sequence, the page's query parameters and
its page token.

The query string is read raw, as the list's is (`listing.query`), so that a repeated parameter is seen;
every fault is told at once, each naming its parameter. A page token is the list's (`listing.token`): its
position is the sequence the next page starts at, bound to the operation's id and its life (the head's). A
token of another operation, of an earlier life of this one (its id created anew after it expired), altered
or cut short fails the digest: a 400 naming page_token. Its length does not grow with the id or the history
(36 characters at most). Not a secret: a forged token names a sequence, which is checked against the head
before DynamoDB sees it.
"""

from __future__ import annotations

from typing import Any, Final, NamedTuple
from urllib.parse import parse_qsl

from operations_api import problems
from operations_api.history import layout
from operations_api.listing import token as page_token
from operations_api.record.rules import STATUSES

DEFAULT_PAGE_SIZE: Final = 25
MAX_PAGE_SIZE: Final = 100
MAX_NAME_SHOWN: Final = 100  # an unknown parameter's name is clipped in the problem
PARAMETERS: Final = {
    "page_size": f"how many entries a page holds at most, 1 to {MAX_PAGE_SIZE}; default {DEFAULT_PAGE_SIZE}",
    "page_token": "the next_page_token of the previous page of this operation's history",
}
PAGE_SIZE_RULE: Final = f"must be a whole number from 1 to {MAX_PAGE_SIZE}"
SEQUENCE_RULE: Final = "must be a positive whole number (1, 2, 3, …)"


class HistoryQuery(NamedTuple):
    page_size: int
    page_token: str | None


def parse_sequence(text: str) -> int:
    """The path's sequence, or a 400 naming `sequence`."""
    digits = len(text) <= layout.SEQUENCE_DIGITS and text.isascii() and text.isdigit()
    if not digits or int(text) < 1:
        raise problems.invalid_path_parameter("sequence", SEQUENCE_RULE, write=False)
    return int(text)


def parse_query(raw_query_string: str) -> HistoryQuery:
    """The page's size and token, or a 400 problem naming every parameter at fault."""
    values: dict[str, list[str]] = {}
    for name, value in parse_qsl(raw_query_string, keep_blank_values=True):
        values.setdefault(name, []).append(value)
    faults = [_fault(name, len(given)) for name, given in values.items()]
    page_size = values.get("page_size", [str(DEFAULT_PAGE_SIZE)])[0]
    if (
        not (len(page_size) <= 3 and page_size.isascii() and page_size.isdigit())
        or not 1 <= int(page_size) <= MAX_PAGE_SIZE
    ):
        faults.append(problems.query_parameter_fault("page_size", PAGE_SIZE_RULE))
    told = [fault for fault in faults if fault is not None]
    if told:
        raise problems.invalid_query(told)
    return HistoryQuery(int(page_size), values.get("page_token", [None])[0])


def _fault(name: str, count: int) -> dict[str, str] | None:
    if name not in PARAMETERS:
        detail = f"is not a parameter of this history: {', '.join(PARAMETERS)}"
        return problems.query_parameter_fault(name[:MAX_NAME_SHOWN], detail)
    if count > 1:
        return problems.query_parameter_fault(name, "may be given once")
    return None


def make_token(operation_id: str, life: str, sequence: int) -> str:
    return page_token.make_token(str(sequence), _binding(operation_id, life))


def read_token(token: str, operation_id: str, life: str, last_sequence: int) -> int:
    """The sequence a page starts at, from a token this operation's history gave; else a 400 problem."""
    text = page_token.read_token(token, _binding(operation_id, life))
    digits = 0 < len(text) <= layout.SEQUENCE_DIGITS and text.isascii() and text.isdigit()
    if not digits or not 1 <= int(text) <= last_sequence:
        raise problems.invalid_page_token("it names an entry this history does not have")
    return int(text)


def _binding(operation_id: str, life: str) -> dict[str, str]:
    return {"history": operation_id, "life": life}


# --- what `make openapi` says of the routes ----------------------------------------------------------

ENTRY_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "description": 'one accepted change of the operation (docs/api.md, "History")',
    "required": [
        "sequence",
        "version",
        "recorded_time",
        "principal",
        "status",
        "previous_status",
        "last_update_time",
        "changes",
        "digest",
    ],
    "additionalProperties": False,
    "properties": {
        "sequence": {"type": "integer", "minimum": 1, "description": "1, 2, 3, … with no gap"},
        "version": {
            "type": "string",
            "description": "the ETag value (unquoted) of the record this change made",
        },
        "recorded_time": {"type": ["string", "null"], "description": "YYYYMMDD_hhmmss, UTC, by the service"},
        "principal": {"type": ["string", "null"], "description": "the caller's IAM identity (userArn)"},
        "status": {"type": "string", "enum": list(STATUSES)},
        "previous_status": {"type": ["string", "null"], "description": "null for sequence 1"},
        "last_update_time": {"type": "string", "description": "YYYYMMDD_hhmmss, UTC"},
        "changes": {
            "type": "array",
            "description": "an RFC 6902 JSON Patch from the previous version to this one",
            "items": {"type": "object"},
        },
        "digest": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
    },
}

PAGE_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["entries"],
    "additionalProperties": False,
    "properties": {
        "entries": {
            "type": "array",
            "description": "oldest first; page_size at most, fewer if the page would pass 5 MB; never none",
            "items": {"$ref": "#/components/schemas/HistoryEntry"},
        },
        "next_page_token": {"type": "string", "description": "present only when another page follows"},
    },
}
