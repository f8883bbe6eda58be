"""`make screenshots`: the console's pages in headless Chromium, saved as docs/console-*.png.

Seeds the README's example operations on a local API (devtools.local_server, in this process), the failed one
change by change, serves the console against it, and photographs the list, the overview, the failed
operation's page and its history (once the history has recorded every change). The local server runs no
IAM authorizer (docs/deploy.md), so its PUTs have no writer: the failed operation's changes are written by
the PUT function itself, in this process, with the request context API Gateway's IAM authorizer would give
it (events/put_operation.json's), so that its history shows who made each change. The browser is Debian's
chromium driven by its chromedriver through Selenium, named explicitly: Selenium Manager never downloads a
browser or a driver. The browser tests start Chromium with `headless_chromium` too.
"""

from __future__ import annotations

import copy
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from devtools import local_server
from devtools.local_api import LoadedFunction
from devtools.template import ROOT, load_template
from operations_client import NotFoundError, OperationsClient
from operations_client._console.app import Console
from operations_client._console.query import operation_href
from operations_client._console.server import start_in_background

CHROMIUM: Final = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER: Final = Path(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
CHROMIUM_ARGUMENTS: Final = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)
DOCS: Final = ROOT / "docs"
WIDTH: Final = 1280
MIN_HEIGHT: Final = 300
MAX_HEIGHT: Final = 2400
TIME_FORMAT: Final = "%Y%m%d_%H%M%S"
HISTORY_PATIENCE: Final = 120.0  # seconds the history may take to record the seeded changes
DEPLOYER: Final = "arn:aws:iam::123456789012:user/deployer"  # events/put_operation.json's caller
WORKER: Final = "arn:aws:sts::123456789012:assumed-role/network-worker/worker-7"


def missing_browser() -> str | None:
    """Why the console cannot be shown in a browser here, or None when Chromium and its driver exist."""
    absent = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.is_file()]
    if not absent:
        return None
    return f"{' and '.join(absent)} not installed (Debian: apt-get install chromium chromium-driver)"


@contextmanager
def headless_chromium(width: int = WIDTH, height: int = 900) -> Iterator[WebDriver]:
    """Debian's Chromium, headless, with a fresh profile; quit on exit."""
    with tempfile.TemporaryDirectory(prefix="console-chromium-") as profile:
        options = Options()
        options.binary_location = str(CHROMIUM)
        for argument in (
            *CHROMIUM_ARGUMENTS,
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
        ):
            options.add_argument(argument)
        driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def readme_operation() -> dict[str, Any]:
    """The README's quick-start operation (op-42: executing, one cluster)."""
    return {
        "operation_id": "op-42",
        "occurred_time": "20261122_064230",
        "last_update_time": "20261122_064230",
        "status": "executing",
        "sub_status": "creating networks",
        "request": {"uri": "/v1/networks", "method": "POST", "body": '{"name": "net-a"}'},
        "target_clusters": [
            {
                "cluster_id": "cluster-a",
                "request": {"uri": "/api/networks", "method": "POST", "body": '{"name": "net-a"}'},
            }
        ],
    }


def put_fixture() -> dict[str, Any]:
    event: dict[str, Any] = json.loads((ROOT / "events" / "put_operation.json").read_text(encoding="utf-8"))
    return event


def full_operation() -> dict[str, Any]:
    """The README's full example (events/put_operation.json): failed, three clusters, a rollback."""
    record: dict[str, Any] = json.loads(put_fixture()["body"])
    return record


def signed_put(record: dict[str, Any], principal: str) -> dict[str, Any]:
    """The PUT of this record as API Gateway passes it once its IAM authorizer has named the caller."""
    event = put_fixture()
    path = f"/v1/operations/{record['operation_id']}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["pathParameters"] = {"operation_id": record["operation_id"]}
    event["body"] = json.dumps(record)
    event["headers"]["content-length"] = str(len(event["body"].encode("utf-8")))
    event["requestContext"]["authorizer"]["iam"]["userArn"] = principal
    return event


def full_operation_writers() -> list[str]:
    """Who reports each change of the full example: the deployer creates it, its worker reports the rest."""
    return [DEPLOYER] + [WORKER] * (len(full_operation_steps()) - 1)


def full_operation_steps() -> list[dict[str, Any]]:
    """The full example as its worker reported it, change by change: created with three clusters waiting,
    cluster-a answers 201, cluster-b 409, then the operation fails and is rolled back."""
    final = full_operation()
    created = copy.deepcopy(final)
    for key in ("response", "rollbacks"):
        del created[key]
    created.update(
        status="executing", last_update_time=final["occurred_time"], sub_status="creating networks"
    )
    for cluster in created["target_clusters"]:
        cluster["response"] = None
    first = copy.deepcopy(created)
    first.update(last_update_time="20261122_064302", sub_status="1/3 clusters")
    first["target_clusters"][0] = final["target_clusters"][0]
    second = copy.deepcopy(first)
    second.update(last_update_time="20261122_064348", sub_status="rolling back cluster-a")
    second["target_clusters"][1] = final["target_clusters"][1]
    return [created, first, second, final]


