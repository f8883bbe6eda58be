"""The SigV4 client of docs/deploy.md signs requests the way API Gateway's AWS_IAM authorizer checks them."""

from __future__ import annotations

from devtools.signed_call import signed_request

URL = "https://abc123.execute-api.eu-west-1.amazonaws.com/v1/operations/op-1"


def test_a_get_is_signed_for_execute_api_in_the_urls_region() -> None:
    request = signed_request("GET", URL)
    authorization = request.get_header("Authorization")
    assert authorization is not None
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=testing/")
    assert "/eu-west-1/execute-api/aws4_request" in authorization
    assert request.get_header("X-amz-date")


def test_a_put_signs_its_body_and_extra_headers() -> None:
    request = signed_request(
        "PUT", URL, b'{"operation_id": "op-1"}', {"If-Match": '"abc"'}, region="us-east-1"
    )
    authorization = request.get_header("Authorization") or ""
    assert "SignedHeaders=content-type;host;if-match;x-amz-date" in authorization
    assert request.get_header("Content-type") == "application/json"
    assert request.data == b'{"operation_id": "op-1"}'
    assert request.get_method() == "PUT"
