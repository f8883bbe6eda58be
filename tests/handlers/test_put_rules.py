"""The rules across requests, through the handlers: writes never go back, preconditions, size, faults."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from operations_api.record import rules
from tests.support.events import get_event, put_event
from tests.support.handlers import Invoke
from tests.support.records import minimal_record


def body_of(result: dict[str, Any]) -> Any:
    return json.loads(result["body"])


def code_of(result: dict[str, Any]) -> str:
    assert result["headers"]["Content-Type"] == "application/problem+json"
    return str(body_of(result)["code"])


def stored(get: Invoke, operation_id: str = "op-1") -> Any:
    return body_of(get(get_event(operation_id)))


def report(time: str, status: str = "executing", **more: Any) -> dict[str, Any]:
    record = minimal_record(occurred_time="20261122_060000", last_update_time=time, status=status, **more)
    if status in ("completed", "failed") and "response" not in more:
        record["response"] = {"status_code": 200, "body": ""}
    return record


def test_a_newer_report_replaces_the_record(put: Invoke, get: Invoke) -> None:
    put(put_event(report("20261122_060001", sub_status="creating")))
    newer = report("20261122_060002")
    assert put(put_event(newer))["statusCode"] == 200
    assert stored(get) == newer, "sub_status is gone: a PUT replaces the whole record"


def test_an_older_report_is_refused_and_changes_nothing(put: Invoke, get: Invoke) -> None:
    newer = report("20261122_060010")
    put(put_event(newer))
    result = put(put_event(report("20261122_060009", sub_status="late")))
    assert result["statusCode"] == 409
    assert code_of(result) == "STALE_UPDATE"
    assert "20261122_060010" in body_of(result)["detail"]
    assert stored(get) == newer


def test_a_report_of_the_same_second_is_accepted(put: Invoke, get: Invoke) -> None:
    put(put_event(report("20261122_060010")))
    same_second = report("20261122_060010", sub_status="next step")
    assert put(put_event(same_second))["statusCode"] == 200
    assert stored(get) == same_second


def test_an_identical_replay_is_accepted_with_the_same_etag(put: Invoke) -> None:
    first = put(put_event(report("20261122_060010", status="completed")))
    replay = put(put_event(report("20261122_060010", status="completed")))
    assert replay["statusCode"] == 200
    assert replay["headers"]["ETag"] == first["headers"]["ETag"]


@pytest.mark.parametrize("terminal", ["completed", "failed", "canceled"])
@pytest.mark.parametrize("later", ["unexecuted", "executing", "completed", "failed", "canceled"])
def test_a_terminal_status_never_changes(put: Invoke, get: Invoke, terminal: str, later: str) -> None:
    final = report("20261122_060010", status=terminal)
    put(put_event(final))
    result = put(put_event(report("20261122_060011", status=later)))
    if later == terminal:
        assert result["statusCode"] == 200
    else:
        assert result["statusCode"] == 409
        assert code_of(result) == "TERMINAL_STATUS"
        assert stored(get) == final


def test_a_failed_operation_gains_its_rollbacks_later(put: Invoke, get: Invoke) -> None:
    put(put_event(report("20261122_060010", status="failed")))
    with_rollbacks = report(
        "20261122_060020",
        status="failed",
        rollbacks={"result": "succeeded", "occurred_time": "20261122_060015"},
    )
    assert put(put_event(with_rollbacks))["statusCode"] == 200
    assert stored(get) == with_rollbacks


def test_a_stale_terminal_report_is_refused_as_stale(put: Invoke) -> None:
    put(put_event(report("20261122_060010", status="failed")))
    result = put(put_event(report("20261122_060009", status="failed")))
    assert code_of(result) == "STALE_UPDATE"


def test_the_path_and_body_ids_must_agree(put: Invoke, get: Invoke) -> None:
    result = put(put_event(minimal_record(operation_id="op-1"), operation_id="op-2"))
    assert result["statusCode"] == 400
    assert code_of(result) == "OPERATION_ID_MISMATCH"
    assert get(get_event("op-2"))["statusCode"] == 404


@pytest.mark.parametrize("operation_id", ["x" * 129, "a b", "caf\u00e9", "op%0A", ".", ".."])
def test_an_invalid_path_id_is_the_same_400_from_get_and_put(
    get: Invoke, put: Invoke, operation_id: str
) -> None:
    """Both check the id with the contract's rule (`rules`), whatever else the request holds."""
    from_get = get(get_event(operation_id))
    from_put = put(put_event(minimal_record(operation_id="op-1"), operation_id=operation_id))
    assert from_get["statusCode"] == from_put["statusCode"] == 400
    assert code_of(from_get) == code_of(from_put) == "VALIDATION_ERROR"
    assert (
        body_of(from_get)["errors"]
        == body_of(from_put)["errors"]
        == [{"parameter": "operation_id", "detail": rules.OPERATION_ID_RULE}]
    )
    assert "Nothing was stored." in body_of(from_put)["detail"]
    assert "stored" not in body_of(from_get)["detail"], "a GET stores nothing anyway"
    assert get(get_event(operation_id))["statusCode"] == 400


