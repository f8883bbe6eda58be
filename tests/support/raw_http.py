"""A small HTTP client for the integrity tests: raw bytes in, status, headers and bytes out.

The standard library's http.client, so that a test can send what no polite client would: invalid UTF-8,
any content type, no body at all. One connection per call, to 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

TIMEOUT_SECONDS = 30.0
PROBLEM_MEMBERS = ("type", "title", "status", "detail", "instance", "code", "request_id")


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def problem_code(self) -> str | None:
        """The problem's code if this reply is a well-formed problem document, else None."""
        if self.content_type != "application/problem+json":
            return None
        document = self.json()
        if not isinstance(document, dict) or any(member not in document for member in PROBLEM_MEMBERS):
            return None
        if document["status"] != self.status:
            return None
        code: str = document["code"]
        return code


def call(
    base_url: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    address = urlsplit(base_url)
    if address.hostname != "127.0.0.1":
        raise ValueError(f"the integrity tests talk to 127.0.0.1 only, not {address.hostname}")
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=TIMEOUT_SECONDS)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Reply(
            response.status, {name.lower(): value for name, value in response.getheaders()}, response.read()
        )
    finally:
        connection.close()


def put_json(base_url: str, record: dict[str, Any], operation_id: str | None = None) -> Reply:
    operation_id = operation_id if operation_id is not None else str(record["operation_id"])
    body = json.dumps(record, ensure_ascii=False).encode("utf-8")
    return call(base_url, "PUT", f"/v1/operations/{operation_id}", body, {"Content-Type": "application/json"})


def get(base_url: str, operation_id: str) -> Reply:
    return call(base_url, "GET", f"/v1/operations/{operation_id}")
