"""The operation record of the contract (shared/spec/operations-api.md), as strict pydantic v2 models.

Strict types, unknown keys refused at every level, and every key kept exactly as it came: a key that was
absent stays absent (`model_dump(exclude_unset=True)`), `null` stays `null`. `sub_status` may be absent
but never `null`, which is what pydantic's `MISSING` sentinel expresses.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    MISSING,
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from operations_api.rules import (
    OPERATION_ID_PATTERN,
    OPERATION_ID_RULE,
    STATUSES_WITH_RESPONSE,
    TERMINAL_STATUSES,
    TIMESTAMP_CALENDAR_RULE,
    TIMESTAMP_PATTERN,
    is_operation_id,
    timestamp_fault,
)

Status = Literal["unexecuted", "executing", "completed", "failed", "canceled"]


def check_operation_id(value: str) -> str:
    if not is_operation_id(value):
        raise PydanticCustomError("operation_id_format", OPERATION_ID_RULE)
    return value


def check_timestamp(value: str) -> str:
    fault = timestamp_fault(value)
    if fault is not None:
        kind = "timestamp_calendar" if fault == TIMESTAMP_CALENDAR_RULE else "timestamp_format"
        raise PydanticCustomError(kind, fault)
    return value


OperationId = Annotated[
    str,
    AfterValidator(check_operation_id),
    Field(json_schema_extra={"pattern": OPERATION_ID_PATTERN, "minLength": 1, "maxLength": 128}),
]
Timestamp = Annotated[
    str,
    AfterValidator(check_timestamp),
    Field(json_schema_extra={"pattern": TIMESTAMP_PATTERN, "examples": ["20261122_064230"]}),
]
NonEmptyText = Annotated[str, Field(min_length=1)]
StatusCode = Annotated[int, Field(ge=100, le=599, description="an HTTP status code, 100 to 599")]
OperationMethod = Literal["POST", "PUT", "DELETE"]
HttpMethod = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class OperationRequest(_Strict):
    """The client request that started the operation."""

    uri: NonEmptyText
    method: OperationMethod
    body: str = Field(description="the request body as a string (JSON text, its quotes escaped)")


class OperationResponse(_Strict):
    """The operation's result; required when the status is `completed` or `failed`."""

    status_code: StatusCode
    body: str = Field(description='the response body as a string; "" where there is none')


class ClusterRequest(_Strict):
    uri: NonEmptyText
    method: HttpMethod
    body: str


class ClusterResponse(_Strict):
    status_code: StatusCode | None = None
    body: str | None = None


class TargetCluster(_Strict):
    cluster_id: NonEmptyText
    request: ClusterRequest
    response: ClusterResponse | None = None


class RollbackRequest(_Strict):
    uri: NonEmptyText
    method: HttpMethod
    body: str | None = None


class RollbackCluster(_Strict):
    cluster_id: NonEmptyText
    request: RollbackRequest
    response: ClusterResponse | None = None


class Rollbacks(_Strict):
    """The rollback of a failed operation."""

    result: NonEmptyText
    occurred_time: Timestamp
    target_clusters: list[RollbackCluster] | None = None


class Operation(_Strict):
    """The whole record of one operation: the PUT request body and the GET/PUT response body."""

    operation_id: OperationId
    occurred_time: Timestamp
    last_update_time: Timestamp = Field(description="once the status is terminal, the completion time")
    status: Status
    sub_status: str | MISSING = Field(default=MISSING, description="free detail of an executing operation")
    request: OperationRequest
    response: OperationResponse | None = Field(default=None, validate_default=True)
    target_clusters: list[TargetCluster] | None = None
    rollbacks: Rollbacks | None = None

    @field_validator("last_update_time")
    @classmethod
    def _not_before_occurrence(cls, value: str, info: ValidationInfo) -> str:
        occurred = info.data.get("occurred_time")
        if occurred is not None and value < occurred:  # fixed-width digits: text order is time order
            raise PydanticCustomError("time_order", "must not be earlier than occurred_time")
        return value

    @field_validator("response")
    @classmethod
    def _required_when_finished(cls, value: OperationResponse | None, info: ValidationInfo) -> Any:
        status = info.data.get("status")
        if value is None and status in STATUSES_WITH_RESPONSE:
            raise PydanticCustomError(
                "response_required",
                "is required (not absent, not null) when status is '{status}'",
                {"status": status},
            )
        return value

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def to_document(self) -> dict[str, Any]:
        """The record as JSON-ready data, with exactly the keys that were given."""
        document: dict[str, Any] = self.model_dump(mode="json", exclude_unset=True)
        return document