@pytest.mark.parametrize("operation_id", [".", ".."])
def test_a_body_id_that_no_url_can_carry_is_refused_and_not_stored(
    put: Invoke, get: Invoke, operation_id: str
) -> None:
    """A record stored under `.` or `..` could never be read back: every HTTP client resolves them."""
    result = put(put_event(minimal_record(operation_id=operation_id), operation_id="op-dots"))
    assert result["statusCode"] == 400
    assert body_of(result)["errors"] == [{"pointer": "/operation_id", "detail": rules.OPERATION_ID_RULE}]
    assert get(get_event("op-dots"))["statusCode"] == 404


def test_a_bad_path_id_is_told_before_a_bad_body(put: Invoke, get: Invoke) -> None:
    event = put_event(minimal_record(status="done"), operation_id="a b")
    result = put(event)
    assert body_of(result)["errors"] == [{"parameter": "operation_id", "detail": rules.OPERATION_ID_RULE}]
    event["body"] = "{not json"
    assert body_of(put(event))["errors"] == [{"parameter": "operation_id", "detail": rules.OPERATION_ID_RULE}]


def test_a_100000_character_id_is_refused_without_echoing_it(get: Invoke, put: Invoke) -> None:
    operation_id = "x" * 100_000
    for result in (get(get_event(operation_id)), put(put_event(minimal_record(operation_id=operation_id)))):
        assert result["statusCode"] == 400
        assert len(result["body"]) < 2_000


# --- optimistic concurrency (docs/api.md, "Optimistic concurrency") ------------------------------


def test_if_match_applies_only_to_that_version(put: Invoke, get: Invoke) -> None:
    etag = put(put_event(report("20261122_060001")))["headers"]["ETag"]
    assert put(put_event(report("20261122_060002"), if_match=etag))["statusCode"] == 200
    result = put(put_event(report("20261122_060003"), if_match=etag))
    assert result["statusCode"] == 412
    assert code_of(result) == "PRECONDITION_FAILED"
    assert stored(get)["last_update_time"] == "20261122_060002"


def test_if_match_accepts_a_list_and_star(put: Invoke) -> None:
    etag = put(put_event(report("20261122_060001")))["headers"]["ETag"]
    assert put(put_event(report("20261122_060002"), if_match=f'"other", {etag}'))["statusCode"] == 200
    assert put(put_event(report("20261122_060003"), if_match="*"))["statusCode"] == 200


def test_if_match_on_a_missing_record_fails(put: Invoke) -> None:
    assert put(put_event(report("20261122_060001"), if_match="*"))["statusCode"] == 412


def test_a_weak_etag_never_satisfies_if_match(put: Invoke) -> None:
    etag = put(put_event(report("20261122_060001")))["headers"]["ETag"]
    assert put(put_event(report("20261122_060002"), if_match=f"W/{etag}"))["statusCode"] == 412


def test_if_none_match_star_only_creates(put: Invoke, get: Invoke) -> None:
    first = report("20261122_060001")
    assert put(put_event(first, if_none_match="*"))["statusCode"] == 200
    result = put(put_event(report("20261122_060002"), if_none_match="*"))
    assert result["statusCode"] == 412
    assert stored(get) == first


def test_if_none_match_with_the_current_etag_fails(put: Invoke) -> None:
    etag = put(put_event(report("20261122_060001")))["headers"]["ETag"]
    assert put(put_event(report("20261122_060002"), if_none_match=f"W/{etag}"))["statusCode"] == 412
    assert put(put_event(report("20261122_060002"), if_none_match='"something-else"'))["statusCode"] == 200


