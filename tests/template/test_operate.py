"""What pages someone, and what they look at: the alarms, where they go, the dashboard, SnapStart."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from devtools.template import ROOT, load_template
from operations_api import metrics
from tests.template.cloudformation import Deploy, fill_sub
from tests.template.test_template import statements_of, transformed

TEMPLATE = load_template()
OPERATE = ROOT / "docs" / "operate.md"
ALARM = "AWS::CloudWatch::Alarm"
EMAIL = "oncall@example.com"
TEAM_TOPIC = "arn:aws:sns:us-east-1:123456789012:team-pager"
SEARCH = re.compile(r"SEARCH\('\{(?P<schema>[^}]*)\} MetricName=\"(?P<name>[^\"]+)\"")


def alarms(deploy: Deploy) -> dict[str, dict[str, Any]]:
    return {name: res["Properties"] for name, res in deploy.resources.items() if res["Type"] == ALARM}


def watched(alarm: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(namespace, metric, dimensions) of every metric an alarm reads, alone or in its metric math."""
    if "MetricName" in alarm:
        stats = [{"Namespace": alarm["Namespace"], "MetricName": alarm["MetricName"], **alarm}]
    else:
        stats = [query["MetricStat"]["Metric"] for query in alarm["Metrics"] if "MetricStat" in query]
    return [
        (
            stat["Namespace"],
            stat["MetricName"],
            {item["Name"]: item["Value"] for item in stat.get("Dimensions", [])},
        )
        for stat in stats
    ]


def alarm_on(deploy: Deploy, namespace: str, metric: str, **dimensions: Any) -> str:
    """The name of the one alarm that reads this metric."""
    (found,) = [
        name
        for name, alarm in alarms(deploy).items()
        if any(watch == (namespace, metric, dimensions) for watch in watched(alarm))
    ]
    return found


def declared(alarm: str) -> dict[str, Any]:
    """An alarm's properties as the template declares them (parameters not yet filled in)."""
    properties: dict[str, Any] = TEMPLATE.resources[alarm]["Properties"]
    return properties


# --- where the alarms go ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parameters", "topic_created", "subscribed", "destination"),
    [
        ({}, True, None, {"Ref": "AlarmTopic"}),
        ({"AlarmEmail": EMAIL}, True, EMAIL, {"Ref": "AlarmTopic"}),
        ({"AlarmTopicArn": TEAM_TOPIC}, False, None, TEAM_TOPIC),
    ],
    ids=["no-one-paged", "alarm-email", "team-topic"],
)
def test_every_alarm_notifies_the_chosen_topic_when_it_fires_and_when_it_clears(
    parameters: dict[str, str], topic_created: bool, subscribed: str | None, destination: Any
) -> None:
    deploy = Deploy(parameters)
    resources = deploy.resources
    assert ("AlarmTopic" in resources) is topic_created
    subscriptions = [
        res["Properties"] for res in resources.values() if res["Type"] == "AWS::SNS::Subscription"
    ]
    if subscribed is None:
        assert subscriptions == []
    else:
        assert subscriptions == [
            {"TopicArn": {"Ref": "AlarmTopic"}, "Protocol": "email", "Endpoint": subscribed}
        ]
    assert len(alarms(deploy)) >= 7
    for name, alarm in alarms(deploy).items():
        assert alarm["AlarmActions"] == [destination], name
        assert alarm["OKActions"] == [destination], name
    outputs = deploy.evaluate(deploy.document["Outputs"])
    assert outputs["AlarmTopicArn"]["Value"] == destination
    assert deploy.broken_rules() == []


def test_an_email_and_a_team_topic_together_are_refused() -> None:
    deploy = Deploy({"AlarmEmail": EMAIL, "AlarmTopicArn": TEAM_TOPIC})
    (broken,) = deploy.broken_rules()
    assert broken.startswith("With your own AlarmTopicArn, subscribe addresses to that topic")


@pytest.mark.parametrize(
    ("parameter", "accepted", "refused"),
    [
        ("AlarmEmail", ["", EMAIL], ["oncall", "a b@example.com"]),
        ("AlarmTopicArn", ["", TEAM_TOPIC], ["team-pager", "arn:aws:sqs:us-east-1:123456789012:queue"]),
    ],
)
def test_the_alarm_destinations_are_checked_before_the_deploy(
    parameter: str, accepted: list[str], refused: list[str]
) -> None:
    pattern = re.compile(TEMPLATE.document["Parameters"][parameter]["AllowedPattern"])
    assert all(pattern.fullmatch(value) for value in accepted)
    assert not any(pattern.fullmatch(value) for value in refused)


# --- what pages: users are hurt --------------------------------------------------------------------


