"""The service's business metrics: their names, declared once, and the one way to count them.

Powertools Metrics writes each count as a line of CloudWatch's embedded metric format (EMF) on stdout;
Lambda's log agent turns it into a metric, with no API call and no client. Every metric lives in the
`OperationsApi` namespace with one dimension, `stage`; a metric with a breakdown (a write's status, a
refusal's problem code) is also published per value of that second dimension. Only bounded values are ever
dimensions: never an operation id, which would make one metric per operation.

The dashboard and the alarms in template.yaml name these metrics; a template test checks them against
`METRICS`, so adding a metric is one line here and one call where it happens.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Final

from operations_api.settings import get_stage

if TYPE_CHECKING:
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

NAMESPACE: Final = "OperationsApi"
STAGE_DIMENSION: Final = "stage"

ACCEPTED_WRITES: Final = "AcceptedWrites"
REFUSED_WRITES: Final = "RefusedWrites"
STORE_UNAVAILABLE: Final = "StoreUnavailable"
LIST_PAGES: Final = "ListPagesServed"
EVENTS_PUBLISHED: Final = "EventsPublished"
EVENTS_NOT_PUBLISHED: Final = "EventsNotPublished"
HISTORY_ENTRIES_WRITTEN: Final = "HistoryEntriesWritten"
HISTORY_CHANGES_HELD_BACK: Final = "HistoryChangesHeldBack"
OPERATIONS_IN_PROGRESS: Final = "OperationsInProgress"
OPERATIONS_FAILED_THIS_HOUR: Final = "OperationsFailedThisHour"

# Each metric, and the dimension that breaks it down beside `stage` (None: the stage only).
METRICS: Final[dict[str, str | None]] = {
    ACCEPTED_WRITES: "status",  # a PUT stored the record; by the record's status
    REFUSED_WRITES: "code",  # a PUT answered 4xx; by the problem's code
    STORE_UNAVAILABLE: None,  # DynamoDB throttled, failed or timed out: the caller got a 503
    LIST_PAGES: None,  # a page of the list answered 200
    EVENTS_PUBLISHED: None,  # change events EventBridge took, per batch of stream records
    # change events EventBridge refused after the retries: each sent whole to the dead-letter queue
    EVENTS_NOT_PUBLISHED: None,
    HISTORY_ENTRIES_WRITTEN: None,  # history entries the stream loop wrote (a redelivered change writes none)
    # stream records the loop could not record, and every later record of their batch: reported failed, they
    # hold back their stream shard until recorded (the loop logs `held back` with the operation_id)
    HISTORY_CHANGES_HELD_BACK: None,
    # gauges, from the counts (fleet/gauges.py: the loop, at most once a minute): operations in progress
    # now, and operations failed in the current hour (UTC)
    OPERATIONS_IN_PROGRESS: None,
    OPERATIONS_FAILED_THIS_HOUR: None,
}


@cache
def _metrics() -> AmazonCloudWatchEMFProvider:
    """Made on first use, with the stage read once, and imported then: a GET counts only when the store
    fails, so its cold start does without Powertools' metrics. The EMF provider that Powertools' `Metrics`
    wraps, taken directly: `Metrics` keeps its metrics and dimensions in class attributes shared by every
    instance, the provider in its own. `service=""`: Powertools would otherwise add the service name
    (POWERTOOLS_SERVICE_NAME) as a second dimension to every metric."""
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

    return AmazonCloudWatchEMFProvider(
        namespace=NAMESPACE, service="", default_dimensions={STAGE_DIMENSION: get_stage()}
    )


def count(metric: str, value: float = 1, breakdown: str | None = None) -> None:
    """Publish `value` of `metric` now, as one EMF line: per stage, and per `breakdown` too where the
    metric has one. At once rather than at the end of the invocation: nothing is left pending if the
    invocation fails, and each line carries exactly its own metric's dimensions."""
    dimension = METRICS[metric]
    if (dimension is None) != (breakdown is None):
        raise ValueError(f"{metric} is broken down by {dimension or 'nothing'}, given {breakdown!r}")
    metrics = _metrics()
    metrics.add_metric(name=metric, unit="Count", value=value)  # MetricUnit.Count's value
    if dimension is not None and breakdown is not None:
        metrics.add_dimensions(**{dimension: breakdown})
    metrics.flush_metrics()
    metrics.clear_metrics()  # flush_metrics keeps them when POWERTOOLS_METRICS_DISABLED is set
