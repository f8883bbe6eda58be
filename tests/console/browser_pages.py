"""What a person sees on the console's pages in the browser: the rows, the badges, the clusters."""

from __future__ import annotations

from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

WAIT_SECONDS = 120.0  # what a page must show, waited for: only a broken test waits it out


def texts(driver: WebDriver, selector: str) -> list[str]:
    """The rendered text of each element matching `selector`, read in one step: a page that refreshes
    itself may swap its elements between two WebDriver calls."""
    found: list[str] = driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]), element => element.innerText.trim());",
        selector,
    )
    return found


def listed_ids(driver: WebDriver) -> list[str]:
    return texts(driver, "tr.operation .operation-id")


def row_texts(driver: WebDriver, operation_id: str, selector: str) -> list[str]:
    return texts(driver, f'tr.operation[data-operation="{operation_id}"] {selector}')


def wait_for_text(driver: WebDriver, selector: str, text: str) -> None:
    """Until the first element matching `selector` shows `text` (the page refreshes itself meanwhile)."""

    def shows(current: WebDriver) -> bool:
        return text in texts(current, selector)[:1]

    WebDriverWait(driver, WAIT_SECONDS, poll_frequency=0.2).until(shows, f"{selector} never showed {text!r}")