def recent_operations(now: datetime) -> list[dict[str, Any]]:
    """A few more operations of the last hour, so that the list shows each status."""

    def at(minutes_ago: int) -> str:
        return (now - timedelta(minutes=minutes_ago)).strftime(TIME_FORMAT)

    def cluster(name: str, status_code: int | None) -> dict[str, Any]:
        request = {"uri": "/api/volumes", "method": "PUT", "body": '{"size_gb": 100}'}
        response = None if status_code is None else {"status_code": status_code, "body": ""}
        return {"cluster_id": name, "request": request, "response": response}

    request = {"uri": "/v1/volumes/vol-9", "method": "PUT", "body": '{"size_gb": 100}'}
    return [
        {
            "operation_id": "op-57",
            "occurred_time": at(6),
            "last_update_time": at(1),
            "status": "executing",
            "sub_status": "resizing volumes",
            "request": request,
            "target_clusters": [
                cluster("cluster-a", 200),
                cluster("cluster-b", 200),
                cluster("cluster-c", None),
            ],
        },
        {
            "operation_id": "op-56",
            "occurred_time": at(40),
            "last_update_time": at(31),
            "status": "completed",
            "request": request,
            "response": {"status_code": 200, "body": '{"id": "vol-9"}'},
            "target_clusters": [cluster("cluster-a", 200), cluster("cluster-b", 200)],
        },
        {
            "operation_id": "op-55",
            "occurred_time": at(58),
            "last_update_time": at(52),
            "status": "canceled",
            "request": {"uri": "/v1/volumes/vol-8", "method": "DELETE", "body": ""},
        },
    ]


def seed(client: OperationsClient, now: datetime) -> None:
    """The operations, on the local API whose environment this process holds (its DynamoDB, its tables)."""
    client.put(readme_operation()["operation_id"], readme_operation())
    put = LoadedFunction(load_template().functions["PutOperationFunction"])
    for record, principal in zip(full_operation_steps(), full_operation_writers(), strict=True):
        answer = put.invoke(signed_put(record, principal))
        if answer["statusCode"] != 200:
            raise RuntimeError(f"the signed PUT answered {answer['statusCode']}: {answer['body']}")
    for record in recent_operations(now):
        client.put(record["operation_id"], record)


def history_recorded(client: OperationsClient, operation_id: str, patience: float = HISTORY_PATIENCE) -> bool:
    """Whether the operation's history shows its current version within `patience` seconds (it follows a
    write by about a second)."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        try:
            entries = list(client.history(operation_id))
        except NotFoundError:
            entries = []
        if entries and entries[-1]["version"] == client.get(operation_id).etag.strip('"'):
            return True
        time.sleep(0.2)
    return False


def fit_to_page(driver: WebDriver) -> None:
    """Resize the window to the page's height (up to MAX_HEIGHT), for a screenshot of the whole page."""
    driver.set_window_size(WIDTH, MIN_HEIGHT)  # the page's height is at least the window's
    chrome, height = driver.execute_script(
        "window.scrollTo(0, 0); return [window.outerHeight - window.innerHeight, "
        "document.documentElement.scrollHeight];"
    )
    driver.set_window_size(WIDTH, min(int(height) + int(chrome), MAX_HEIGHT))


def take(
    driver: WebDriver, url: str, path: Path, open_details: tuple[str, ...] = (), section: str | None = None
) -> None:
    """A screenshot of the whole page at `url` (or of its element matching the CSS selector `section`),
    with the <details> of these ids opened first."""
    driver.get(url)
    for details_id in open_details:
        driver.execute_script("document.getElementById(arguments[0]).open = true;", details_id)
    fit_to_page(driver)
    if section is None:
        driver.save_screenshot(str(path))
    else:
        element = driver.find_element(By.CSS_SELECTOR, section)
        # an element is photographed as far as the window shows it: bring all of it into the window
        driver.execute_script("arguments[0].scrollIntoView(true);", element)
        element.screenshot(str(path))
    print(f"wrote {path.relative_to(ROOT)}", file=sys.stderr)


def photograph(console_url: str) -> None:
    """The list, the overview, the failed operation's page and its history, into docs/."""
    with headless_chromium() as driver:
        take(driver, console_url + "/", DOCS / "console-list.png")
        take(driver, console_url + "/overview", DOCS / "console-overview.png")
        operation_url = console_url + operation_href(full_operation()["operation_id"])
        take(driver, operation_url, DOCS / "console-operation.png", open_details=("cluster-1-response",))
        take(driver, operation_url, DOCS / "console-history.png", section="section.history")


def main() -> int:
    reason = missing_browser()
    if reason is not None:
        print(f"make screenshots needs Chromium: {reason}", file=sys.stderr)
        return 1
    api = local_server.start(port=0)
    try:
        client = OperationsClient(api.url)
        seed(client, datetime.now(UTC))
        if not history_recorded(client, full_operation()["operation_id"]):
            told = "the local server recorded no history of the seeded changes"
            print(f"make screenshots: {told} in {HISTORY_PATIENCE:g} s", file=sys.stderr)
            return 1
        console = start_in_background(Console(client, api.url))
        try:
            photograph(console.url)
        finally:
            console.stop()
    finally:
        api.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
