"""opsctl list and get on records drawn by hypothesis (tests/unit/test_round_trip.py's, with ids up to 128
characters and printable non-ASCII text where opsctl shows it), through click's entry as the console script
calls it, against the local server: none, one or several records, in a window of update times of their own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from operations_client import OperationsClient
from operations_client._printable import printable as shown_escaped
from operations_client._summary import summarize
from tests.support.cli import RunCli, clusters_cell, listed_rows
from tests.support.listing import newest_first
from tests.unit.test_round_trip import records, stamp

WINDOWS = count()  # each example its own hour of 2036, and its own ids
FIRST_WINDOW = datetime(2036, 1, 1)
ID_PREFIX = "g{window:06d}{index}-"  # 9 characters: the rest of a 128-character id is drawn
ID_TAIL = r"[A-Za-z0-9._~-]"
WIDTHS = (80, 100, 160)

printable = st.text(st.characters(categories=("L", "N", "P", "S", "Zs")), max_size=20)
like_markup = st.sampled_from(
    ["[/]", "[bold]", "[red]x[/red]", "[link=https://x]", ":smile:", "\\[", "[1/3]"]
)
shown_text = st.builds("".join, st.lists(printable | like_markup, min_size=1, max_size=3)).filter(bool)


@dataclass(frozen=True)
class Drawn:
    tail: str  # the id after its prefix
    seconds: int  # its update time, in seconds after the window's start
    record: dict[str, Any]


@st.composite
def drawn_records(draw: st.DrawFn) -> Drawn:
    record = draw(records())
    record["request"]["uri"] = draw(shown_text)
    if draw(st.booleans()):
        record["sub_status"] = draw(shown_text)
    tail = draw(
        st.from_regex(rf"{ID_TAIL}{{119}}", fullmatch=True)
        | st.from_regex(rf"{ID_TAIL}{{0,40}}", fullmatch=True)
    )
    return Drawn(tail, draw(st.integers(0, 3599)), record)


def placed(drawn: list[Drawn]) -> tuple[list[dict[str, Any]], list[str]]:
    """The records in a window of their own, and the --since and --before that select it."""
    window = next(WINDOWS)
    start = FIRST_WINDOW + timedelta(hours=window)
    placed = []
    for index, one in enumerate(drawn):
        operation_id = ID_PREFIX.format(window=window, index=index) + one.tail
        moment = stamp(start + timedelta(seconds=one.seconds))
        placed.append(
            {
                **one.record,
                "operation_id": operation_id,
                "occurred_time": stamp(start),
                "last_update_time": moment,
            }
        )
    return placed, ["--since", stamp(start), "--before", stamp(start + timedelta(hours=1))]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=st.lists(drawn_records(), max_size=6), width=st.sampled_from(WIDTHS))
def test_list_shows_any_records_whole_in_both_formats(
    run_cli: RunCli, client: OperationsClient, drawn: list[Drawn], width: int
) -> None:
    written, window = placed(drawn)
    for record in written:
        client.put(record["operation_id"], record)
    expected = newest_first([summarize(record) for record in written])
    as_json = run_cli("list", *window, "-o", "json")
    assert as_json.exit_code == 0, as_json.stderr
    assert json.loads(as_json.stdout) == expected
    table = run_cli("list", *window, columns=width)
    assert table.exit_code == 0, table.stderr
    assert max(cell_len(line) for line in table.stdout.splitlines()) <= width
    rows = listed_rows(table.stdout)
    assert [operation_id for operation_id, _ in rows] == [summary["operation_id"] for summary in expected]
    for (_, cells), summary in zip(rows, expected, strict=True):
        assert cells.split()[:2] == [summary["status"], summary["last_update_time"]]
        assert cells.endswith(clusters_cell(summary))
    told = "" if written else "no operation matches these filters\n"
    assert table.stderr == as_json.stderr == told


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=drawn_records())
def test_get_shows_any_record_in_both_formats(
    run_cli: RunCli, client: OperationsClient, drawn: Drawn
) -> None:
    (record,), _ = placed([drawn])
    client.put(record["operation_id"], record)
    as_json = run_cli("get", record["operation_id"], "-o", "json")
    assert (as_json.exit_code, json.loads(as_json.stdout)) == (0, record)
    table = run_cli("get", record["operation_id"])
    assert table.exit_code == 0, table.stderr
    squeezed = "".join(table.stdout.split())
    assert record["operation_id"] in squeezed, "the id whole, folded"
    # its control characters shown escaped (\x1f), whitespace as Python's split() sees it folded away
    assert "".join(shown_escaped(record.get("sub_status", "")).split()) in squeezed
    assert ("no target clusters" in table.stdout) == (not record.get("target_clusters"))
