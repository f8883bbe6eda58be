"""The Powertools modules that importing the event handler package brings by itself (its `__init__`s)."""

import json
import sys

import aws_lambda_powertools.event_handler  # noqa: F401

print(
    json.dumps({"modules": sorted(name for name in sys.modules if name.startswith("aws_lambda_powertools"))})
)
