"""Whether a request is signed, and its AWS SigV4 signature (the HTTP API's AWS_IAM authorizer).

Loopback endpoints (`make run`) are unsigned unless asked; any other endpoint is signed for the
`execute-api` service with the standard AWS credential chain (environment, profile, SSO, instance role).
botocore is imported only when a request is signed.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from operations_client._errors import CredentialsError, client_problem

if TYPE_CHECKING:
    from botocore.credentials import Credentials

SERVICE: Final = "execute-api"
LOOPBACK_NAMES: Final = frozenset({"localhost"})


def is_loopback(endpoint: str) -> bool:
    host = urlsplit(endpoint).hostname or ""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def region_of(endpoint: str) -> str | None:
    """execute-api hosts name their region: <api-id>.execute-api.<region>.amazonaws.com[.cn]."""
    parts = (urlsplit(endpoint).hostname or "").split(".")
    return parts[2] if len(parts) > 3 and parts[1] == SERVICE else None


class Signer:
    """Signs requests with the caller's credentials; both are looked up once, before the first request."""

    def __init__(self, endpoint: str, region: str | None) -> None:
        self.endpoint = endpoint
        self.region = region or region_of(endpoint)
        self._credentials: Credentials | None = None

    def resolve(self) -> None:
        """Find credentials and region, or raise CredentialsError (nothing is sent)."""
        if self._credentials is not None:
            return
        import botocore.session  # only a signed request pays for botocore
        from botocore.exceptions import BotoCoreError

        session = botocore.session.get_session()
        try:
            credentials = session.get_credentials()
        except BotoCoreError as error:  # a profile that does not exist, an expired SSO login…
            raise CredentialsError(client_problem("CREDENTIALS_MISSING", str(error))) from None
        if credentials is None:
            raise CredentialsError(
                client_problem(
                    "CREDENTIALS_MISSING",
                    "no AWS credentials found to sign the request: set AWS_PROFILE or AWS_ACCESS_KEY_ID, "
                    "or use --no-sign (sign=False) for an endpoint that needs no signature",
                )
            )
        self.region = self.region or session.get_config_variable("region")
        if not self.region:
            raise CredentialsError(
                client_problem(
                    "REGION_MISSING",
                    "no AWS region to sign the request for: the endpoint does not name one; "
                    "set AWS_REGION or pass --region (region=)",
                )
            )
        self._credentials = credentials

    def headers(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> dict[str, str]:
        """The request's headers with its signature (Authorization, X-Amz-Date, token if any)."""
        self.resolve()
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        assert self._credentials is not None
        request: Any = AWSRequest(method=method, url=url, data=body, headers=headers)
        frozen = self._credentials.get_frozen_credentials()  # refreshed when temporary ones expire
        SigV4Auth(frozen, SERVICE, self.region).add_auth(request)
        return dict(request.headers.items())