def test_each_function_alarms_on_its_errors_and_its_throttles() -> None:
    deploy = Deploy({})
    for function in TEMPLATE.functions:
        for metric in ("Errors", "Throttles"):
            alarm = declared(alarm_on(deploy, "AWS/Lambda", metric, FunctionName={"Ref": function}))
            assert alarm["Statistic"] == "Sum"
            assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_the_apis_5xx_rate_alarms_in_percent_of_requests() -> None:
    deploy = Deploy({})
    api = {"ApiId": {"Ref": "OperationsApi"}}
    name = alarm_on(deploy, "AWS/ApiGateway", "5xx", **api)
    assert alarm_on(deploy, "AWS/ApiGateway", "Count", **api) == name
    alarm = declared(name)
    (returned,) = [query for query in alarm["Metrics"] if query["ReturnData"]]
    assert returned["Expression"] == "100 * FILL(errors, 0) / requests"
    assert alarm["Threshold"] == {"Ref": "ApiServerErrorRatePercent"}


def test_the_table_alarms_on_throttled_requests_of_every_operation_the_functions_may_make() -> None:
    deploy = Deploy({})
    operations = {
        statement["Action"].removeprefix("dynamodb:")
        for function in TEMPLATE.functions.values()
        for statement in statements_of(function_role(function.logical_id))
        if any(on_the_table(resource) for resource in as_list(statement["Resource"]))
    }
    assert {"PutItem", "GetItem", "Query"} <= operations
    table = {"Ref": "OperationsTable"}
    (name,) = {
        alarm_on(deploy, "AWS/DynamoDB", "ThrottledRequests", TableName=table, Operation=operation)
        for operation in operations
    }
    alarm = declared(name)
    queries = [query for query in alarm["Metrics"] if "MetricStat" in query]
    assert {watch[2]["Operation"] for watch in watched(alarm)} == operations, "one alarm sums them all"
    assert all(query["Id"].startswith("operation") for query in queries)
    (returned,) = [query for query in alarm["Metrics"] if query["ReturnData"]]
    assert returned["Expression"] == 'SUM(FILL(METRICS("operation"), 0))', "sums every operation… query"


def test_each_index_alarms_on_its_read_and_write_throttle_events() -> None:
    deploy = Deploy({})
    indexes = [index["IndexName"] for index in TEMPLATE.table_properties.get("GlobalSecondaryIndexes", [])]
    assert indexes, "the list index"
    for index in indexes:
        dimensions = {"TableName": {"Ref": "OperationsTable"}, "GlobalSecondaryIndexName": index}
        reads = alarm_on(deploy, "AWS/DynamoDB", "ReadThrottleEvents", **dimensions)
        assert alarm_on(deploy, "AWS/DynamoDB", "WriteThrottleEvents", **dimensions) == reads


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def on_the_table(resource: Any) -> bool:
    """The table, or one of its indexes (whose throttled Queries count under the table's name)."""
    return resource == {"Fn::GetAtt": ["OperationsTable", "Arn"]} or str(resource).startswith(
        "{'Fn::Sub': '${OperationsTable.Arn}/index/"
    )


def function_role(function: str) -> str:
    role: str = TEMPLATE.resources[function]["Properties"]["Role"]["Fn::GetAtt"][0]
    return role


def test_the_puts_p99_duration_alarms() -> None:
    alarm = declared(
        alarm_on(Deploy({}), "AWS/Lambda", "Duration", FunctionName={"Ref": "PutOperationFunction"})
    )
    assert alarm["ExtendedStatistic"] == "p99"
    assert alarm["Threshold"] == {"Ref": "PutLatencyP99Milliseconds"}


