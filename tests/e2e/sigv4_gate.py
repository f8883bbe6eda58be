"""What API Gateway's AWS_IAM authorizer does, in front of the local server, which checks no signature.

Each request's SigV4 signature (service execute-api) is computed again from what was received, with the one
pair of keys the gate is given; a request without a valid one gets the gateway's 403 and never reaches the
server. So the suite's local run signs every request as it does against a deployed stack, and a request the
server answered is one whose signature held.
"""

from __future__ import annotations

import hmac
import http.client
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SERVICE: Final = "execute-api"
SCHEME: Final = "AWS4-HMAC-SHA256"
HOP_BY_HOP: Final = frozenset({"connection", "content-length", "transfer-encoding", "keep-alive"})
OWN_HEADERS: Final = HOP_BY_HOP | {"server", "date"}  # the gate's answer has its own


def refusal(headers: Message, method: str, target: str, body: bytes, keys: Credentials, region: str) -> str:
    """Why the gateway would refuse the request ("" when its signature holds), as its 403 message says."""
    scheme, _, fields = (headers.get("Authorization") or "").partition(" ")
    if scheme != SCHEME:
        return "Forbidden"
    parts = dict(field.strip().split("=", 1) for field in fields.split(",") if "=" in field)
    signed_names = parts.get("SignedHeaders", "").split(";")
    signed = {name: value for name, value in headers.items() if name.lower() in signed_names}
    request: Any = AWSRequest(
        method=method, url=f"http://{headers['Host']}{target}", data=body, headers=signed
    )
    request.context["timestamp"] = headers.get("X-Amz-Date", "")
    signer = SigV4Auth(keys, SERVICE, region)
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    scope = f"{keys.access_key}/{request.context['timestamp'][:8]}/{region}/{SERVICE}/aws4_request"
    if parts.get("Credential") != scope:
        return "The security token included in the request is invalid."
    if not hmac.compare_digest(parts.get("Signature", ""), expected):
        return "The request signature we calculated does not match the signature you provided."
    return ""


class SigV4Gate(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream_url: str, keys: Credentials, region: str) -> None:
        super().__init__(("127.0.0.1", 0), _GateHandler)
        upstream = urlsplit(upstream_url)
        self.upstream = (upstream.hostname or "127.0.0.1", upstream.port or 80)
        self.keys = keys
        self.region = region
        self.passed = 0  # requests whose signature held, passed on to the server

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _GateHandler(BaseHTTPRequestHandler):
    server: SigV4Gate
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        why = refusal(self.headers, self.command, self.path, body, self.server.keys, self.server.region)
        if why:
            self._send(403, [("Content-Type", "application/json")], json.dumps({"message": why}).encode())
            return
        self.server.passed += 1
        self._send(*self._pass_on(body))

    do_PUT = do_POST = do_DELETE = do_GET

    def _pass_on(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(*self.server.upstream, timeout=120)
        try:
            headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
            connection.request(self.command, self.path, body=body or None, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in OWN_HEADERS:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the server behind logs each request."""


@contextmanager
def sigv4_gate(upstream_url: str, keys: Credentials, region: str) -> Iterator[SigV4Gate]:
    """The gate on a free port of 127.0.0.1 in a thread of this process; shut down afterwards."""
    gate = SigV4Gate(upstream_url, keys, region)
    thread = threading.Thread(target=gate.serve_forever, name="sigv4-gate", daemon=True)
    thread.start()
    try:
        yield gate
    finally:
        gate.shutdown()
        gate.server_close()
        thread.join()
