"""The operation page in a real headless Chromium: every cluster and the rollback, markup shown as text and
never run, and a running operation's page following the record as it changes."""

from __future__ import annotations

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from operations_client import OperationsClient
from operations_client._console.query import operation_href
from tests.console.browser_pages import texts, wait_for_text
from tests.console.test_pages import HOSTILE, hostile_record
from tests.support.records import full_record, minimal_record

pytestmark = pytest.mark.browser


def test_the_operation_page_shows_every_cluster_and_the_rollback(
    browser: WebDriver, console_url: str, api: OperationsClient
) -> None:
    record = full_record()
    api.put(record["operation_id"], record)
    browser.get(console_url + operation_href(record["operation_id"]))
    assert texts(browser, "h1 .badge") == ["failed"]
    assert texts(browser, ".target-clusters .cluster-id") == ["cluster-a", "cluster-b", "cluster-c"]
    assert texts(browser, ".target-clusters .state") == ["succeeded", "failed", "pending"]
    assert texts(browser, ".rollback .cluster-id") == ["cluster-a"]
    assert texts(browser, ".rollback-result") == ["succeeded"]
    assert texts(browser, ".elapsed") == ["took 2 min 42 s"]
    response_body = browser.find_element(By.CSS_SELECTOR, "#cluster-1-response pre")
    assert not response_body.is_displayed()
    browser.find_element(By.CSS_SELECTOR, "#cluster-1-response summary").click()
    assert response_body.text == '{\n  "error": "CIDR overlaps"\n}'
    assert "the operation is finished" in texts(browser, ".refreshed")[0]


def test_the_raw_json_link_shows_the_record_as_the_api_returned_it(
    browser: WebDriver, console_url: str, api: OperationsClient
) -> None:
    record = full_record()
    stored = api.put(record["operation_id"], record)
    browser.get(console_url + operation_href(record["operation_id"]))
    browser.find_element(By.CSS_SELECTOR, "a.raw").click()
    assert browser.find_element(By.TAG_NAME, "body").text == stored.raw


def test_a_script_in_a_record_is_shown_as_text_and_never_runs(
    browser: WebDriver, console_url: str, api: OperationsClient
) -> None:
    record = hostile_record()
    api.put(record["operation_id"], record)
    browser.get(console_url + operation_href(record["operation_id"]))
    assert browser.execute_script("return window.pwned === undefined")
    assert browser.title == "op-hostile · opsctl console"
    assert texts(browser, "p.sub-status") == [HOSTILE]
    assert texts(browser, ".request pre.body") == [HOSTILE]
    assert browser.find_elements(By.CSS_SELECTOR, "main img, main b, main i") == []
    scripts = browser.find_elements(By.TAG_NAME, "script")
    assert [script.get_attribute("src") for script in scripts] == [console_url + "/static/console.js"]


def test_the_page_of_a_running_operation_follows_the_record_until_it_finishes(
    browser: WebDriver, console_url: str, api: OperationsClient
) -> None:
    request = {"uri": "/api/networks", "method": "POST", "body": ""}
    running = minimal_record(
        operation_id="op-running",
        sub_status="creating networks",
        target_clusters=[{"cluster_id": "cluster-a", "request": request}],
    )
    api.put("op-running", running)
    browser.get(console_url + operation_href("op-running"))
    assert texts(browser, "h1 .badge") == ["executing"]
    assert texts(browser, ".target-clusters .state") == ["pending"]
    first_refresh = texts(browser, ".refreshed-at")[0]
    browser.find_element(By.CSS_SELECTOR, "#cluster-0-request summary").click()

    cluster_done = {
        "cluster_id": "cluster-a",
        "request": request,
        "response": {"status_code": 201, "body": ""},
    }
    api.put(
        "op-running", {**running, "last_update_time": "20261122_064300", "target_clusters": [cluster_done]}
    )
    wait_for_text(browser, ".target-clusters .state", "succeeded")
    assert texts(browser, "h1 .badge") == ["executing"]
    assert browser.execute_script("return document.getElementById('cluster-0-request').open"), "kept open"

    finished = {
        **running,
        "status": "completed",
        "last_update_time": "20261122_064400",
        "response": {"status_code": 201, "body": '{"id": "net-1"}'},
        "target_clusters": [cluster_done],
    }
    del finished["sub_status"]
    api.put("op-running", finished)
    wait_for_text(browser, "h1 .badge", "completed")
    assert texts(browser, ".elapsed") == ["took 1 min 30 s"]
    assert texts(browser, ".refreshed-at")[0] != first_refresh
    assert browser.find_elements(By.CSS_SELECTOR, "main[data-refresh]") == []
    assert "the operation is finished" in texts(browser, ".refreshed")[0]


def test_a_missing_operation_is_a_page_that_says_so(browser: WebDriver, console_url: str) -> None:
    browser.get(console_url + operation_href("op-never-written"))
    assert texts(browser, "h1") == ["No such operation"]
    assert texts(browser, ".problem-code") == ["OPERATION_NOT_FOUND"]