def test_each_stream_consumer_alarms_when_it_falls_behind_and_when_records_are_dead_lettered() -> None:
    deploy = Deploy({})
    consumers = [
        name
        for name, res in TEMPLATE.resources.items()
        if res["Type"] == "AWS::Serverless::Function"
        and any(event["Type"] == "DynamoDB" for event in res["Properties"].get("Events", {}).values())
    ]
    assert consumers, "the change events' consumer"
    for consumer in consumers:
        alarm = declared(alarm_on(deploy, "AWS/Lambda", "IteratorAge", FunctionName={"Ref": consumer}))
        assert (alarm["Statistic"], alarm["Threshold"]) == (
            "Maximum",
            {"Ref": "StreamIteratorAgeMilliseconds"},
        )
        for event in TEMPLATE.resources[consumer]["Properties"]["Events"].values():
            queue = event["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
            depth = {"QueueName": {"Fn::GetAtt": [queue, "QueueName"]}}
            alarm_on(deploy, "AWS/SQS", "ApproximateNumberOfMessagesVisible", **depth)


def test_every_alarm_on_the_services_own_metrics_reads_one_that_metrics_py_declares() -> None:
    """By its name and exactly its dimensions: a name or a dimension the code does not emit would leave the
    alarm without data, and `notBreaching` would keep it quiet forever."""
    ours = [
        (name, metric, dimensions)
        for name, alarm in alarms(Deploy({"Stage": "prod"})).items()
        for namespace, metric, dimensions in watched(alarm)
        if namespace == metrics.NAMESPACE
    ]
    assert {metric for _, metric, _ in ours} >= {metrics.HISTORY_CHANGES_HELD_BACK}
    for name, metric, dimensions in ours:
        assert metric in metrics.METRICS, name
        assert metrics.METRICS[metric] is None, f"{name}: a metric with a breakdown is published per value"
        assert dimensions == {metrics.STAGE_DIMENSION: "prod"}, name


def test_a_change_held_back_pages_and_points_to_the_log_line_that_names_its_operation() -> None:
    deploy = Deploy({})
    alarm = declared(alarm_on(deploy, metrics.NAMESPACE, metrics.HISTORY_CHANGES_HELD_BACK, stage="dev"))
    assert (alarm["Statistic"], alarm["Period"], alarm["DatapointsToAlarm"], alarm["EvaluationPeriods"]) == (
        "Sum",
        60,
        3,
        5,
    ), "held back 3 minutes of 5: a retry that succeeds at once pages no one"
    loop = {"FunctionName": {"Ref": "PublishEventsFunction"}}
    for name in (
        alarm_on(deploy, metrics.NAMESPACE, metrics.HISTORY_CHANGES_HELD_BACK, stage="dev"),
        alarm_on(deploy, "AWS/Lambda", "IteratorAge", **loop),
        alarm_on(deploy, "AWS/Lambda", "Errors", **loop),
    ):
        description = declared(name)["AlarmDescription"]
        assert '"held back"' in description, name
        assert 'docs/operate.md, "A change held' in description, name
    assert "\n## A change held back\n" in OPERATE.read_text(encoding="utf-8")


def test_the_dashboard_lists_the_operations_held_back_with_the_runbooks_own_query() -> None:
    (widget,) = [widget for widget in dashboard()["widgets"] if widget["type"] == "log"]
    source, _, query = widget["properties"]["query"].partition(" | ")
    log_group = TEMPLATE.resources["PublishEventsLogGroup"]["Properties"]["LogGroupName"]["Fn::Sub"]
    assert source == f"SOURCE '{fill_sub(log_group, {'Stage'})}'"
    assert query == " ".join(runbook_query().split()), "docs/operate.md's query, as the dashboard runs it"
    assert "by operation_id" in query


def runbook_query() -> str:
    """The Logs Insights query of docs/operate.md's "A change held back"."""
    section = OPERATE.read_text(encoding="utf-8").split("\n## A change held back\n")[1].split("\n## ")[0]
    (query,) = re.findall(r"```text\n(.*?)```", section, re.DOTALL)
    return str(query)


def test_the_iterator_age_alarm_pages_long_before_the_stream_forgets_a_change() -> None:
    """The stream keeps a record 24 hours; a change held back is lost once it is trimmed."""
    parameter = TEMPLATE.document["Parameters"]["StreamIteratorAgeMilliseconds"]
    day = 24 * 3600 * 1000
    assert parameter["Default"] <= 5 * 60 * 1000, "a healthy loop reads within seconds"
    assert parameter["MaxValue"] <= day // 2, "whatever the setting, half the day is left to act"
    alarm = declared(
        alarm_on(Deploy({}), "AWS/Lambda", "IteratorAge", FunctionName={"Ref": "PublishEventsFunction"})
    )
    assert alarm["Period"] * alarm["EvaluationPeriods"] <= 600, "it pages within minutes of the threshold"


def test_every_threshold_is_a_numeric_parameter_with_a_default() -> None:
    parameters = TEMPLATE.document["Parameters"]
    for name in alarms(Deploy({})):
        alarm = declared(name)
        threshold = alarm["Threshold"]
        assert set(threshold) == {"Ref"}, f"{name}: its threshold is a parameter"
        parameter = parameters[threshold["Ref"]]
        assert parameter["Type"] == "Number"
        assert parameter["Default"] > 0
        assert alarm["TreatMissingData"] == "notBreaching", "no requests is no harm"


# --- the dashboard ---------------------------------------------------------------------------------


def dashboard() -> dict[str, Any]:
    body = TEMPLATE.resources["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    known = set(TEMPLATE.document["Parameters"]) | set(TEMPLATE.resources)
    parsed: dict[str, Any] = json.loads(fill_sub(body, known))
    return parsed


def dashboard_metrics() -> list[tuple[str, str, list[str]]]:
    """(namespace, metric, dimension names) of every metric the dashboard draws, SEARCHes included."""
    found = []
    for widget in dashboard()["widgets"]:
        for entry in widget["properties"].get("metrics", []):
            if isinstance(entry[0], dict):
                match = SEARCH.search(entry[0]["expression"])
                assert match is not None, entry
                namespace, *dimensions = match["schema"].split(",")
                found.append((namespace, match["name"], dimensions))
            else:
                names = [item for item in entry[2:] if isinstance(item, str)][::2]
                found.append((entry[0], entry[1], names))
    return found


def test_the_dashboard_is_valid_json_naming_only_what_it_may() -> None:
    body = dashboard()
    for widget in body["widgets"]:
        assert widget["x"] + widget["width"] <= 24
        assert widget["type"] in {"metric", "alarm", "text", "log"}
    namespaces = {namespace for namespace, _, _ in dashboard_metrics()}
    assert all(ns == metrics.NAMESPACE or ns.startswith("AWS/") for ns in namespaces), namespaces


def test_the_dashboard_draws_exactly_the_metrics_the_code_emits_with_their_dimensions() -> None:
    ours = [
        (name, dimensions)
        for namespace, name, dimensions in dashboard_metrics()
        if namespace == "OperationsApi"
    ]
    assert {name for name, _ in ours} == set(metrics.METRICS)
    for name, dimensions in ours:
        breakdown = metrics.METRICS[name]
        assert dimensions == [metrics.STAGE_DIMENSION, *([breakdown] if breakdown else [])], name


def test_the_dashboard_shows_every_route_every_function_the_table_and_every_alarm() -> None:
    drawn = json.dumps(dashboard())
    for route in TEMPLATE.routes:
        assert f'"Method", "{route.method}", "Resource", "{route.path}"' in drawn, route
    for function in TEMPLATE.functions:
        assert f'"FunctionName", "stand-in-{function}"' in drawn, function
    assert '"TableName", "stand-in-OperationsTable"' in drawn
    (alarm_widget,) = [widget for widget in dashboard()["widgets"] if widget["type"] == "alarm"]
    assert sorted(alarm_widget["properties"]["alarms"]) == sorted(
        f"stand-in-{name}-Arn" for name in alarms(Deploy({}))
    )


def test_the_dashboards_name_is_an_output() -> None:
    assert TEMPLATE.document["Outputs"]["DashboardName"]["Value"] == {"Ref": "OperationsDashboard"}


# --- SnapStart -------------------------------------------------------------------------------------


def test_snapstart_is_a_parameter_off_by_default_applied_to_every_function() -> None:
    parameter = TEMPLATE.document["Parameters"]["SnapStart"]
    assert (parameter["Default"], parameter["AllowedValues"]) == ("None", ["None", "PublishedVersions"])
    globals_function = TEMPLATE.document["Globals"]["Function"]
    assert globals_function["SnapStart"] == {"ApplyOn": {"Ref": "SnapStart"}}
    assert globals_function["AutoPublishAlias"] == "live"
    for function in TEMPLATE.resources.values():
        if function["Type"] == "AWS::Serverless::Function":
            assert "SnapStart" not in function["Properties"]
            assert "AutoPublishAlias" not in function["Properties"]


def test_the_api_invokes_each_functions_alias_the_version_snapstart_snapshots() -> None:
    stack = transformed(SnapStart="PublishedVersions")
    resources = stack["Resources"]
    (api,) = [res for res in resources.values() if res["Type"] == "AWS::ApiGatewayV2::Api"]
    for route in TEMPLATE.routes:
        integration = api["Properties"]["Body"]["paths"][route.path][route.method.lower()]
        uri = integration["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
        assert f"${{{route.function_id}Aliaslive}}/invocations" in uri
        alias = resources[f"{route.function_id}Aliaslive"]["Properties"]
        assert alias["Name"] == "live"
        function = resources[route.function_id]["Properties"]
        assert function["SnapStart"] == {"ApplyOn": {"Ref": "SnapStart"}}
    permissions = [
        res["Properties"] for res in resources.values() if res["Type"] == "AWS::Lambda::Permission"
    ]
    assert {permission["FunctionName"]["Ref"] for permission in permissions} == {
        f"{route.function_id}Aliaslive" for route in TEMPLATE.routes
    }
    mappings = [
        res["Properties"] for res in resources.values() if res["Type"] == "AWS::Lambda::EventSourceMapping"
    ]
    assert mappings, "the stream's consumer"
    for mapping in mappings:
        assert mapping["FunctionName"]["Ref"].endswith("Aliaslive"), "the stream invokes the alias too"