def test_preconditions_are_checked_before_the_state_rules(put: Invoke) -> None:
    put(put_event(report("20261122_060010", status="completed")))
    result = put(put_event(report("20261122_060001"), if_match='"stale-version"'))
    assert code_of(result) == "PRECONDITION_FAILED"


@pytest.mark.parametrize("value", ["abc", '"unterminated', 'W/"a", b'])
def test_a_malformed_if_match_is_a_400_naming_the_header(put: Invoke, value: str) -> None:
    result = put(put_event(report("20261122_060001"), if_match=value))
    assert result["statusCode"] == 400
    assert body_of(result)["errors"][0]["header"] == "if-match"


# --- the body as API Gateway delivers it --------------------------------------------------------


def test_a_base64_encoded_json_body_is_read(put: Invoke) -> None:
    event = put_event(minimal_record())
    event["body"] = base64.b64encode(event["body"].encode()).decode()
    event["isBase64Encoded"] = True
    answer = put(event)
    assert (answer["statusCode"], body_of(answer)) == (200, minimal_record())


def test_a_body_that_is_not_utf8_is_a_400(put: Invoke) -> None:
    event = put_event(minimal_record())
    event["body"] = base64.b64encode(b'{"operation_id": "\xff\xfe"}').decode()
    event["isBase64Encoded"] = True
    result = put(event)
    assert result["statusCode"] == 400
    assert code_of(result) == "MALFORMED_JSON"


@pytest.mark.parametrize("body", [None, ""])
def test_an_empty_body_is_a_400(put: Invoke, body: str | None) -> None:
    event = put_event(minimal_record())
    event["body"] = body
    result = put(event)
    assert result["statusCode"] == 400
    assert code_of(result) == "MALFORMED_JSON"
    assert body_of(result)["errors"] == [{"pointer": "", "detail": "the request body is empty"}]


@pytest.mark.parametrize("body", ["[]", '[{"operation_id": "op-1"}]', "null", '"op-1"', "42"])
def test_a_body_that_is_not_an_object_is_a_400(put: Invoke, body: str) -> None:
    event = put_event(minimal_record())
    event["body"] = body
    result = put(event)
    assert result["statusCode"] == 400
    assert code_of(result) == "MALFORMED_JSON"


def test_a_syntax_error_is_told_with_its_line_and_column(put: Invoke) -> None:
    event = put_event(minimal_record())
    event["body"] = '{\n  "operation_id": "op-1",\n  "status": executing\n}'
    result = put(event)
    assert code_of(result) == "MALFORMED_JSON"
    assert body_of(result)["errors"] == [{"pointer": "", "detail": "Expecting value at line 3, column 13"}]


def test_duplicate_keys_are_refused(put: Invoke, get: Invoke) -> None:
    event = put_event(minimal_record())
    event["body"] = event["body"][:-1] + ', "status": "completed"}'
    result = put(event)
    assert code_of(result) == "MALFORMED_JSON"
    assert "duplicate key 'status'" in body_of(result)["detail"]
    assert get(get_event("op-1"))["statusCode"] == 404


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/xml", "application/merge-patch+json"],
)
def test_a_body_of_another_media_type_is_refused(put: Invoke, content_type: str) -> None:
    event = put_event(minimal_record())
    event["headers"]["content-type"] = content_type
    result = put(event)
    assert result["statusCode"] == 400
    assert code_of(result) == "UNSUPPORTED_MEDIA_TYPE"


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON", "  "])
def test_json_in_any_case_with_parameters_or_a_blank_type_is_read_as_json(
    put: Invoke, content_type: str
) -> None:
    event = put_event(minimal_record())
    event["headers"]["content-type"] = content_type
    answer = put(event)
    assert (answer["statusCode"], body_of(answer)) == (200, minimal_record())


def test_a_body_without_content_type_is_read_as_json(put: Invoke) -> None:
    event = put_event(minimal_record())
    del event["headers"]["content-type"]
    answer = put(event)
    assert (answer["statusCode"], body_of(answer)) == (200, minimal_record())


def test_nul_characters_are_kept(put: Invoke, get: Invoke) -> None:
    record = minimal_record(sub_status="a\x00b")
    assert put(put_event(record))["statusCode"] == 200
    assert stored(get) == record
