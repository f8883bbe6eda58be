"""AWS clients made as every function makes them: botocore alone (importing boto3 would cost the cold start
more than it gives), the settings' bounded timeouts and standard-mode retries, one per process, and
botocore's endpoint data cut to the services the functions call (docs/design.md, "botocore's endpoint
data, cut to our services")."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

import botocore.session
from botocore.config import Config
from botocore.loaders import Loader

from operations_api.settings import get_settings

if TYPE_CHECKING:
    from botocore.client import BaseClient


Service = Literal["dynamodb", "events", "sqs"]
SERVICES: tuple[Service, ...] = ("dynamodb", "events", "sqs")  # every client the functions make
# The cut of the botocore running, if the layer carries one (`make botocore-data`): for any other botocore,
# the folder is absent and botocore's own endpoint data serves.
ENDPOINT_DATA = os.path.join(os.path.dirname(__file__), "botocore_data", botocore.__version__)


class ServicesLoader(Loader):  # type: ignore[misc]  # botocore has no type hints
    """botocore's data loader, reading the endpoint data of `SERVICES` from ENDPOINT_DATA, after the
    folders a user adds (AWS_DATA_PATH, ~/.aws/models) and before botocore's own data, which serves
    everything else (service models, endpoint rules)."""

    def list_available_services(self, type_name: str) -> list[str]:
        # botocore lists every service folder it ships (two listdir each) only to check the name it is given
        return [
            service
            for service in SERVICES
            if any(os.path.isdir(os.path.join(path, service)) for path in self.search_paths)
        ]

    def is_builtin_path(self, path: str) -> bool:
        # A cut of botocore's own file: resolve with it as with botocore's (an endpoints.json of another
        # origin would have botocore hand its legacy answer to the endpoint rules as a custom endpoint).
        return os.path.dirname(path) == ENDPOINT_DATA or bool(super().is_builtin_path(path))


def services_loader(data_path: str | None) -> ServicesLoader:
    """The loader of a session whose `data_path` setting (AWS_DATA_PATH) is `data_path`."""
    added = [path for path in (data_path or "").split(os.pathsep) if path]
    searched = [*added, Loader.CUSTOMER_DATA_PATH, ENDPOINT_DATA, Loader.BUILTIN_DATA_PATH]
    return ServicesLoader(extra_search_paths=searched, include_default_search_paths=False)


def create_client(
    service: Service, endpoint_url: str | None, *, max_pool_connections: int = 10
) -> BaseClient:
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
    session = botocore.session.get_session()
    session.register_component("data_loader", services_loader(session.get_config_variable("data_path")))
    return session
