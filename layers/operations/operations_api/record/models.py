"""The operation record of the contract (docs/api.md, "The record"), as pydantic v2 models.

The record's one definition. Pydantic builds from it the OpenAPI document (`make openapi`) and the
validation schema (`record.schema`, written by `make record-schema`, which also compiles it into the plain
Python the PUT runs, `record.compiled`; a test fails when either differs). No function imports this
module, nor pydantic: importing pydantic is a large part of a cold start (docs/performance.md, "Cold start").

The models are TypedDicts: a record is a JSON object exactly as given, so a key that was absent stays
absent and `null` stays `null` with no bookkeeping. Types are strict and unknown keys are refused at
every level. `sub_status` may be absent but never `null`.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal, NotRequired

from pydantic import AfterValidator, ConfigDict, Field, TypeAdapter, WrapValidator, with_config
from pydantic.config import JsonDict, JsonValue
from typing_extensions import TypedDict  # pydantic needs this one on Python < 3.12

from operations_api.record.rules import (
    CLUSTER_ID_MAX_LENGTH,
    OPERATION_ID_MAX_LENGTH,
    OPERATION_ID_PATTERN,
    OPERATION_URI_MAX_LENGTH,
    STATUSES_WITH_RESPONSE,
    SUB_STATUS_MAX_LENGTH,
    TIMESTAMP_SCHEMA_PATTERN,
    UNREADABLE_OPERATION_IDS,
)
from operations_api.record.schema_checks import (
    check_operation_id,
    check_timestamp,
    not_before_occurrence,
    response_when_finished,
)

Status = Literal["unexecuted", "executing", "completed", "failed", "canceled"]
OperationId = Annotated[
    str,
    AfterValidator(check_operation_id),
    Field(
        json_schema_extra={
            "pattern": OPERATION_ID_PATTERN,
            "minLength": 1,
            "maxLength": OPERATION_ID_MAX_LENGTH,
            "not": {"enum": list(UNREADABLE_OPERATION_IDS)},
        }
    ),
]
Timestamp = Annotated[
    str,
    AfterValidator(check_timestamp),
    Field(
        description='a real UTC date and time, YYYYMMDD_hhmmss (docs/api.md, "Times")',
        json_schema_extra={"pattern": TIMESTAMP_SCHEMA_PATTERN, "examples": ["20261122_064230"]},
    ),
]
NonEmptyText = Annotated[str, Field(min_length=1)]
ClusterId = Annotated[str, Field(min_length=1, max_length=CLUSTER_ID_MAX_LENGTH)]
StatusCode = Annotated[int, Field(ge=100, le=599, description="an HTTP status code, 100 to 599")]
OperationMethod = Literal["POST", "PUT", "DELETE"]
HttpMethod = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

STRICT = ConfigDict(strict=True, extra="forbid")


@with_config(STRICT)
class OperationRequest(TypedDict):
    """The client request that started the operation."""

    uri: Annotated[str, Field(min_length=1, max_length=OPERATION_URI_MAX_LENGTH)]
    method: OperationMethod
    body: Annotated[str, Field(description="the request body as a string (JSON text, its quotes escaped)")]


@with_config(STRICT)
class OperationResponse(TypedDict):
    """The operation's result; required when the status is `completed` or `failed`."""

    status_code: StatusCode
    body: Annotated[str, Field(description='the response body as a string; "" where there is none')]


@with_config(STRICT)
class ClusterRequest(TypedDict):
    uri: NonEmptyText
    method: HttpMethod
    body: str


@with_config(STRICT)
class ClusterResponse(TypedDict):
    status_code: NotRequired[StatusCode | None]
    body: NotRequired[str | None]


@with_config(STRICT)
class TargetCluster(TypedDict):
    cluster_id: ClusterId
    request: ClusterRequest
    response: NotRequired[ClusterResponse | None]


@with_config(STRICT)
class RollbackRequest(TypedDict):
    uri: NonEmptyText
    method: HttpMethod
    body: NotRequired[str | None]


@with_config(STRICT)
class RollbackCluster(TypedDict):
    cluster_id: ClusterId
    request: RollbackRequest
    response: NotRequired[ClusterResponse | None]


@with_config(STRICT)
class Rollbacks(TypedDict):
    """The rollback of a failed operation."""

    result: NonEmptyText
    occurred_time: Timestamp
    target_clusters: NotRequired[list[RollbackCluster] | None]


# What a schema can say of the rule across fields that `validators.response_when_finished` checks: a
# completed or failed operation carries its response, not absent and not null.
_FINISHED: Final[list[JsonValue]] = [*sorted(STATUSES_WITH_RESPONSE)]
RESPONSE_WHEN_FINISHED: Final[JsonDict] = {
    "if": {"properties": {"status": {"enum": _FINISHED}}, "required": ["status"]},
    "then": {"required": ["response"], "properties": {"response": {"type": "object"}}},
}


@with_config(ConfigDict(strict=True, extra="forbid", json_schema_extra=RESPONSE_WHEN_FINISHED))
class Operation(TypedDict):
    """The whole record of one operation: the PUT request body and the GET/PUT response body."""

    operation_id: OperationId
    occurred_time: Timestamp
    last_update_time: Annotated[
        Timestamp,
        AfterValidator(not_before_occurrence),
        Field(
            description="a real UTC date and time, YYYYMMDD_hhmmss, never earlier than occurred_time (a rule "
            "across fields, which no schema keyword states); once the status is terminal, the completion time"
        ),
    ]
    status: Status
    sub_status: NotRequired[
        Annotated[
            str,
            Field(max_length=SUB_STATUS_MAX_LENGTH, description="free detail of an executing operation"),
        ]
    ]
    request: OperationRequest
    response: NotRequired[OperationResponse | None]
    target_clusters: NotRequired[list[TargetCluster] | None]
    rollbacks: NotRequired[Rollbacks | None]


# The record with its rules across fields: what a PUT body must be.
RECORD: TypeAdapter[Operation] = TypeAdapter(Annotated[Operation, WrapValidator(response_when_finished)])
