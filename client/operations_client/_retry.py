"""When to try a request again, and how long to wait first: capped exponential backoff with jitter.

Retried: 503 and 429 (honouring Retry-After), the gateway's 502 and 504, and a connection that failed or
broke. Never another 4xx: the request would be refused again. Never a 500: an unexpected fault of the
service does not heal by itself. The budget bounds both the attempts and the total time spent waiting.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Final

RETRIED_STATUSES: Final = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # in all, the first included
    base_delay: float = 0.2  # seconds before the first retry (before jitter)
    max_delay: float = 5.0  # cap of one backoff delay
    budget: float = 30.0  # total seconds the retries of one request may wait

    def backoff(self, retry: int) -> float:
        """The delay before retry number `retry` (1, 2, …): "full jitter", uniform up to the capped
        exponential, so that many clients refused at once do not come back at once."""
        return random.uniform(0, min(self.max_delay, self.base_delay * 2 ** (retry - 1)))  # noqa: S311

    def delay(self, retry: int, retry_after: str | None) -> float:
        """The server's Retry-After when it gave one, else the backoff."""
        asked = parse_retry_after(retry_after)
        return asked if asked is not None else self.backoff(retry)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds to wait: delay-seconds or an HTTP date (RFC 9110); None when absent or bad."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class RetryBudget:
    """The retries left to one request: `next_delay` says how long to wait, or None when it is spent."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.retries = 0
        self.waited = 0.0

    def next_delay(self, retry_after: str | None = None) -> float | None:
        if self.retries + 1 >= self.policy.attempts:
            return None
        delay = self.policy.delay(self.retries + 1, retry_after)
        if self.waited + delay > self.policy.budget:
            return None
        self.retries += 1
        self.waited += delay
        return delay


def sleep(seconds: float) -> None:
    """time.sleep, by a name of this module's own (tests replace it to see the delays)."""
    time.sleep(seconds)
