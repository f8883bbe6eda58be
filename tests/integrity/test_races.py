"""Races (docs/api.md, "Writes never go back"): hundreds of out-of-order reports from many threads,
over HTTP, on dynalite.

Workers report asynchronously, so their PUTs arrive in any order and at the same time. Each of many
operations gets a burst of reports over the three seconds of its life, several per second; some end in
a terminal report sent in the same second as running ones. Each burst is shuffled and fired at once from
16 threads, spread over a fleet of local servers (separate processes, as Lambda's execution environments
are), so that the winning report really races the others, while pollers read the operations back through
a server of their own. Whatever the order, the contract says what must be left:

- the final record is one of the newest reports; if the newest second holds a terminal report, that one;
- a terminal status, once stored, is never left (checked by every poll, not only at the end);
- every refusal is a 409 problem, STALE_UPDATE or TERMINAL_STATUS, and a refusal is never of the report
  that had to win; nothing answers 5xx.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

import pytest

from operations_api.record.rules import TERMINAL_STATUSES
from tests.support.raw_http import Reply, get, put_json

pytestmark = pytest.mark.races

PUT_THREADS: Final = 16
POLL_THREADS: Final = 4
ROUNDS: Final = 12
SECONDS_OF_LIFE: Final = 3
REPORTS_PER_SECOND: Final = 4
REPLAYS_PER_OPERATION: Final = 2
STARTED: Final = datetime(2026, 11, 22, 6, 42, 30)
REFUSAL_CODES: Final = frozenset({"STALE_UPDATE", "TERMINAL_STATUS"})
REQUEST: Final = {"uri": "/v1/networks", "method": "POST", "body": '{"name": "net-a"}'}


def at(second: int) -> str:
    return (STARTED + timedelta(seconds=second)).strftime("%Y%m%d_%H%M%S")


def report(operation_id: str, second: int, status: str = "executing", **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "operation_id": operation_id,
        "occurred_time": at(0),
        "last_update_time": at(second),
        "status": status,
        "request": REQUEST,
        **extra,
    }
    if status == "executing" and "sub_status" not in record:
        record["sub_status"] = f"second {second}"
    return record


def running_reports(operation_id: str, seconds: range, per_second: int) -> list[dict[str, Any]]:
    return [
        report(operation_id, second, sub_status=f"second {second}, worker {worker}")
        for second in seconds
        for worker in range(per_second)
    ]


def completes(operation_id: str) -> list[dict[str, Any]]:
    """Running reports each second; in the last one, a `completed` among three running reports."""
    last = SECONDS_OF_LIFE - 1
    done = report(operation_id, last, "completed", response={"status_code": 201, "body": '{"id": "n-1"}'})
    return [*running_reports(operation_id, range(last + 1), REPORTS_PER_SECOND - 1), done]


def fails_then_rolls_back(operation_id: str) -> list[dict[str, Any]]:
    """`failed` one second before the end, then `failed` again with its rollbacks, each second shared
    with running reports: the failure with rollbacks must be what is left."""
    last = SECONDS_OF_LIFE - 1
    response = {"status_code": 500, "body": "quota exceeded"}
    rollbacks = {"result": "rolled back", "occurred_time": at(last), "target_clusters": []}
    return [
        *running_reports(operation_id, range(last + 1), REPORTS_PER_SECOND - 1),
        report(operation_id, last - 1, "failed", response=response),
        report(operation_id, last, "failed", response=response, rollbacks=rollbacks),
    ]


def is_canceled(operation_id: str) -> list[dict[str, Any]]:
    last = SECONDS_OF_LIFE - 1
    return [
        *running_reports(operation_id, range(last + 1), REPORTS_PER_SECOND - 1),
        report(operation_id, last, "canceled"),
    ]


def keeps_running(operation_id: str) -> list[dict[str, Any]]:
    return running_reports(operation_id, range(SECONDS_OF_LIFE), REPORTS_PER_SECOND)


SCENARIOS: Final[dict[str, Callable[[str], list[dict[str, Any]]]]] = {
    "completes": completes,
    "fails-then-rolls-back": fails_then_rolls_back,
    "is-canceled": is_canceled,
    "keeps-running": keeps_running,
}
OPERATIONS: Final = {
    f"race-{round_number}-{name}": scenario
    for round_number in range(ROUNDS)
    for name, scenario in SCENARIOS.items()
}


def acceptable_finals(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reports that may be left at the end: those of the newest second, and of these only the terminal
    ones if there is one. (Holds because a scenario's terminal reports share one status, and its newest
    second holds a terminal report whenever an earlier second does.)"""
    newest = max(record["last_update_time"] for record in reports)
    candidates = [record for record in reports if record["last_update_time"] == newest]
    terminal = [record for record in candidates if record["status"] in TERMINAL_STATUSES]
    assert len({record["status"] for record in reports if record["status"] in TERMINAL_STATUSES}) <= 1
    return terminal or candidates


