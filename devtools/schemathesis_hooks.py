"""What openapi.json cannot say, told to schemathesis (`schemathesis.toml` loads this module).

`schemathesis run openapi.json -c all` checks that every request that fits the schema is accepted, and
every other one refused. Three rules of a PUT are beyond a JSON Schema (docs/api.md, "The record", "Times"
and "Strict types"): the body's operation_id is the path's; last_update_time is not earlier than
occurred_time; an integer is written as one (JSON Schema takes 540.0 for the integer 540, the contract
refuses it). A generated PUT meant to fit the schema is made to keep them; so is a list's query, whose
page_token only the list can make and whose updated_since must come before updated_before, and so is a
history's query (its page_token too only the history makes). Every other value stays as generated.

And the local server stands in for API Gateway without its AWS_IAM authorizer (docs/deploy.md): the
signature the document requires is checked by API Gateway before any function runs, never by this code.
The failures that only say the local server does not check it are dropped.
"""

from __future__ import annotations

from typing import Any, Final

import schemathesis
from schemathesis import Case
from schemathesis.core.failures import AcceptedNegativeData, Failure
from schemathesis.core.transport import Response
from schemathesis.generation.meta import negated_parameters
from schemathesis.hooks import HookContext
from schemathesis.openapi.checks import IgnoredAuth, MissingHeaderNotRejected, UnsupportedMethodResponse

AUTHORIZATION: Final = "authorization"
LIST_PATH: Final = "/v1/operations"
HISTORY_PATH: Final = "/v1/operations/{operation_id}/history"


@schemathesis.hook
def before_call(context: HookContext, case: Case[Any], kwargs: dict[str, Any]) -> None:
    """Just before a request is sent, in every phase (a stateful one fills values from earlier answers)."""
    if case.method == "GET" and case.path == LIST_PATH and _meant_to_fit(case):
        case.query = list_query_that_fits(dict(case.query or {}))
    if case.method == "GET" and case.path == HISTORY_PATH and _meant_to_fit(case):
        case.query = {key: value for key, value in (case.query or {}).items() if key != "page_token"}
    if case.method != "PUT" or not isinstance(case.body, dict) or not _meant_to_fit(case):
        return
    body: dict[str, Any] = integers_as_integers(case.body)
    path_id = (case.path_parameters or {}).get("operation_id")
    if isinstance(path_id, str):
        body["operation_id"] = path_id
    occurred, updated = body.get("occurred_time"), body.get("last_update_time")
    if isinstance(occurred, str) and isinstance(updated, str) and updated < occurred:
        body["occurred_time"], body["last_update_time"] = updated, occurred
    case.body = body


@schemathesis.hook
def filter_failure(context: HookContext, failure: Failure, case: Case[Any], response: Response) -> bool:
    """False for a failure that only says the local server does not authenticate (API Gateway does), or
    that a method no route takes is a 404, not a 405: API Gateway's HTTP API answers so itself, before any
    function runs (docs/api.md, "Status codes"), and schemathesis excuses it only on paths with an id."""
    if isinstance(failure, IgnoredAuth):
        return False
    if isinstance(failure, UnsupportedMethodResponse):
        return response.status_code != 404
    if isinstance(failure, MissingHeaderNotRejected):
        return failure.header_name.lower() != AUTHORIZATION
    if isinstance(failure, AcceptedNegativeData):
        negated = {name.lower() for name, _ in negated_parameters(case.meta)}
        return negated != {AUTHORIZATION}
    return True


def list_query_that_fits(query: dict[str, Any]) -> dict[str, Any]:
    """The list's two rules beyond its schema (docs/api.md, "Listing operations"): a page_token is only
    ever one the list gave (a generated one is dropped), and updated_since comes before updated_before."""
    query.pop("page_token", None)
    since, before = query.get("updated_since"), query.get("updated_before")
    if isinstance(since, str) and isinstance(before, str) and since >= before:
        if since == before:
            del query["updated_before"]
        else:
            query["updated_since"], query["updated_before"] = before, since
    return query


def integers_as_integers(value: Any) -> Any:
    """The value with each whole float (540.0) as an integer (540): the record has no other numbers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: integers_as_integers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [integers_as_integers(item) for item in value]
    return value


def _meant_to_fit(case: Case[Any]) -> bool:
    meta = case.meta
    return meta is not None and meta.generation.mode.is_positive
