"""AWS clients made as every function makes them: botocore alone (importing boto3 would cost the cold start
more than it gives), the settings' bounded timeouts and standard-mode retries, one per process."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import botocore.session
from botocore.config import Config

from operations_api.settings import get_settings

if TYPE_CHECKING:
    from botocore.client import BaseClient


def create_client(service: str, endpoint_url: str | None, *, max_pool_connections: int = 10) -> BaseClient:
    """A client of `service`, within the settings' time budget (settings.get_settings says which), with
    up to `max_pool_connections` requests at once (botocore's default: 10)."""
    settings = get_settings()
    config = Config(
        connect_timeout=settings.client_connect_timeout_seconds,
        read_timeout=settings.client_read_timeout_seconds,
        retries={"mode": "standard", "total_max_attempts": settings.client_max_attempts},
        tcp_keepalive=True,
        max_pool_connections=max_pool_connections,
    )
    return botocore_session().create_client(
        service, region_name=settings.region, endpoint_url=endpoint_url, config=config
    )


@lru_cache(maxsize=1)
def botocore_session() -> botocore.session.Session:
    """One session per process: it holds the service models and endpoint rules its clients load, so a
    client made again (after a SnapStart restore, `snapstart`) reuses them instead of reading them anew."""
    return botocore.session.get_session()
