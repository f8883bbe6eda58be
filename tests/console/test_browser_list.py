"""The list page in a real headless Chromium: seeded operations, newest first, filtered and paged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.wait import WebDriverWait

from operations_client import OperationsClient
from operations_client._console.present import absolute, relative
from tests.console.browser_pages import WAIT_SECONDS, listed_ids, row_texts, texts
from tests.support.records import cluster, minimal_record

pytestmark = pytest.mark.browser

TIME_FORMAT = "%Y%m%d_%H%M%S"


def operation(operation_id: str, status: str, updated: datetime, **fields: Any) -> dict[str, Any]:
    time = updated.strftime(TIME_FORMAT)
    if status in {"completed", "failed"}:
        fields.setdefault("response", {"status_code": 200 if status == "completed" else 500, "body": ""})
    return minimal_record(
        operation_id=operation_id, status=status, occurred_time=time, last_update_time=time, **fields
    )


@pytest.fixture(scope="module")
def seeded(api: OperationsClient) -> list[str]:
    """Four operations (every status but unexecuted), 2 minutes to 3 days old; their ids, newest first."""
    now = datetime.now(UTC)
    records = [
        operation(
            "list-executing",
            "executing",
            now - timedelta(minutes=2),
            sub_status="creating networks",
            target_clusters=[cluster("a", 201), cluster("b", 409), cluster("c", None)],
        ),
        operation("list-failed", "failed", now - timedelta(minutes=20)),
        operation("list-completed", "completed", now - timedelta(hours=3)),
        operation("list-canceled", "canceled", now - timedelta(days=3)),
    ]
    for record in records:
        api.put(record["operation_id"], record)
    return [record["operation_id"] for record in records]


def apply_filters(browser: WebDriver, statuses: tuple[str, ...] = (), window: str = "all") -> None:
    """Tick the filters and submit them; returns once the filtered page has replaced this one."""
    for checkbox in browser.find_elements(By.CSS_SELECTOR, 'input[name="status"]'):
        if checkbox.is_selected() != (checkbox.get_attribute("value") in statuses):
            checkbox.click()
    browser.find_element(By.CSS_SELECTOR, f'input[name="window"][value="{window}"]').click()
    follow(browser, "form.filters button")


def follow(browser: WebDriver, selector: str) -> None:
    """Click what leads to another page, and return once that page has replaced this one."""
    page = browser.find_element(By.TAG_NAME, "main")
    browser.find_element(By.CSS_SELECTOR, selector).click()
    WebDriverWait(browser, WAIT_SECONDS).until(staleness_of(page), f"{selector} led to no new page")


def test_the_list_shows_the_seeded_operations_newest_first_with_their_badges_times_and_clusters(
    browser: WebDriver, console_url: str, seeded: list[str]
) -> None:
    before = datetime.now(UTC)
    browser.get(console_url + "/")
    after = datetime.now(UTC)
    assert listed_ids(browser) == seeded
    assert row_texts(browser, "list-executing", ".badge") == ["executing"]
    assert row_texts(browser, "list-failed", ".badge") == ["failed"]
    assert row_texts(browser, "list-executing", ".sub-status") == ["creating networks"]
    assert row_texts(browser, "list-executing", ".cluster-summary") == ["2/3 done, 1 failed"]
    assert row_texts(browser, "list-failed", ".cluster-summary") == ["no clusters"]
    for operation_id in ("list-executing", "list-canceled"):
        updated = browser.find_element(By.CSS_SELECTOR, f'[data-operation="{operation_id}"] time')
        moment = updated.get_attribute("datetime")
        assert updated.text == absolute(moment)
        assert row_texts(browser, operation_id, ".relative")[0] in {
            relative(moment, before),
            relative(moment, after),
        }
    assert row_texts(browser, "list-executing", ".uri") == ["/v1/networks"]
    badge_colour = browser.find_element(By.CSS_SELECTOR, '[data-operation="list-failed"] .badge')
    assert badge_colour.value_of_css_property("background-color") == "rgba(207, 34, 46, 1)"


def test_filters_narrow_the_list_and_live_in_its_url(
    browser: WebDriver, console_url: str, seeded: list[str]
) -> None:
    browser.get(console_url + "/")
    apply_filters(browser, statuses=("failed", "canceled"))
    assert listed_ids(browser) == ["list-failed", "list-canceled"]
    shared = browser.current_url
    assert "status=failed" in shared
    assert "status=canceled" in shared
    browser.get(console_url + "/")
    browser.get(shared)
    assert listed_ids(browser) == ["list-failed", "list-canceled"]
    apply_filters(browser, window="1h")
    assert listed_ids(browser) == ["list-executing", "list-failed"]
    assert "window=1h" in browser.current_url
    apply_filters(browser, statuses=("unexecuted",))
    assert listed_ids(browser) == []
    assert "No operations match these filters." in browser.find_element(By.TAG_NAME, "main").text


def test_next_and_previous_walk_the_pages_of_the_list(
    browser: WebDriver, console_url: str, seeded: list[str]
) -> None:
    browser.get(console_url + "/?page_size=3")
    assert listed_ids(browser) == seeded[:3]
    assert texts(browser, 'a[rel="prev"]') == []
    follow(browser, 'a[rel="next"]')
    assert listed_ids(browser) == seeded[3:]
    assert texts(browser, ".page-number") == ["page 2"]
    assert texts(browser, 'a[rel="next"]') == []
    follow(browser, 'a[rel="prev"]')
    assert listed_ids(browser) == seeded[:3]
    assert texts(browser, ".page-number") == ["page 1"]
