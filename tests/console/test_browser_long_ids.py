"""The longest ids the API takes (128 characters) in a real headless Chromium: the list keeps its layout,
each id cut with an ellipsis but whole in its tooltip and its link, and the operation page shows it whole."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from operations_client import OperationsClient
from operations_client._console.query import operation_href
from tests.console.browser_pages import listed_ids, texts
from tests.support.records import minimal_record

pytestmark = pytest.mark.browser

SHORT = "short-id"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
LONG = [  # no break opportunity; a break at each hyphen; dots, tildes and underscores
    (ALPHABET * 3)[:128],
    ("0123456789abcde-" * 8)[:128],
    ("x.y~z_" * 22)[:128],
]


@pytest.fixture(scope="module")
def listed(api: OperationsClient) -> list[str]:
    """Three operations with 128-character ids and one with a short id, alike in all else; their ids,
    newest first."""
    moment = datetime.now(UTC).strftime("%Y%m%d_%H%M%S")
    ids = [*LONG, SHORT]
    for operation_id in ids:
        api.put(operation_id, minimal_record(operation_id=operation_id, last_update_time=moment))
    return sorted(ids)  # one update time: newest first is by id


def geometry(browser: WebDriver) -> dict[str, Any]:
    found: dict[str, Any] = browser.execute_script(
        """
        const table = document.querySelector("table.operations");
        const rows = Array.from(table.querySelectorAll("tr.operation"));
        return {
          table: table.getBoundingClientRect().width,
          container: table.parentElement.clientWidth,
          page: document.documentElement.scrollWidth,
          window: document.documentElement.clientWidth,
          rows: Object.fromEntries(
            rows.map(row => [row.dataset.operation, row.getBoundingClientRect().height])
          ),
        };
        """
    )
    return found


def test_the_list_keeps_its_layout_with_128_character_ids(
    browser: WebDriver, console_url: str, listed: list[str]
) -> None:
    browser.get(console_url + "/")
    assert listed_ids(browser) == listed, "the whole ids, in the page's text"
    drawn = geometry(browser)
    assert drawn["table"] <= drawn["container"], "the table fits its container"
    assert drawn["page"] <= drawn["window"], "no horizontal scrolling"
    assert {drawn["rows"][operation_id] for operation_id in LONG} == {drawn["rows"][SHORT]}, "one line each"


def test_a_long_id_is_whole_in_its_tooltip_and_its_link(
    browser: WebDriver, console_url: str, listed: list[str]
) -> None:
    browser.get(console_url + "/")
    for operation_id in LONG:
        link = browser.find_element(By.CSS_SELECTOR, f'tr[data-operation="{operation_id}"] a.operation-id')
        assert link.get_attribute("title") == operation_id
        assert link.get_attribute("href") == console_url + operation_href(operation_id)
        cut: bool = browser.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth", link)
        assert cut, "shown shortened, with an ellipsis"
    short = browser.find_element(By.CSS_SELECTOR, f'tr[data-operation="{SHORT}"] a.operation-id')
    assert not browser.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth", short)


def test_the_operation_page_shows_a_long_id_whole_within_the_page(
    browser: WebDriver, console_url: str, listed: list[str]
) -> None:
    browser.get(console_url + operation_href(LONG[0]))
    assert texts(browser, "h1 .operation-id") == [LONG[0]]
    width: int = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= browser.execute_script("return document.documentElement.clientWidth")
