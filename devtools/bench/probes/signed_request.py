"""The client's floor: a bare Python process that imports botocore, signs one request with it and sends it
(http.client, which botocore loads anyway): no client can start faster and sign.

Usage: signed_request.py ENDPOINT
"""

import http.client
import sys

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest


def main() -> None:
    endpoint = sys.argv[1]
    request = AWSRequest(method="GET", url=endpoint + "/v1/operations/op-1")
    SigV4Auth(botocore.session.get_session().get_credentials(), "execute-api", "us-east-1").add_auth(request)
    connection = http.client.HTTPConnection(endpoint.removeprefix("http://"))
    connection.request("GET", "/v1/operations/op-1", headers=dict(request.headers.items()))
    connection.getresponse().read()


if __name__ == "__main__":
    main()
