"""The change events' pipeline in template.yaml: the table's stream, its consumer and what it may do, the
mapping's retry policy, the bus, the dead-letter queue and its alarm (docs/events.md)."""

from __future__ import annotations

import json
from typing import Any

from devtools.template import load_template
from tests.template.test_template import RESOURCES, statements_of, transformed


def mapping_properties() -> dict[str, Any]:
    properties: dict[str, Any] = RESOURCES["PublishEventsFunction"]["Properties"]["Events"]["TableStream"][
        "Properties"
    ]
    return properties


def test_the_table_streams_every_change_with_both_images() -> None:
    stream = RESOURCES["OperationsTable"]["Properties"]["StreamSpecification"]
    assert stream == {"StreamViewType": "NEW_AND_OLD_IMAGES"}


def test_the_loop_reports_partial_failures_bisects_and_retries_until_each_change_is_recorded() -> None:
    mapping = mapping_properties()
    assert mapping["Stream"] == {"Fn::GetAtt": ["OperationsTable", "StreamArn"]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BisectBatchOnFunctionError"] is True
    # never skip a change: retried until it is recorded, however old (docs/design.md, "History")
    assert mapping["MaximumRetryAttempts"] == -1
    assert mapping["MaximumRecordAgeInSeconds"] == -1
    assert mapping["BatchSize"] <= 100, "at most 10 PutEvents calls of 10 entries"
    assert mapping["DestinationConfig"] == {
        "OnFailure": {"Type": "SQS", "Destination": {"Fn::GetAtt": ["PublishEventsDeadLetterQueue", "Arn"]}}
    }


def test_the_consumer_may_read_the_stream_publish_to_the_bus_and_the_queue_and_nothing_else() -> None:
    properties = RESOURCES["PublishEventsFunction"]["Properties"]
    assert properties["Role"] == {"Fn::GetAtt": ["PublishEventsRole", "Arn"]}
    assert "Policies" not in properties
    assert "ManagedPolicyArns" not in RESOURCES["PublishEventsRole"]["Properties"]
    granted = {
        statement["Sid"]: (statement["Action"], statement["Resource"])
        for statement in statements_of("PublishEventsRole")
    }
    assert granted == {
        "ReadTableStream": (
            ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
            {"Fn::GetAtt": ["OperationsTable", "StreamArn"]},
        ),
        # as SAM's DynamoDBStreamReadPolicy: the table's streams, for the event source mapping
        "ListTableStreams": ("dynamodb:ListStreams", {"Fn::Sub": "${OperationsTable.Arn}/stream/*"}),
        # a head and a mark read; an entry's transaction; a finished life's entries found and deleted
        "WriteHistory": (
            [
                "dynamodb:BatchGetItem",
                "dynamodb:Query",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:BatchWriteItem",
            ],
            {"Fn::GetAtt": ["HistoryTable", "Arn"]},
        ),
        # the marks read with the head; the cluster items; the marks and counters in the transaction;
        # the counts read for the gauges
        "KeepFleetReadModels": (
            [
                "dynamodb:BatchGetItem",
                "dynamodb:BatchWriteItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:Query",
            ],
            {"Fn::GetAtt": ["FleetTable", "Arn"]},
        ),
        "PublishChangeEvents": ("events:PutEvents", {"Fn::GetAtt": ["OperationEventBus", "Arn"]}),
        "SendFailedBatchesToDeadLetterQueue": (
            "sqs:SendMessage",
            {"Fn::GetAtt": ["PublishEventsDeadLetterQueue", "Arn"]},
        ),
        "WriteOwnLogs": (
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            {"Fn::GetAtt": ["PublishEventsLogGroup", "Arn"]},
        ),
    }
    for statement in statements_of("PublishEventsRole"):
        assert statement["Effect"] == "Allow"
        assert statement["Resource"] != "*"


def test_the_bus_is_the_stacks_and_named_in_an_output() -> None:
    document = {"Outputs": transformed(Stage="prod")["Outputs"]}
    assert RESOURCES["OperationEventBus"]["Type"] == "AWS::Events::EventBus"
    assert document["Outputs"]["EventBusName"]["Value"] == {"Ref": "OperationEventBus"}
    variables = RESOURCES["PublishEventsFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["EVENT_BUS_NAME"] == {"Ref": "OperationEventBus"}
    assert variables["HISTORY_TABLE_NAME"] == {"Ref": "HistoryTable"}
    assert variables["FLEET_TABLE_NAME"] == {"Ref": "FleetTable"}
    assert variables["EVENTS_DEAD_LETTER_QUEUE_URL"] == {"Ref": "PublishEventsDeadLetterQueue"}


def test_an_alarm_goes_off_when_anything_lands_in_the_dead_letter_queue() -> None:
    alarm = RESOURCES["PublishEventsDeadLetterAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["PublishEventsDeadLetterQueue", "QueueName"]}}
    ]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (
        {"Ref": "DeadLetterQueueDepthThreshold"},
        "GreaterThanOrEqualToThreshold",
    )
    assert load_template().parameter_default("DeadLetterQueueDepthThreshold") == 1, "any record in it alarms"
    queue = RESOURCES["PublishEventsDeadLetterQueue"]["Properties"]
    assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert queue["SqsManagedSseEnabled"] is True


def test_sam_makes_one_event_source_mapping_with_these_settings() -> None:
    resources = transformed(Stage="prod")["Resources"]
    (mapping,) = [res for res in resources.values() if res["Type"] == "AWS::Lambda::EventSourceMapping"]
    properties = mapping["Properties"]
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["BisectBatchOnFunctionError"] is True
    assert properties["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["PublishEventsDeadLetterQueue", "Arn"]
    }
    assert "Policies" not in json.dumps(resources["PublishEventsFunction"]), "SAM adds no policy of its own"
