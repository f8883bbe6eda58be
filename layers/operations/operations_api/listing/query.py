"""Finding operations (docs/api.md, "Listing operations"): the query's parameters, the page token, a page.

The parameters are read from the raw query string, so that a repeated one is seen (API Gateway's
`queryStringParameters` joins repeats with commas). Every fault of the query is told at once, each naming
its parameter; the token is read only once the filters it must be bound to are valid.

A page token (`listing.token`) holds the order key of the page's last summary, bound by a digest to the
filters and the shard count (ListShards; for a cluster's list, the cluster index's own): a token altered,
cut short, made by another query or before the shard count changed is a 400 naming page_token. The digest
is not a secret (no HMAC, so no secret to provision and rotate): a client that forges a token with a
matching digest gains nothing, since its position is checked to be an order key within the query's time
bounds before DynamoDB sees it, and it reads only what these filters list anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, NamedTuple
from urllib.parse import parse_qsl

from operations_api import problems, store
from operations_api.fleet.layout import CLUSTER_SHARDS, cluster_partition
from operations_api.listing import shards as list_store
from operations_api.listing import token as page_token
from operations_api.listing.index import EVERY_STATUS, operation_id_of, shard_keys, time_of
from operations_api.listing.shards import Page, TimeBounds
from operations_api.record.rules import CLUSTER_ID_MAX_LENGTH, STATUSES, timestamp_fault
from operations_api.settings import get_settings

DEFAULT_PAGE_SIZE: Final = 25
MAX_PAGE_SIZE: Final = 100
MAX_TOKEN_LENGTH: Final = page_token.MAX_TOKEN_LENGTH
MAX_NAME_SHOWN: Final = 100  # an unknown parameter's name is clipped in the problem
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


class ListQuery(NamedTuple):
    statuses: tuple[str, ...]  # distinct, in the contract's order
    since: str | None
    before: str | None
    page_size: int
    page_token: str | None
    cluster: str | None = None  # only the operations that name this cluster_id

    def filters(self) -> dict[str, Any]:
        filters = {"status": list(self.statuses), "since": self.since, "before": self.before}
        return filters if self.cluster is None else {**filters, "cluster": self.cluster}


class Listing(NamedTuple):
    answer: dict[str, Any]
    page: Page


def list_operations(raw_query_string: str) -> Listing:
    """One page of the list, as the query asks: {"operations": [...], "next_page_token": ...}."""
    query = parse_query(raw_query_string)
    shard_count = CLUSTER_SHARDS if query.cluster is not None else get_settings().list_shards
    after = read_token(query, shard_count) if query.page_token is not None else None
    bounds = TimeBounds(query.since, query.before)
    try:
        page = list_store.query_page(
            shards_of(query, shard_count), after, bounds, query.page_size, store.now_seconds()
        )
    except store.StoreUnavailable:
        raise problems.store_unavailable(write=False) from None
    answer: dict[str, Any] = {"operations": page.summaries}
    if page.has_more and page.last_key is not None:
        answer["next_page_token"] = make_token(query, shard_count, page.last_key)
    return Listing(answer, page)


def shards_of(query: ListQuery, shard_count: int) -> list[str]:
    """The partitions a page reads: those of every status when no status is left out (no filter, or one
    naming them all), else each status's own; of the list's indexes (`shard_count` shards each), or of
    the cluster's in the fleet table (always CLUSTER_SHARDS)."""
    groups = (EVERY_STATUS,) if query.statuses == STATUSES else query.statuses
    if query.cluster is not None:
        cluster = query.cluster
        return [
            cluster_partition(cluster, group, number) for group in groups for number in range(CLUSTER_SHARDS)
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


def make_token(query: ListQuery, shard_count: int, last_key: str) -> str:
    """The token of the page after the one whose last summary has this order key."""
    return page_token.make_token(last_key, _binding(query, shard_count))


def read_token(query: ListQuery, shard_count: int) -> str:
    """The order key a token this query made resumes after; else a 400 problem naming page_token."""
    position = page_token.read_token(query.page_token or "", _binding(query, shard_count))
    if not _is_position_of(position, query):
        raise problems.invalid_page_token("it holds a position that is not one of this list")
    return position


def _is_position_of(position: str, query: ListQuery) -> bool:
    """An order key (a time and an id) within the query's time bounds."""
    if operation_id_of(position) is None:
        return False
    time = time_of(position)
    return (query.since is None or time >= query.since) and (query.before is None or time < query.before)


def _binding(query: ListQuery, shard_count: int) -> dict[str, Any]:
    return {"list": "operations", "filters": query.filters(), "shards": shard_count}


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
