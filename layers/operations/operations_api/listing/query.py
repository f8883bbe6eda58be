"""Finding operations (docs/api.md, "Listing operations"): the query's parameters, the page token, a page.

The parameters are read from the raw query string, so that a repeated one is seen (API Gateway's
`queryStringParameters` joins repeats with commas). Every fault of the query is told at once, each naming
its parameter; the token is read only once the filters it must be bound to are valid.

A page token is base64url JSON: each shard's position (`listing.shards`) and a digest over those positions,
the filters and the shard count. It is opaque and bound: a token altered by one character, cut short,
made by another query, or made before the shard count changed fails the digest or the check of its
positions, and is a 400 naming page_token. The digest is not a secret (no HMAC): a client that forges a
token with a matching digest gains nothing, since every position is checked to be a real one for these
filters before DynamoDB sees it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl

from operations_api import problems, store
from operations_api.fleet.layout import cluster_partition
from operations_api.listing import shards as list_store
from operations_api.listing.index import (
    EVERY_STATUS,
    operation_id_of,
    shard_key,
    shard_keys,
    shard_number,
    time_of,
)
from operations_api.listing.shards import DONE, Page, Position, TimeBounds
from operations_api.record.rules import CLUSTER_ID_MAX_LENGTH, STATUSES, timestamp_fault
from operations_api.settings import get_settings

DEFAULT_PAGE_SIZE: Final = 25
MAX_PAGE_SIZE: Final = 100
MAX_TOKEN_LENGTH: Final = 16_384
MAX_NAME_SHOWN: Final = 100  # an unknown parameter's name is clipped in the problem
TOKEN_VERSION: Final = 2  # 2: a list of every status reads the index of every status
PARAMETERS: Final = {
    "status": "one status, or several separated by commas (status=executing,failed); absent: every status",
    "updated_since": "YYYYMMDD_hhmmss (UTC): only operations whose last_update_time is at or after it",
    "updated_before": "YYYYMMDD_hhmmss (UTC): only operations whose last_update_time is before it",
    "page_size": f"how many summaries a page holds, 1 to {MAX_PAGE_SIZE}; default {DEFAULT_PAGE_SIZE}",
    "page_token": "the next_page_token of the previous page, sent with the same filters",
    "cluster": "a cluster_id: only operations whose target_clusters or rollbacks name it, each summary "
    "with that cluster's state",
}
STATUS_RULE: Final = f"must be one or more of {', '.join(STATUSES)}, separated by commas"
PAGE_SIZE_RULE: Final = f"must be a whole number from 1 to {MAX_PAGE_SIZE}"
STATUS_HINT: Final = {"status": "several statuses go in one, separated by commas"}
CLUSTER_STATES: Final = ("pending", "succeeded", "failed")
CLUSTER_RULE: Final = f"must be a cluster_id of 1 to {CLUSTER_ID_MAX_LENGTH} characters"


@dataclass(frozen=True)
class ListQuery:
    statuses: tuple[str, ...]  # distinct, in the contract's order
    since: str | None
    before: str | None
    page_size: int
    page_token: str | None
    cluster: str | None = None  # only the operations that name this cluster_id

    def filters(self) -> dict[str, Any]:
        filters = {"status": list(self.statuses), "since": self.since, "before": self.before}
        return filters if self.cluster is None else {**filters, "cluster": self.cluster}


@dataclass(frozen=True)
class Listing:
    answer: dict[str, Any]
    page: Page


def list_operations(raw_query_string: str) -> Listing:
    """One page of the list, as the query asks: {"operations": [...], "next_page_token": ...}."""
    query = parse_query(raw_query_string)
    shard_count = get_settings().list_shards
    shards = shards_of(query, shard_count)
    starts = read_token(query, shard_count) if query.page_token is not None else dict.fromkeys(shards)
    try:
        page = list_store.query_page(
            starts, TimeBounds(query.since, query.before), query.page_size, store.now_seconds()
        )
    except store.StoreUnavailable:
        raise problems.store_unavailable(write=False) from None
    answer: dict[str, Any] = {"operations": page.summaries}
    if page.has_more:
        positions = [page.positions.get(shard, DONE) for shard in shards]
        answer["next_page_token"] = make_token(query, shard_count, positions)
    return Listing(answer, page)


def shards_of(query: ListQuery, shard_count: int) -> list[str]:
    """The partitions a page reads: those of every status when no status is left out (no filter, or one
    naming them all), else each status's own; of the list's indexes, or of the cluster's in the fleet
    table."""
    groups = (EVERY_STATUS,) if query.statuses == STATUSES else query.statuses
    if query.cluster is not None:
        cluster = query.cluster
        return [
            cluster_partition(cluster, group, number) for group in groups for number in range(shard_count)
        ]
    return shard_keys(groups, shard_count)


# --- the query's parameters ------------------------------------------------------------------------


def parse_query(raw_query_string: str) -> ListQuery:
    """The query's filters and page, or a 400 problem naming every parameter at fault."""
    faults: list[dict[str, str]] = []
    values = read_parameters(raw_query_string, PARAMETERS, faults, what="this list", hints=STATUS_HINT)
    statuses = _statuses(values.get("status"), faults)
    since = _time("updated_since", values.get("updated_since"), faults)
    before = _time("updated_before", values.get("updated_before"), faults)
    if since is not None and before is not None and since >= before:
        faults.append(problems.query_parameter_fault("updated_since", "must be before updated_before"))
    page_size = _page_size(values.get("page_size"), faults)
    cluster = _cluster(values.get("cluster"), faults)
    if faults:
        raise problems.invalid_query(faults)
    token = values.get("page_token", [None])[0]
    return ListQuery(statuses, since, before, page_size, token, cluster)


