"""The overview and the list's refresh in a real headless Chromium, the console reading the fake API (which
serves the contract's counts and lists by cluster) with a clock the test sets: the counts and their links,
the box that goes to an operation, the cluster filter, and a refresh that shows when it last ran, pauses,
and fetches nothing while the tab is hidden."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.wait import WebDriverWait

from operations_client import OperationsClient
from operations_client._console.app import Console
from operations_client._console.server import start_in_background
from tests.client.fake_api import RESET, FakeApi, cluster_summary, serve, summary
from tests.console.browser_pages import WAIT_SECONDS, listed_ids, texts, wait_for_text
from tests.console.test_browser_list import follow
from tests.support.cli import FAST

pytestmark = pytest.mark.browser

REFRESH_SECONDS = 0.5
QUIET_INTERVALS = 6  # how long a paused or hidden page is watched for fetches it must not make
COUNTS = {
    "in_progress": {"unexecuted": 2, "executing": 17},
    "finished": {"completed": 310, "failed": 6, "canceled": 1},
}
CLUSTER = "eu-west-3"


class Clock:
    """The console's clock: what the test last set."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 9, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def tick(self) -> str:
        """A second later; the refresh bar's text for it."""
        self.now += timedelta(seconds=1)
        return self.now.strftime("%H:%M:%S UTC")


@pytest.fixture(scope="module")
def fleet_api() -> Iterator[FakeApi]:
    yield from serve()


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def console(fleet_api: FakeApi, clock: Clock) -> Iterator[str]:
    client = OperationsClient(fleet_api.url, retry_policy=FAST)
    running = start_in_background(Console(client, fleet_api.url, clock, refresh_seconds=REFRESH_SECONDS))
    try:
        yield running.url
    finally:
        running.stop()


@pytest.fixture
def api(fleet_api: FakeApi) -> FakeApi:
    """The fake API, serving the counts and no operation (a test adds what it lists)."""
    fleet_api.counts = {group: dict(tally) for group, tally in COUNTS.items()}
    fleet_api.summaries = []
    fleet_api.by_cluster = {}
    return fleet_api


def refresh_state(browser: WebDriver) -> str:
    state: str = browser.execute_script(
        "return document.querySelector('.refresh-bar').getAttribute('data-refresh-state');"
    )
    return state


def wait_until(browser: WebDriver, condition: Callable[[], bool], what: str) -> None:
    WebDriverWait(browser, WAIT_SECONDS, poll_frequency=0.1).until(lambda _: condition(), what)


def fetches(api: FakeApi, path: str) -> int:
    return sum(1 for received in api.received if received.path == path)


def stays_quiet(browser: WebDriver, api: FakeApi, path: str) -> int:
    """How many more times `path` was fetched while QUIET_INTERVALS refresh intervals passed (the clock
    of the browser's own tab, read in a second tab when the first is hidden)."""
    before = fetches(api, path)
    start = browser.execute_script("return performance.timeOrigin + performance.now();")
    wait_until(
        browser,
        lambda: (
            browser.execute_script("return performance.timeOrigin + performance.now();") - start
            >= QUIET_INTERVALS * REFRESH_SECONDS * 1000
        ),
        "the browser's clock never moved",
    )
    return fetches(api, path) - before


def test_the_overview_shows_the_counts_and_each_leads_to_its_list(
    browser: WebDriver, console: str, api: FakeApi
) -> None:
    browser.get(console + "/overview")
    assert texts(browser, ".tile .number") == ["2", "17", "310", "6", "1"]
    assert texts(browser, ".tile .badge") == ["unexecuted", "executing", "completed", "failed", "canceled"]
    api.summaries = [summary(1, "failed")]
    follow(browser, '.tile[data-status="failed"]')
    assert browser.current_url == console + "/?status=failed&since=20261121_100000"
    assert listed_ids(browser) == [summary(1)["operation_id"]]
    checked = browser.find_elements(By.CSS_SELECTOR, 'input[name="status"]:checked')
    assert [box.get_attribute("value") for box in checked] == ["failed"]


def test_the_overview_keeps_its_counts_current(
    browser: WebDriver, console: str, api: FakeApi, clock: Clock
) -> None:
    browser.get(console + "/overview")
    api.counts["in_progress"]["executing"] = 18
    refreshed = clock.tick()
    wait_for_text(browser, '.tile[data-status="executing"] .number', "18")
    wait_for_text(browser, ".refreshed-at", refreshed)


