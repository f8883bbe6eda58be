"""Print template.yaml as CloudFormation will deploy it: AWS::LanguageExtensions, then the SAM transform.

Run with the aws-sam-cli environment (`.venv-sam/bin/python -m devtools.transform_template [Name=Value ...]`);
tests use it to check what the stack really gets, e.g. which routes require AWS_IAM for a given AuthMode.
"""

from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class _NoManagedPolicies:
    """The template uses no managed policy names, so SAM needs no lookup in IAM."""

    def load(self) -> dict[str, str]:
        return {}


def transformed(parameters: dict[str, str]) -> dict[str, Any]:
    from samcli.lib.cfn_language_extensions import process_template
    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse

    template = yaml_parse((ROOT / "template.yaml").read_text(encoding="utf-8"))
    for resource in template["Resources"].values():  # local paths are S3 URIs once packaged
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if key in properties:
                properties[key] = "s3://bucket/key"
    resolved = process_template(copy.deepcopy(template), parameter_values=parameters)
    resolved["Transform"] = "AWS::Serverless-2016-10-31"
    result: dict[str, Any] = transform(resolved, parameters, _NoManagedPolicies())
    return result


def main(argv: list[str]) -> int:
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    parameters = dict(item.split("=", 1) for item in argv)
    json.dump(transformed(parameters), sys.stdout, indent=1, default=str)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
