"""The client's errors: one class per family a caller branches on, each carrying the problem document.

The API answers errors as RFC 9457 problem documents (docs/api.md, "Errors"). An answer that is not one
(API Gateway's own `{"message": …}`, a proxy's HTML page) and the client's own failures (no connection,
no credentials, a wait that ran out of time) get a document of the same shape, whose `status` is the
HTTP status received, or 0 when there was no answer.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from operations_client._client import StoredRecord

NO_ANSWER: Final = 0  # the `status` of a problem the client made itself: no HTTP answer was received
DETAIL_CHARS: Final = 500  # of a body that is not a problem document, what the detail keeps


class OperationsError(Exception):
    """Any error answer of the API, or a failure of the client; `problem` is the whole document."""

    def __init__(self, problem: dict[str, Any]) -> None:
        self.problem = problem
        self.status: int = int(problem.get("status") or NO_ANSWER)
        self.code: str = str(problem.get("code") or f"HTTP_{self.status}")
        self.detail: str = str(problem.get("detail") or problem.get("title") or "")
        self.errors: list[dict[str, Any]] = [e for e in problem.get("errors") or () if isinstance(e, dict)]
        super().__init__(f"{self.code}: {self.detail}")


class NotFoundError(OperationsError):
    """404: no such operation (or no such route)."""


class ConflictError(OperationsError):
    """409: the write conflicts with the stored state (docs/api.md, "Writes never go back")."""


class PreconditionFailedError(OperationsError):
    """412: If-Match or If-None-Match did not hold (docs/api.md, "Optimistic concurrency")."""


class ValidationError(OperationsError):
    """400 or 413: the request was refused as it stands; `errors` names each fault."""


class UnavailableError(OperationsError):
    """429, 5xx, or no connection: still so once the retry budget was spent."""


class CredentialsError(OperationsError):
    """Signing was asked for but no AWS credentials (or region) were found; no request was sent."""


class WaitTimeout(OperationsError, TimeoutError):
    """wait() ran out of time before the operation finished; `last` is the last record seen, if any."""

    def __init__(self, problem: dict[str, Any], last: StoredRecord | None) -> None:
        super().__init__(problem)
        self.last = last


FAMILIES: Final[dict[int, type[OperationsError]]] = {
    400: ValidationError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    413: ValidationError,
    429: UnavailableError,
}


def client_problem(code: str, detail: str, *, status: int = NO_ANSWER) -> dict[str, Any]:
    """A problem document for what the client itself found wrong (CONNECTION_FAILED, …)."""
    slug = code.lower().replace("_", "-")
    return {
        "type": f"tag:operations-client:problems/{slug}",
        "title": code.replace("_", " ").capitalize(),
        "status": status,
        "detail": detail,
        "code": code,
    }


def error_for(status: int, body: bytes) -> OperationsError:
    """The error of an HTTP answer with this status and body, of its family's class."""
    problem = problem_document(status, body)
    family = FAMILIES.get(status) or (UnavailableError if status >= 500 else OperationsError)
    return family(problem)


def problem_document(status: int, body: bytes) -> dict[str, Any]:
    """The body as a problem document; another body made into one, its text (or message) as the detail."""
    text = body.decode("utf-8", errors="replace")
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if isinstance(document, dict) and "code" in document:
        return document if "status" in document else {**document, "status": status}
    message = document.get("message") if isinstance(document, dict) else None
    detail = str(message) if message is not None else text.strip()[:DETAIL_CHARS]
    return client_problem(f"HTTP_{status}", detail or f"HTTP {status}", status=status)
