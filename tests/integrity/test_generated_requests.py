"""Hostile input, generated (docs/api.md, "Strict types"): schemathesis reads the committed openapi.json
and sends requests that fit it and requests that break it, over HTTP, to the local server. Whatever it
sends: no 5xx, every 4xx is a problem document, every 2xx is a record valid against the schema, with the
documented headers.

The document's security scheme (SigV4 in the Authorization header) is API Gateway's business: the local
server checks no signatures, so generated Authorization headers are simply ignored.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Final

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode, Response
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.raw_http import PROBLEM_MEMBERS

pytestmark = pytest.mark.fuzzing

OPENAPI: Final = Path(__file__).resolve().parents[2] / "openapi.json"
OPERATION_PATH: Final = "/v1/operations/{operation_id}"
EXAMPLES_PER_KIND: Final = 300  # x 2 methods x (fitting, breaking) = 1,200 requests
MINIMUM_REQUESTS: Final = 1000
CHECKS: Final = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

KNOWN_IDS: Final = ("generated-1", "generated-2", "generated-3")
VALID_TIMES: Final = ("20261122_064230", "20261122_064231", "20261122_070000", "20261123_000000")

schema = schemathesis.openapi.from_path(OPENAPI)


def storable(case: Case[Any], operation_id: str, last_update_time: str) -> Case[Any]:
    """A schema-valid case made likely to be stored, by the contract's rules that a schema cannot say:
    the path's id in the body, real times (a pattern-valid YYYYMMDD_hhmmss is almost never a real date),
    a response when finished. Ids and times drawn from a few let GETs find records and reports go stale."""
    case.path_parameters = {**(case.path_parameters or {}), "operation_id": operation_id}
    if not isinstance(case.body, dict):
        return case
    body: dict[str, Any] = {**case.body, "operation_id": operation_id, "occurred_time": VALID_TIMES[0]}
    body["last_update_time"] = last_update_time
    if isinstance(body.get("rollbacks"), dict):
        body["rollbacks"] = {**body["rollbacks"], "occurred_time": last_update_time}
    if body.get("status") in ("completed", "failed") and body.get("response") is None:
        body["status"] = "canceled"  # a finished operation needs its response; a canceled one does not
    case.body = body
    return case


def assert_problem_document(response: Response) -> None:
    assert response.headers.get("content-type") == ["application/problem+json"], response.content[:300]
    problem = json.loads(response.content)
    assert all(member in problem for member in PROBLEM_MEMBERS), problem
    assert problem["status"] == response.status_code
    assert problem["code"].isupper()


def send_generated(base_url: str, method: str, mode: GenerationMode, sent: Counter[str]) -> None:
    strategy = schema[OPERATION_PATH][method].as_strategy(generation_mode=mode)
    if mode is GenerationMode.POSITIVE:
        strategy = st.builds(storable, strategy, st.sampled_from(KNOWN_IDS), st.sampled_from(VALID_TIMES))

    @given(case=strategy)
    @hypothesis.settings(
        max_examples=EXAMPLES_PER_KIND,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def send(case: Any) -> None:
        # A connection per request: http.server's separate writes of head and body otherwise meet Nagle's
        # algorithm and delayed ACKs on a kept-alive connection, 40 ms a request.
        response = case.call(base_url=base_url, timeout=30, headers={"Connection": "close"})
        sent[f"{method} {mode.value} {response.status_code}"] += 1
        case.validate_response(response, checks=CHECKS)
        if 400 <= response.status_code < 500:
            assert_problem_document(response)

    send()


def test_generated_requests_never_get_a_5xx_and_every_answer_is_documented(http_server: str) -> None:
    sent: Counter[str] = Counter()
    for method in ("PUT", "GET"):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            send_generated(http_server, method, mode, sent)
    total = sum(sent.values())
    summary = f"{total} generated requests: {dict(sorted(sent.items()))}"
    print(f"\nschemathesis: {summary}")
    assert total >= MINIMUM_REQUESTS, summary
    assert not any(key.endswith(tuple(f" 5{digit}" for digit in range(10))) for key in sent), summary
