"""A page token (docs/api.md, "Listing operations"): where a list resumes, bound to the query that made it.

A token holds one position in the list's order (the last item a page returned), never a cursor per shard,
so its size does not grow with the filters or the shard count: base64url of a version byte, a digest and
the position's UTF-8 bytes, at most `MAX_TOKEN_LENGTH` characters. The digest is SHA-256 over the version,
what the token is bound to (the caller's filters, shard count, which list) and the position: a token
altered, cut short, or sent with another binding is refused. Any list can use it (`make_token`,
`read_token`); the caller checks that the position is one of its own list's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any, Final

from operations_api import problems

MAX_TOKEN_LENGTH: Final = 512  # characters: well within a request line's limit at API Gateway
VERSION: Final = 3  # 3: one position; 2 (a position per shard, JSON) is refused
DIGEST_BYTES: Final = 16
_HEADER_BYTES: Final = 1 + DIGEST_BYTES
MAX_POSITION_BYTES: Final = MAX_TOKEN_LENGTH * 3 // 4 - _HEADER_BYTES  # base64: 4 characters per 3 bytes


def make_token(position: str, binding: Mapping[str, Any]) -> str:
    """The token of a list that resumes after `position`, for the query `binding` describes."""
    raw = position.encode("utf-8")
    if len(raw) > MAX_POSITION_BYTES:
        raise ValueError(f"a position of {len(raw)} bytes does not fit a page token")
    data = bytes([VERSION]) + _digest(raw, binding) + raw
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def read_token(token: str, binding: Mapping[str, Any]) -> str:
    """The position a token made for this binding holds; else a 400 problem naming page_token."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise problems.invalid_page_token("it is empty or far too long")
    try:
        data = base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode("ascii"))
    except (ValueError, UnicodeError, binascii.Error):
        raise problems.invalid_page_token("it is not a token of this API") from None
    if base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii") != token:
        raise problems.invalid_page_token("it was altered, or made for other filters")  # another spelling
    if len(data) <= _HEADER_BYTES or data[0] != VERSION:
        raise problems.invalid_page_token("it is not a token of this API, or of an earlier release")
    raw = data[_HEADER_BYTES:]
    if not hmac.compare_digest(data[1:_HEADER_BYTES], _digest(raw, binding)):
        raise problems.invalid_page_token("it was altered, or made for other filters")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise problems.invalid_page_token("it is not a token of this API") from None


def _digest(raw_position: bytes, binding: Mapping[str, Any]) -> bytes:
    canonical = json.dumps(binding, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    hashed = hashlib.sha256(bytes([VERSION]) + canonical.encode("ascii") + b"\x00" + raw_position)
    return hashed.digest()[:DIGEST_BYTES]
