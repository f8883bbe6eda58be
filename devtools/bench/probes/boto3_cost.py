"""What importing boto3's attribute converters would add after a handler's own imports.

Usage: boto3_cost.py FUNCTION_DIR
"""

import io
import json
import sys
import time


def main() -> None:
    sys.stdout, real = io.StringIO(), sys.stdout
    sys.path.insert(0, sys.argv[1])
    __import__("app")
    started = time.perf_counter()
    import boto3.dynamodb.types  # noqa: F401

    real.write(json.dumps({"boto3_ms": (time.perf_counter() - started) * 1000}))


if __name__ == "__main__":
    main()