def test_the_list_refreshes_itself_and_says_when_it_last_did(
    browser: WebDriver, console: str, api: FakeApi, clock: Clock
) -> None:
    browser.get(console + "/")
    assert listed_ids(browser) == []
    api.summaries = [summary(1)]
    refreshed = clock.tick()
    wait_until(
        browser, lambda: listed_ids(browser) == [summary(1)["operation_id"]], "the new row never showed"
    )
    wait_for_text(browser, ".refreshed-at", refreshed)
    assert texts(browser, ".refresh-bar")[0].startswith(f"Last refreshed {refreshed}")
    assert "refreshing every 0.5 s" in texts(browser, ".refresh-state")[0]


def test_pause_stops_the_refresh_until_resume(browser: WebDriver, console: str, api: FakeApi) -> None:
    browser.get(console + "/")
    wait_until(browser, lambda: refresh_state(browser) == "running", "the list never began refreshing")
    browser.find_element(By.CSS_SELECTOR, ".refresh-toggle").click()
    assert (refresh_state(browser), texts(browser, ".refresh-toggle")) == ("paused", ["Resume"])
    assert stays_quiet(browser, api, "/v1/operations") <= 1, "at most the fetch already under way"
    api.summaries = [summary(5)]
    assert stays_quiet(browser, api, "/v1/operations") == 0
    assert listed_ids(browser) == []
    browser.find_element(By.CSS_SELECTOR, ".refresh-toggle").click()
    wait_until(browser, lambda: listed_ids(browser) == [summary(5)["operation_id"]], "resume never refreshed")
    assert (refresh_state(browser), texts(browser, ".refresh-toggle")) == ("running", ["Pause"])


def test_a_failed_refresh_is_told_and_tried_again(browser: WebDriver, console: str, api: FakeApi) -> None:
    browser.get(console + "/")
    wait_until(browser, lambda: refresh_state(browser) == "running", "the list never began refreshing")
    api.answer(*[RESET] * FAST.attempts)  # the console's client gives up: the console answers a 502 page
    wait_for_text(browser, ".refresh-state", "; the last refresh failed, trying again in 0.5 s")
    api.summaries = [summary(9)]
    wait_until(browser, lambda: listed_ids(browser) == [summary(9)["operation_id"]], "never refreshed again")
    wait_for_text(browser, ".refresh-state", "; refreshing every 0.5 s")


def test_a_hidden_tab_fetches_nothing_and_refreshes_once_shown(
    browser: WebDriver, console: str, api: FakeApi
) -> None:
    browser.get(console + "/")
    console_tab = browser.current_window_handle
    started = fetches(api, "/v1/operations")
    wait_until(browser, lambda: fetches(api, "/v1/operations") >= started + 2, "the list never refreshed")
    browser.switch_to.new_window("tab")  # the console's tab is hidden: document.visibilityState
    try:
        assert browser.execute_script("return document.visibilityState;") == "visible"
        assert stays_quiet(browser, api, "/v1/operations") <= 1, "at most the fetch already under way"
        api.summaries = [summary(7)]
    finally:
        browser.close()
        browser.switch_to.window(console_tab)
    wait_until(
        browser, lambda: listed_ids(browser) == [summary(7)["operation_id"]], "never refreshed once shown"
    )
    assert refresh_state(browser) == "running"


def test_the_box_goes_straight_to_an_operation(browser: WebDriver, console: str, api: FakeApi) -> None:
    browser.get(console + "/overview")
    box = browser.find_element(By.ID, "jump-id")
    box.send_keys("op/with space")
    box.send_keys(Keys.ENTER)
    wait_until(browser, lambda: "/operations/" in browser.current_url, "the box led nowhere")
    assert browser.current_url == console + "/operations/op%2Fwith%20space"
    assert "'op/with space'" in texts(browser, ".explanation")[0], "the operation's page, for that id"


def test_the_cluster_filter_lists_the_cluster_s_operations_with_their_state(
    browser: WebDriver, console: str, api: FakeApi
) -> None:
    api.by_cluster = {
        CLUSTER: [cluster_summary(2, CLUSTER, "failed", "succeeded"), cluster_summary(1, CLUSTER, "pending")]
    }
    browser.get(console + "/")
    browser.find_element(By.CSS_SELECTOR, 'input[name="cluster"]').send_keys(CLUSTER)
    follow(browser, "form.filters button")
    assert f"cluster={CLUSTER}" in browser.current_url
    assert listed_ids(browser) == [summary(2)["operation_id"], summary(1)["operation_id"]]
    assert texts(browser, "td.in-cluster .state") == ["failed", "succeeded", "pending"]
    assert api.received[-1].query["cluster"] == CLUSTER
