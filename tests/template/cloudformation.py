"""Just enough of CloudFormation to ask the template what a deploy with given parameters would create:
its Conditions, Rules and `Fn::If`s evaluated; `Fn::Sub` strings filled with stand-in values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from devtools.template import load_template

SUB_REFERENCE = re.compile(r"\$\{([^}!][^}]*)\}")


@dataclass(frozen=True)
class Deploy:
    """The template, deployed with `parameters` (the rest at their defaults)."""

    parameters: dict[str, str]

    @property
    def document(self) -> dict[str, Any]:
        return load_template().document

    def parameter(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        return str(self.document["Parameters"][name].get("Default", ""))

    def condition(self, name: str) -> bool:
        return bool(self.evaluate(self.document["Conditions"][name]))

    def evaluate(self, value: Any) -> Any:
        """A value with the intrinsic functions that depend only on parameters and conditions resolved;
        a Ref to a resource stays as it is."""
        if isinstance(value, list):
            return [self.evaluate(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((function, argument),) = value.items()
            if function == "Ref" and argument in self.document.get("Parameters", {}):
                return self.parameter(argument)
            if function == "Condition":
                return self.condition(argument)
            if function == "Fn::Equals":
                left, right = self.evaluate(argument)
                return left == right
            if function == "Fn::Not":
                return not self.evaluate(argument[0])
            if function == "Fn::And":
                return all(self.evaluate(item) for item in argument)
            if function == "Fn::Or":
                return any(self.evaluate(item) for item in argument)
            if function == "Fn::If":
                name, when_true, when_false = argument
                return self.evaluate(when_true if self.condition(name) else when_false)
        return {key: self.evaluate(item) for key, item in value.items()}

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        """The resources this deploy creates, their properties evaluated."""
        return {
            name: self.evaluate(resource)
            for name, resource in self.document["Resources"].items()
            if "Condition" not in resource or self.condition(resource["Condition"])
        }

    def broken_rules(self) -> list[str]:
        """The descriptions of the Rules' assertions this deploy breaks (CloudFormation would refuse it)."""
        broken = []
        for rule in self.document.get("Rules", {}).values():
            if "RuleCondition" in rule and not self.evaluate(rule["RuleCondition"]):
                continue
            broken += [
                assertion["AssertDescription"]
                for assertion in rule["Assertions"]
                if not self.evaluate(assertion["Assert"])
            ]
        return broken


def fill_sub(text: str, known: set[str]) -> str:
    """An `Fn::Sub` string with each ${Name} or ${Resource.Attribute} replaced by a stand-in value, after
    checking that it names something: a parameter, a resource or a pseudo parameter in `known`."""

    def stand_in(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name.split(".")[0] in known or name.startswith("AWS::"), f"${{{name}}} names nothing"
        return f"stand-in-{name.replace('.', '-').replace(':', '')}"

    return SUB_REFERENCE.sub(stand_in, text).replace("${!", "${")