def read_parameters(
    raw_query_string: str,
    parameters: Iterable[str],
    faults: list[dict[str, str]],
    *,
    what: str,
    hints: Mapping[str, str] | None = None,
) -> dict[str, list[str]]:
    """Each parameter's values, as given (a repeated one is seen); a fault for each unknown parameter
    (`what` it is not a parameter of) and for each given more than once (with its hint, if any)."""
    known = list(parameters)
    values: dict[str, list[str]] = {}
    for name, value in parse_qsl(raw_query_string, keep_blank_values=True):
        values.setdefault(name, []).append(value)
    for name, given in values.items():
        if name not in known:
            detail = f"is not a parameter of {what}: {', '.join(known)}"
            faults.append(problems.query_parameter_fault(name[:MAX_NAME_SHOWN], detail))
        elif len(given) > 1:
            hint = (hints or {}).get(name)
            detail = "may be given once" + (f" ({hint})" if hint else "")
            faults.append(problems.query_parameter_fault(name, detail))
    return values


def _statuses(given: list[str] | None, faults: list[dict[str, str]]) -> tuple[str, ...]:
    if given is None:
        return STATUSES
    asked = set(given[0].split(","))
    if not asked or not asked <= set(STATUSES):
        faults.append(problems.query_parameter_fault("status", STATUS_RULE))
    return tuple(status for status in STATUSES if status in asked)


def _cluster(given: list[str] | None, faults: list[dict[str, str]]) -> str | None:
    if given is None or len(given) > 1:
        return None
    if not 1 <= len(given[0]) <= CLUSTER_ID_MAX_LENGTH:
        faults.append(problems.query_parameter_fault("cluster", CLUSTER_RULE))
        return None
    return given[0]


def _time(name: str, given: list[str] | None, faults: list[dict[str, str]]) -> str | None:
    if given is None:
        return None
    fault = timestamp_fault(given[0])
    if fault is not None:
        faults.append(problems.query_parameter_fault(name, fault))
        return None
    return given[0]


def _page_size(given: list[str] | None, faults: list[dict[str, str]]) -> int:
    if given is None:
        return DEFAULT_PAGE_SIZE
    text = given[0]
    if not (text.isascii() and text.isdigit() and len(text) <= 3 and 1 <= int(text) <= MAX_PAGE_SIZE):
        faults.append(problems.query_parameter_fault("page_size", PAGE_SIZE_RULE))
        return DEFAULT_PAGE_SIZE
    return int(text)


# --- the page token --------------------------------------------------------------------------------


def make_token(query: ListQuery, shard_count: int, positions: list[Position]) -> str:
    payload = {"v": TOKEN_VERSION, "p": positions, "d": _digest(query, shard_count, positions)}
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=True)
    return base64.urlsafe_b64encode(text.encode("ascii")).rstrip(b"=").decode("ascii")


