"""Print template.yaml as CloudFormation will deploy it: AWS::LanguageExtensions, then the SAM transform.

Run with the aws-sam-cli environment (`.venv-sam/bin/python -m devtools.transform_template [Name=Value ...]`);
tests use it to check what the stack really gets, e.g. which routes require AWS_IAM for a given AuthMode.

The LanguageExtensions code is aws-sam-cli's, with one change: its `Fn::Sub` resolver fills in what it
knows (parameters) and returns a plain string even when a `${Resource.Attribute}` or `${AWS::Region}` is
left, a string CloudFormation would deploy as written. Such a partial `Fn::Sub` stays an `Fn::Sub` here,
as CloudFormation resolves it at deploy time.
"""

from __future__ import annotations

import copy
import json
import os
import re
import sys
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


class _NoManagedPolicies:
    """The template uses no managed policy names, so SAM needs no lookup in IAM."""

    def load(self) -> dict[str, str]:
        return {}


def _deployed_sub_resolver() -> type:
    from samcli.lib.cfn_language_extensions.resolvers.fn_sub import FnSubResolver

    class DeployedFnSub(FnSubResolver):  # type: ignore[misc]  # aws-sam-cli ships no type hints
        """`Fn::Sub` with the parameters filled in; what only the deploy knows keeps it an `Fn::Sub`."""

        def _substitute(self, template_string: str, variable_map: dict[str, Any]) -> str | dict[str, str]:
            unresolved = False

            def fill(match: re.Match[str]) -> str:
                nonlocal unresolved
                name = match.group(1)
                if name.startswith("!"):  # ${!Literal}: kept escaped until we know the result's form
                    return match.group(0)
                value = self._resolve_variable(name, variable_map)
                if value is None:
                    unresolved = True
                    return match.group(0)
                return str(self._value_to_string(value))

            text = PLACEHOLDER.sub(fill, template_string)
            if unresolved:
                return {"Fn::Sub": text}
            return PLACEHOLDER.sub(lambda match: "${" + match.group(1)[1:] + "}", text)

    return DeployedFnSub


def transformed(parameters: dict[str, str]) -> dict[str, Any]:
    from samcli.lib.cfn_language_extensions import api, process_template
    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse

    template = yaml_parse((ROOT / "template.yaml").read_text(encoding="utf-8"))
    for resource in template["Resources"].values():  # local paths are S3 URIs once packaged
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if key in properties:
                properties[key] = "s3://bucket/key"
    with mock.patch.object(api, "FnSubResolver", _deployed_sub_resolver()):
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
