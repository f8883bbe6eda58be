"""A client of the operations API: sign, retry, list, count, wait and verify histories (docs/client.md)."""

from operations_client._client import OperationsClient, Page, StoredRecord
from operations_client._counts import Counts
from operations_client._errors import (
    ConflictError,
    CredentialsError,
    NotFoundError,
    OperationsError,
    PreconditionFailedError,
    UnavailableError,
    ValidationError,
    WaitTimeout,
)
from operations_client._history import HistoryMismatch, HistoryPage, Verified, verify_history
from operations_client._record import Operation
from operations_client._retry import RetryPolicy

__all__ = [
    "ConflictError",
    "Counts",
    "CredentialsError",
    "HistoryMismatch",
    "HistoryPage",
    "NotFoundError",
    "Operation",
    "OperationsClient",
    "OperationsError",
    "Page",
    "PreconditionFailedError",
    "RetryPolicy",
    "StoredRecord",
    "UnavailableError",
    "ValidationError",
    "Verified",
    "WaitTimeout",
    "verify_history",
]
