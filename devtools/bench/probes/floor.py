"""The floor's cold start: what the contract cannot do without, a fresh process making the AWS calls a
function makes (the DynamoDB calls an API function's first request made, as probes/first_request.py
records them; EventBridge's PutEvents for the stream consumer), one after the other.

Usage: floor.py REQUEST_FILE [boto3 | count-compiled | botocore MODULE... | functions MODULE...]
- boto3 (the default): import boto3, make a client, send the request, collecting as Python does;
- count-compiled: the same, counting the source text compiled at run time (probes/counting.py);
- botocore: the call through botocore without boto3, its client made the usual way (the cold-start target's
  floor), after importing MODULEs if any: what the handlers' libraries cost by themselves. Like a handler
  (operations_api/coldstart.py), it collects no garbage while it imports, then freezes what the imports
  made.
- functions: the same, the client made as the functions make it (`operations_api.clients`: botocore's
  endpoint data cut to their services), what the floor would cost built as the functions are.
"""

import json
import os
import sys
import time
from typing import Any


def boto3_client(service: str) -> object:
    import boto3

    return boto3.client(service)


def botocore_client(modules: list[str], as_the_functions: bool) -> object:
    import gc

    gc.disable()
    for module in modules:
        __import__(module)
    import botocore.session

    session = __import__("operations_api.clients").clients.botocore_session() if as_the_functions else None
    gc.freeze()
    gc.enable()
    return (session or botocore.session.get_session()).create_client("dynamodb")


def answer_to(client: Any, call: dict[str, Any]) -> tuple[int, int]:
    """One call's HTTP status and failed entries. A condition DynamoDB found false is a call served, as
    the handler's same call is (a PUT of the record already stored: the write refused, the PUT's 200)."""
    from botocore.exceptions import ClientError

    try:
        answer = getattr(client, call["operation"])(**call["arguments"])
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        return 200, 0
    return answer["ResponseMetadata"]["HTTPStatusCode"], answer.get("FailedEntryCount", 0)


def main() -> None:
    started = time.perf_counter()
    request_file = sys.argv[1]
    way, modules = (sys.argv[2], sys.argv[3:]) if len(sys.argv) > 2 else ("boto3", [])
    made = __import__("counting").install() if way == "count-compiled" else None
    with open(request_file, encoding="utf-8") as file:
        request = json.load(file)
    if way in ("botocore", "functions"):
        client = botocore_client(modules, as_the_functions=way == "functions")
    else:
        client = boto3_client(request["service"])
    answers = [answer_to(client, call) for call in request["calls"]]
    first = time.perf_counter() - started
    facts = {
        "status": max(status for status, _ in answers),
        "failures": sum(failed for _, failed in answers),
        "first_ms": first * 1000,
        "modules": len(sys.modules),
    }
    if made is not None:
        facts["made"] = made
    sys.stdout.write(json.dumps(facts))
    sys.stdout.flush()
    os._exit(0)  # as the handler's process: no interpreter shutdown in the measure


if __name__ == "__main__":
    main()
