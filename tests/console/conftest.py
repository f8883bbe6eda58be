"""The browser tests' world: a local API in its own process (`python -m devtools.local_server`), the console
serving it from this process, and Debian's headless Chromium (skipped, saying why, where it is absent)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver

from devtools.console_screenshots import headless_chromium, missing_browser
from operations_client import OperationsClient
from operations_client._console.app import Console
from operations_client._console.server import start_in_background
from tests.support.servers import running_server


@pytest.fixture(scope="session")
def browser() -> Iterator[WebDriver]:
    reason = missing_browser()
    if reason is not None:
        pytest.skip(f"the console's browser tests need Chromium: {reason}")
    with headless_chromium() as driver:
        yield driver


@pytest.fixture(scope="module")
def api_url() -> Iterator[str]:
    """A fresh local API with its embedded DynamoDB, in a process of its own, on a port it chose."""
    with running_server() as url:
        yield url


@pytest.fixture(scope="module")
def api(api_url: str) -> OperationsClient:
    return OperationsClient(api_url)


@pytest.fixture(scope="module")
def console_url(api: OperationsClient, api_url: str) -> Iterator[str]:
    running = start_in_background(Console(api, api_url))
    try:
        yield running.url
    finally:
        running.stop()