def read_token(query: ListQuery, shard_count: int) -> dict[str, str | None]:
    """Where each shard that is not done starts, from a token this query made; else a 400 problem."""
    token = query.page_token or ""
    positions = _positions(token)
    if make_token(query, shard_count, positions) != token:
        raise problems.invalid_page_token("it was altered, or made for other filters")
    shards = shards_of(query, shard_count)
    if len(positions) != len(shards):
        raise problems.invalid_page_token("it was made for other filters")
    starts: dict[str, str | None] = {}
    for shard, position in zip(shards, positions, strict=True):
        if position is DONE:
            continue
        if isinstance(position, str) and not _is_position_of(shard, position, query, shard_count):
            raise problems.invalid_page_token("it holds a position that is not one of this list")
        starts[shard] = position if isinstance(position, str) else None
    return starts


def _positions(token: str) -> list[Position]:
    """The positions a token holds, if it is shaped as ours; its digest is checked by the caller."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise problems.invalid_page_token("it is empty or far too long")
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error, RecursionError):  # RecursionError: deep nesting
        raise problems.invalid_page_token("it is not a token of this API") from None
    positions = payload.get("p") if isinstance(payload, dict) else None
    if not isinstance(positions, list) or not all(
        position is None or position is DONE or isinstance(position, str) for position in positions
    ):
        raise problems.invalid_page_token("it is not a token of this API")
    return positions


def _is_position_of(shard: str, position: str, query: ListQuery, shard_count: int) -> bool:
    """A real order key of an operation that lives in this shard, within the query's time bounds."""
    operation_id = operation_id_of(position)
    if operation_id is None:
        return False
    group = shard.rpartition("#")[0]  # a status, or EVERY_STATUS
    in_shard = shard_key(group, shard_number(operation_id, shard_count)) == shard
    time = time_of(position)
    after_since = query.since is None or time >= query.since
    before_before = query.before is None or time < query.before
    return in_shard and after_since and before_before


def _digest(query: ListQuery, shard_count: int, positions: list[Position]) -> str:
    bound = {"filters": query.filters(), "shards": shard_count, "positions": positions}
    canonical = json.dumps(bound, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()[:32]


# --- what `make openapi` says of the route ---------------------------------------------------------

SUMMARY_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "description": "an operation's summary: small, derived from its record, never a body",
    "required": ["operation_id", "status", "occurred_time", "last_update_time", "request", "target_clusters"],
    "additionalProperties": False,
    "properties": {
        "operation_id": {"type": "string"},
        "status": {"type": "string", "enum": list(STATUSES)},
        "sub_status": {"type": "string", "description": "when the record has one"},
        "occurred_time": {"type": "string", "description": "YYYYMMDD_hhmmss, UTC"},
        "last_update_time": {"type": "string", "description": "YYYYMMDD_hhmmss, UTC"},
        "request": {
            "type": "object",
            "required": ["method", "uri"],
            "additionalProperties": False,
            "properties": {"method": {"type": "string"}, "uri": {"type": "string"}},
        },
        "response_status_code": {"type": "integer", "description": "when the record has a response"},
        "target_clusters": {
            "type": "object",
            "description": "of the record's target clusters: a status_code below 400, at or above, none",
            "required": ["total", "succeeded", "failed", "pending"],
            "additionalProperties": False,
            "properties": {
                name: {"type": "integer", "minimum": 0}
                for name in ("total", "succeeded", "failed", "pending")
            },
        },
        "cluster": {
            "type": "object",
            "description": "in a list with cluster=ID only: that cluster's request (state) and rollback "
            "request (rollback), each the worst of the record's requests for it (failed, then pending, "
            "then succeeded); absent when the record has none",
            "required": ["cluster_id"],
            "additionalProperties": False,
            "properties": {
                "cluster_id": {"type": "string"},
                "state": {"type": "string", "enum": list(CLUSTER_STATES)},
                "rollback": {"type": "string", "enum": list(CLUSTER_STATES)},
            },
        },
    },
}

PAGE_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["operations"],
    "additionalProperties": False,
    "properties": {
        "operations": {
            "type": "array",
            "description": "newest first (last_update_time descending, then operation_id ascending)",
            "items": {"$ref": "#/components/schemas/OperationSummary"},
        },
        "next_page_token": {
            "type": "string",
            "description": "present only when another page follows; send it with the same filters",
        },
    },
}
