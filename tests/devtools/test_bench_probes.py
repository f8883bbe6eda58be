"""`make bench`'s measuring parts on tiny inputs: its probes (run as the bench runs them, on the source
tree, against a closed port), and the helpers that turn what they print into figures. No timing asserted."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devtools import local_events
from devtools.bench import cold, events, listing, metrics, warm
from devtools.bench.fresh import Environment, against_floors, compiling_instructions, interleaved, probe
from devtools.bench.probes import first_request as first_request_probe
from devtools.template import ROOT
from operations_api import store
from operations_api.listing import index as list_index
from operations_api.service import version_of
from tests.support.change_events import use_bus
from tests.support.environment import closed_store_environment
from tests.support.handlers import invoker, load_function


def first_request(function: str, event: str, *options: str) -> dict[str, Any]:
    """The benchmark's own cold-start process, run on the source tree against a closed port (a 503)."""
    arguments = [str(ROOT / "functions" / function), str(ROOT / "events" / event), "0", *options]
    answer = subprocess.run(
        [sys.executable, *probe("first_request", *arguments)],
        env=closed_store_environment(ROOT / "layers" / "operations"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr[-2000:]
    facts: dict[str, Any] = json.loads(answer.stdout)
    return facts


def test_the_collector_pause_is_compared_with_a_handler_that_really_collects() -> None:
    shipped = first_request("get_operation", "get_operation.json")
    collecting = first_request("get_operation", "get_operation.json", "collector-on")
    assert (shipped["status"], collecting["status"]) == (503, 503)
    # compiling app.py from source (no bytecode here) may set off a collection or two before its first line
    assert shipped["collections_while_importing"] < 5
    assert collecting["collections_while_importing"] > 50


def test_the_source_a_cold_start_compiles_is_told_apart_by_kind_and_by_the_module_it_was_made_for() -> None:
    put = first_request("put_operation", "put_operation.json", "count-compiled")["made"]
    assert sum(put["forward references"].values()) > 0
    assert not [module for made in put.values() for module in made if module.startswith("pydantic")]
    # on a request's path this project makes named tuples, not dataclasses (docs/design.md)
    assert not [module for module in put["dataclasses"] if module.startswith(("operations_api", "app"))]
    assert put["namedtuples"]["operations_api.store"] >= 1
    get = first_request("get_operation", "get_operation.json", "count-compiled")["made"]
    assert not [module for made in get.values() for module in made if module.startswith("pydantic")]


CALLGRIND_ANNOTATED = """
1,172,964,179 (100.0%)  PROGRAM TOTALS
  121,102,053 (10.32%)  /build/Parser/pegen.c:_PyPegen_run_parser_from_string [/lib/libpython3.13.so.1.0]
   93,064,801 ( 7.93%)  /build/Python/compile.c:_PyAST_Compile [/lib/libpython3.13.so.1.0]
    1,000,000 ( 0.09%)  /build/./Include/internal/pycore_compile.h:_PyAST_Compile
   76,858,230 ( 6.55%)  /build/Python/clinic/bltinmodule.c.h:builtin_compile [/lib/libpython3.13.so.1.0]
"""


def test_the_instructions_spent_compiling_are_the_parser_and_the_compiler_counted_once() -> None:
    assert compiling_instructions(CALLGRIND_ANNOTATED) == 121_102_053 + 93_064_801
    assert compiling_instructions("") == 0


def test_interleaved_pairs_give_medians_and_the_quartiles_of_their_ratios() -> None:
    firsts, seconds = iter([2.0, 3.0, 6.0, 4.0]), iter([1.0, 1.0, 2.0, 4.0])
    found = interleaved(4, lambda: next(firsts), lambda: next(seconds))
    assert (found["first"], found["second"], found["ratio"]) == (3.5, 1.5, 2.5)
    assert found["ratio_quartiles"] == [1.25, 3.0]
    once = interleaved(1, lambda: 3.0, lambda: 2.0)
    assert (once["ratio"], once["ratio_quartiles"]) == (1.5, [1.5, 1.5])


class Timed:
    """A stand-in for a fresh process: its wall times in turn, and its instruction count."""

    def __init__(self, walls: list[float], counted: int) -> None:
        self.walls, self.counted = iter(walls), counted

    def wall(self) -> float:
        return next(self.walls)

    def facts(self) -> tuple[float, dict[str, Any]]:
        return self.wall(), {"modules": 7}

    def instructions(self, count: bool = True) -> int | None:
        return self.counted if count else None


def test_a_handler_is_set_against_each_floor_in_the_same_rounds() -> None:
    handler = Timed([2.0, 3.0, 6.0, 4.0], 1200)
    floors = {"botocore": Timed([1.0, 1.0, 2.0, 4.0], 1000), "boto3": Timed([2.0, 2.0, 2.0, 2.0], 1500)}
    found = against_floors(handler, floors, 4, True)  # type: ignore[arg-type]
    assert (found["handler_ms"], found["floor_ms"], found["ratio"]) == (3.5, 1.5, 2.5), "the first floor's"
    assert found["ratio_quartiles"] == [1.25, 3.0]
    assert (found["handler_instructions"], found["floor_instructions"], found["modules"]) == (1200, 1000, 7)
    assert found["floors"]["boto3"] == {
        "floor_ms": 2.0,
        "ratio": 1.75,
        "ratio_quartiles": [1.125, 2.75],
        "floor_instructions": 1500,
    }


def test_percentiles_are_taken_from_the_samples() -> None:
    samples = [float(value) for value in range(1, 101)]
    assert warm.percentile(samples, 0.5) == 50.0
    assert warm.percentile(samples, 0.99) == 99.0
    assert warm.percentile([7.0], 0.99) == 7.0


def test_the_layer_size_counts_every_file_unzipped_and_the_archive(tmp_path: Path) -> None:
    layer = tmp_path / "python"
    (layer / "package").mkdir(parents=True)
    (layer / "package" / "module.py").write_text("x = 1\n" * 1000)
    size = cold.layer_size(layer, tmp_path)
    assert size["unzipped_mb"] == pytest.approx(6000 / 1e6)
    assert 0 < size["zipped_mb"] < size["unzipped_mb"]


def test_the_list_writes_items_exactly_as_the_put_does() -> None:
    record = listing.operation(7, random.Random(1))  # noqa: S311 (test data)
    item = listing.item_of(record, shards=4)
    assert item == store.item_of(record, version_of(record), shard_count=4, retention_days=0)
    assert item[list_index.SUMMARY_ATTRIBUTE]["M"]["status"] == {"S": record["status"]}


def test_the_floor_makes_the_calls_the_handler_made_and_reads_what_it_read(table: Any) -> None:
    calls = first_request_probe.recorded_calls()  # registered before the store makes its client
    cold.stored_history()
    del calls[:]
    answer = invoker(load_function("get_history"))(cold.event_for("HISTORY", cold.record_with(1)))
    assert answer["statusCode"] == 200
    page = json.loads(answer["body"])
    assert "next_page_token" in page, "a page of 2 of the stored entries: a token to the next is made"
    made = list(calls)  # the replay below is recorded too
    assert [call["operation"] for call in made] == ["get_item", "query"], "the history's head, then its page"
    replayed = [getattr(store.dynamodb_client(), call["operation"])(**call["arguments"]) for call in made]
    assert [entry["sequence"] for entry in page["entries"]] == [1, 2]
    assert replayed[0]["Item"], "the head the history read"
    assert len(replayed[-1]["Items"]) == 2, "the chunks of the two entries served, one each"


def test_the_calls_a_first_request_made_are_recorded_with_their_arguments() -> None:
    calls = first_request("get_operation", "get_operation.json", "record-calls")["calls"]
    operation_id = json.loads((ROOT / "events" / "get_operation.json").read_text())["pathParameters"]
    assert calls == [
        {
            "operation": "get_item",
            "arguments": {
                "TableName": "operations",
                "Key": {"operation_id": {"S": operation_id["operation_id"]}},
                "ConsistentRead": True,
                "ReturnConsumedCapacity": "TOTAL",
            },
        }
    ]


def test_moto_measures_the_smallest_table_only() -> None:
    assert listing.sizes_on("moto", [1000, 10_000]) == [1000]
    assert listing.sizes_on("dynalite", [1000, 10_000]) == [1000, 10_000]


@pytest.fixture
def bench_bus() -> Iterator[None]:
    use_bus(events.BUS)
    yield
    use_bus("")


def test_the_event_batch_is_of_distinct_operations_each_once(bench_bus: None) -> None:
    records = local_events.creations(3)
    entries = events.entries_of(records)
    assert [entry["EventBusName"] for entry in entries] == [events.BUS] * 3
    assert len({entry["Detail"] for entry in entries}) == 3


def test_each_events_batch_finds_moto_emptied_of_the_table_copies_its_transactions_left() -> None:
    """moto keeps every model instance it makes, and TransactWriteItems deep-copies the tables it writes:
    the loop's transactions left copies of the history table behind, batch after batch (7 GB)."""
    import boto3
    from moto.dynamodb.models.table import Table

    from operations_api import settings

    def tables_kept() -> int:
        return len(Table.instances_tracked)  # type: ignore[attr-defined]  # moto's metaclass adds it

    kept = dict(os.environ)
    try:
        with events.local_eventbridge() as service:
            endpoint = service["DYNAMODB_ENDPOINT_URL"]
            history_table = settings.get_settings().history_table_name
            client = boto3.client("dynamodb", endpoint_url=endpoint)
            tables = tables_kept()
            item = {"operation_id": {"S": "op"}, "position": {"S": "head"}}
            for _ in range(3):
                put = {"Put": {"TableName": history_table, "Item": item}}
                client.transact_write_items(TransactItems=[put])
            assert tables_kept() == tables + 3, "a copy of the history table per transaction"
            events.emptied(endpoint)
            assert tables_kept() == tables, "the tables made anew, and no copy left"
            assert client.scan(TableName=history_table)["Count"] == 0
            assert boto3.client("events", endpoint_url=endpoint).describe_event_bus(Name=events.BUS)
    finally:
        os.environ.clear()
        os.environ.update(kept)
        use_bus("")


def test_the_stand_ins_replace_the_metrics_and_hooks_in_a_copy_and_count_nothing(tmp_path: Path) -> None:
    source = Environment("development", sys.executable, [ROOT / "layers" / "operations"], tmp_path)
    layer = metrics.without_metrics(source, "http://127.0.0.1:9", tmp_path).environment.layer_paths[0]
    assert layer != ROOT / "layers" / "operations"
    assert (ROOT / "layers" / "operations" / "operations_api" / "metrics.py").read_text().count(
        "def count"
    ) == 1
    program = (
        "import json; from operations_api import api, metrics, snapstart; "
        "metrics.count(metrics.ACCEPTED_WRITES, breakdown='failed'); "
        "print(json.dumps([metrics.REFUSED_WRITES, snapstart.register_hooks()]))"
    )
    answer = subprocess.run(
        [sys.executable, "-c", program],
        env={"PYTHONPATH": str(layer)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(answer.stdout) == ["REFUSED_WRITES", False], "no EMF line printed, no hook registered"


def cold_row(method: str, ratio: float, modules: int, counted: int | None) -> dict[str, Any]:
    return {
        "environment": "built",
        "method": method,
        "ratio": ratio,
        "modules": modules,
        "handler_instructions": counted,
        "floor_instructions": 1000,
    }


def test_each_metrics_run_is_set_against_its_stand_in_run() -> None:
    put = metrics.compared(cold_row("PUT", 1.2, 500, 1100), cold_row("PUT", 1.1, 498, 1000))
    assert (put["environment"], put["method"], put["ratio"], put["ratio_without"], put["modules"]) == (
        "built",
        "PUT",
        1.2,
        1.1,
        2,
    )
    assert put["instructions_added"] == pytest.approx(0.1)
    assert put["ratio_instructions"] == 1.1
    get = metrics.compared(cold_row("GET", 1.1, 490, None), cold_row("GET", 1.0, 490, None))
    assert (get["modules"], get["instructions_added"], get["ratio_instructions"]) == (0, None, None), (
        "no count without valgrind"
    )


def test_the_events_suite_publishes_to_its_own_bus_whatever_an_earlier_suite_configured() -> None:
    """`make bench` runs the suites in one process: settings cached by an earlier one (no bus) are not
    the events suite's."""
    from operations_api import settings

    kept = dict(os.environ)
    use_bus("")
    settings.get_settings()
    try:
        with events.local_eventbridge():
            entries = events.entries_of(local_events.creations(1))
    finally:
        os.environ.clear()
        os.environ.update(kept)
        use_bus("")
    assert [entry["EventBusName"] for entry in entries] == [events.BUS]


def test_the_history_suite_prices_a_read_by_dynamodbs_rule_whatever_the_stand_in_reports(table: Any) -> None:
    """A GetItem is priced by its whole item, projection or not (a 400 KB record: 98 units strongly
    consistent, 49 eventually); a Query sums its items before rounding up to 4 KB, within its Limit."""
    from devtools.bench import history
    from devtools.item_size import padded_to, stored_item
    from tests.support.environment import TEST_ENVIRONMENT
    from tests.support.records import minimal_record

    records, entries = TEST_ENVIRONMENT["TABLE_NAME"], TEST_ENVIRONMENT["HISTORY_TABLE_NAME"]
    item = stored_item(padded_to(minimal_record(), 400_000))
    table.put_item(TableName=records, Item=item)
    get = {
        "TableName": records,
        "Key": {"operation_id": item["operation_id"]},
        "ProjectionExpression": "#id",
        "ExpressionAttributeNames": {"#id": "operation_id"},
        "ConsistentRead": True,
    }
    assert history.by_rule(table, "GetItem", get) == 98
    assert history.by_rule(table, "GetItem", {**get, "ConsistentRead": False}) == 49
    # 2,025 B each (a blob's bytes counted as a string's): 6,075 B in all, two units (three if each were
    # rounded alone)
    for position, pad in (("a", {"S": "x" * 2000}), ("b", {"S": "x" * 2000}), ("c", {"B": b"x" * 2000})):
        table.put_item(
            TableName=entries, Item={"operation_id": {"S": "q"}, "position": {"S": position}, "pad": pad}
        )
    query = {
        "TableName": entries,
        "KeyConditionExpression": "#id = :id",
        "ExpressionAttributeNames": {"#id": "operation_id", "#pad": "pad"},
        "ExpressionAttributeValues": {":id": {"S": "q"}},
        "ProjectionExpression": "#pad",
        "ConsistentRead": True,
    }
    assert history.by_rule(table, "Query", query) == 2
    assert history.by_rule(table, "Query", {**query, "Limit": 1}) == 1
    assert history.by_rule(table, "Query", {**query, "ConsistentRead": False}) == 1
