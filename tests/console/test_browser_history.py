"""The operation page's history in a real headless Chromium: each change readable, and each version one click
away, against the fake API serving a history built as the contract says."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from operations_client import OperationsClient
from operations_client._console.app import Console
from operations_client._console.query import operation_href
from operations_client._console.server import start_in_background
from tests.client.fake_api import serve
from tests.client.history_entries import PRINCIPAL, entries_of, rollout
from tests.console.browser_pages import texts

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def history_console() -> Iterator[str]:
    """The console, serving the fake API, which serves op-rollout and its history of three changes."""
    for api in serve():
        api.serve_history("op-rollout", rollout("op-rollout"), entries_of(rollout("op-rollout")))
        running = start_in_background(Console(OperationsClient(api.url), api.url))
        try:
            yield running.url
        finally:
            running.stop()


def test_the_timeline_shows_each_change_and_each_version_is_one_click_away(
    browser: WebDriver, history_console: str
) -> None:
    browser.get(history_console + operation_href("op-rollout"))
    assert texts(browser, ".timeline .version") == ["#1", "#2", "#3"]
    assert texts(browser, ".timeline .principal") == [PRINCIPAL] * 3
    assert texts(browser, ".timeline .status-change") == [
        "created executing",
        "executing",
        "executing → failed",
    ]
    assert texts(browser, ".timeline .changes li") == [
        "sub status: creating networks",
        "east-1: pending",
        "west-2: pending",
        "sub status: creating networks → 1/2 clusters",
        "east-1: pending → 200",
        "sub status removed",
        "response: 500",
        "west-2: pending → 500",
    ]
    browser.find_element(By.CSS_SELECTOR, '.timeline tr[data-sequence="2"] a.version').click()
    assert browser.current_url == history_console + "/operations/op-rollout/history/2"
    assert texts(browser, ".version-note")[0].startswith("As it was after change #2")
    assert texts(browser, "h1 .badge") == ["executing"]
    assert texts(browser, ".target-clusters .state") == ["succeeded", "pending"]
    browser.find_element(By.CSS_SELECTOR, "a.now").click()
    assert texts(browser, "h1 .badge") == ["failed"]
    assert texts(browser, ".target-clusters .state") == ["succeeded", "failed"]