@dataclass
class Observations:
    """What the PUTs and the polls saw, per operation, thread-safely."""

    puts: list[tuple[dict[str, Any], Reply]] = field(default_factory=list)
    polls: dict[str, list[Reply]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record_put(self, record: dict[str, Any], reply: Reply) -> None:
        with self.lock:
            self.puts.append((record, reply))

    def counts(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for _, reply in self.puts:
            counts["fired"] += 1
            counts["accepted" if reply.status == 200 else f"refused {reply.status} {reply.problem_code}"] += 1
        counts["polls"] = sum(len(replies) for replies in self.polls.values())
        return counts


def poll_until(stop: threading.Event, base_url: str, operation_ids: list[str], seen: Observations) -> None:
    while not stop.is_set():
        for operation_id in operation_ids:
            reply = get(base_url, operation_id)
            with seen.lock:
                seen.polls.setdefault(operation_id, []).append(reply)


def start_pollers(stop: threading.Event, base_url: str, observations: Observations) -> list[threading.Thread]:
    """Each operation is polled by one thread, in turn, so each poll sees a later state than the last."""
    operation_ids = list(OPERATIONS)
    pollers = [
        threading.Thread(
            target=poll_until, args=(stop, base_url, operation_ids[shard::POLL_THREADS], observations)
        )
        for shard in range(POLL_THREADS)
    ]
    for poller in pollers:
        poller.start()
    return pollers


def fire(
    put_urls: list[str], get_url: str, bursts: list[list[dict[str, Any]]], observations: Observations
) -> None:
    stop = threading.Event()
    pollers = start_pollers(stop, get_url, observations)
    try:
        with ThreadPoolExecutor(max_workers=PUT_THREADS) as pool:
            for burst in bursts:
                urls = [put_urls[index % len(put_urls)] for index in range(len(burst))]
                for record, reply in zip(burst, pool.map(put_json, urls, burst), strict=True):
                    observations.record_put(record, reply)
    finally:
        stop.set()
        for poller in pollers:
            poller.join(timeout=30)


def all_bursts(seed: int) -> list[list[dict[str, Any]]]:
    """One burst per operation: its reports and a few identical replays, shuffled."""
    shuffler = random.Random(seed)  # noqa: S311 (an order to replay from its seed, not a secret)
    bursts = []
    for operation_id, scenario in OPERATIONS.items():
        reports = scenario(operation_id)
        burst = reports + shuffler.sample(reports, REPLAYS_PER_OPERATION)
        shuffler.shuffle(burst)
        bursts.append(burst)
    return bursts


def check_put_replies(observations: Observations, summary: str) -> None:
    for record, reply in observations.puts:
        assert reply.status < 500, f"{reply.status} {reply.body[:300]!r}; {summary}"
        if reply.status == 200:
            assert reply.json() == record, summary
        else:
            assert reply.status == 409, f"{reply.status} {reply.body[:300]!r}; {summary}"
            assert reply.problem_code in REFUSAL_CODES, f"{reply.body[:300]!r}; {summary}"


def check_winners_were_never_refused(observations: Observations, summary: str) -> None:
    """A terminal report of the newest second can never be refused, whatever came before it."""
    by_operation: dict[str, list[dict[str, Any]]] = {}
    for record, _ in observations.puts:
        by_operation.setdefault(record["operation_id"], []).append(record)
    must_win = {
        id(record)
        for reports in by_operation.values()
        for record in acceptable_finals(reports)
        if record["status"] in TERMINAL_STATUSES
    }
    for record, reply in observations.puts:
        if id(record) in must_win:
            assert reply.status == 200, f"the winning report was refused: {reply.body[:300]!r}; {summary}"


def check_polls(observations: Observations, summary: str) -> None:
    """Each poller saw time never go back, and a terminal status, once seen, never left."""
    for operation_id, replies in observations.polls.items():
        seen_terminal: str | None = None
        newest = ""
        for reply in replies:
            assert reply.status in (200, 404), (
                f"{operation_id}: {reply.status} {reply.body[:300]!r}; {summary}"
            )
            if reply.status == 404:
                assert not newest, f"{operation_id} vanished after being stored; {summary}"
                continue
            record = reply.json()
            assert record["last_update_time"] >= newest, f"{operation_id} went back in time; {summary}"
            newest = record["last_update_time"]
            if seen_terminal is not None:
                assert record["status"] == seen_terminal, f"{operation_id} left {seen_terminal}; {summary}"
            elif record["status"] in TERMINAL_STATUSES:
                seen_terminal = record["status"]


def check_finals(base_url: str, summary: str) -> None:
    for operation_id, scenario in OPERATIONS.items():
        final = get(base_url, operation_id)
        assert final.status == 200, summary
        assert final.json() in acceptable_finals(scenario(operation_id)), f"{operation_id}: {summary}"


def test_out_of_order_reports_from_many_threads_leave_the_newest_record(fleet_on_dynalite: list[str]) -> None:
    put_urls, get_url = fleet_on_dynalite[:-1], fleet_on_dynalite[-1]
    seed = random.SystemRandom().randrange(2**32)
    observations = Observations()
    fire(put_urls, get_url, all_bursts(seed), observations)
    counts = observations.counts()
    summary = (
        f"seed {seed}, {PUT_THREADS} threads, {len(put_urls)} servers, {len(OPERATIONS)} operations, "
        f"{dict(sorted(counts.items()))}"
    )
    print(f"\nraces: {summary}")
    assert counts["fired"] >= 500, summary
    check_put_replies(observations, summary)
    check_winners_were_never_refused(observations, summary)
    check_polls(observations, summary)
    check_finals(get_url, summary)
