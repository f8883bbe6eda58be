"""Call the deployed API with an AWS SigV4 signature (the HttpApi's AWS_IAM authorizer), using botocore.

    python -m devtools.signed_call GET https://abc123.execute-api.us-east-1.amazonaws.com/v1/operations/op-1
    python -m devtools.signed_call PUT <url> --data @record.json [--header If-Match='"etag"']

Credentials and region come from the usual AWS configuration (environment, profile, SSO, instance role).
"""

from __future__ import annotations

import argparse
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest


def signed_request(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    region: str | None = None,
) -> urllib.request.Request:
    """A urllib request for `url`, signed for the execute-api service with the caller's credentials."""
    session = botocore.session.get_session()
    credentials = session.get_credentials()
    if credentials is None:
        raise SystemExit("no AWS credentials found: configure a profile or set AWS_ACCESS_KEY_ID")
    region = region or _region_of(url) or session.get_config_variable("region") or "us-east-1"
    all_headers = (
        {"Content-Type": "application/json", **(headers or {})} if body is not None else dict(headers or {})
    )
    request = AWSRequest(method=method, url=url, data=body, headers=all_headers)
    SigV4Auth(credentials.get_frozen_credentials(), "execute-api", region).add_auth(request)
    return urllib.request.Request(url, data=body, method=method, headers=dict(request.headers.items()))


def _region_of(url: str) -> str | None:
    """execute-api hosts name their region: <api-id>.execute-api.<region>.amazonaws.com."""
    parts = (urlsplit(url).hostname or "").split(".")
    return parts[2] if len(parts) > 3 and parts[1] == "execute-api" else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("method", choices=["GET", "PUT"])
    parser.add_argument("url")
    parser.add_argument("--data", help="the body, or @file to read it from a file")
    parser.add_argument("--header", action="append", default=[], help="Name=value, repeatable")
    parser.add_argument("--region")
    args = parser.parse_args(argv)
    body = None
    if args.data is not None:
        body = Path(args.data[1:]).read_bytes() if args.data.startswith("@") else args.data.encode()
    headers = dict(item.split("=", 1) for item in args.header)
    request = signed_request(args.method, args.url, body, headers, args.region)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, payload, answer_headers = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, payload, answer_headers = error.code, error.read(), error.headers
    print(f"HTTP {status}", file=sys.stderr)
    if etag := answer_headers.get("ETag"):
        print(f"ETag: {etag}", file=sys.stderr)
    sys.stdout.write(payload.decode("utf-8", errors="replace") + "\n")
    return 0 if status < 400 else 1


if __name__ == "__main__":
    raise SystemExit(main())
