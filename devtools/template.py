"""Reads template.yaml: the one list of routes, functions, layers and tables.

The local server, `make invoke`, the tests and the benchmark all take their facts from here, so the
template can never drift from what is run and tested locally.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"


class _CloudFormationLoader(yaml.SafeLoader):
    """A safe loader that reads CloudFormation short tags (!Ref, !Sub, ...) as {"Fn::X": value}."""


def _construct_intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node {node.tag}", node.start_mark)
    return {name: value}


_CloudFormationLoader.add_multi_constructor("!", _construct_intrinsic)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function_id: str

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Function:
    logical_id: str
    code_dir: Path
    handler: str
    environment: dict[str, Any]
    layer_ids: list[str]
    timeout: int = 3
    memory_size: int = 128
    routes: list[Route] = field(default_factory=list)
    reads_stream: bool = False  # a DynamoDB stream's records are its events

    @property
    def module_name(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    @property
    def function_name(self) -> str:
        return self.handler.rsplit(".", 1)[1]


@dataclass(frozen=True)
class Template:
    document: dict[str, Any]

    @property
    def resources(self) -> dict[str, Any]:
        resources: dict[str, Any] = self.document["Resources"]
        return resources

    def _of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {name: res for name, res in self.resources.items() if res.get("Type") == resource_type}

    def parameter_default(self, name: str) -> Any:
        return self.document.get("Parameters", {}).get(name, {}).get("Default")

    @property
    def table_ids(self) -> list[str]:
        """Every DynamoDB table of the template, the records' table first."""
        others = [name for name in self._of_type("AWS::DynamoDB::Table") if name != self.table_logical_id]
        return [self.table_logical_id, *others]

    @property
    def table_logical_id(self) -> str:
        """The records' table: the one whose stream feeds the change events and the history."""
        tables = self._of_type("AWS::DynamoDB::Table").items()
        (logical_id,) = [name for name, table in tables if "StreamSpecification" in table["Properties"]]
        return logical_id

    @property
    def table_properties(self) -> dict[str, Any]:
        return self.properties_of_table(self.table_logical_id)

    def properties_of_table(self, logical_id: str) -> dict[str, Any]:
        properties: dict[str, Any] = self.resources[logical_id]["Properties"]
        return properties

    def create_table_request(self, table_name: str, logical_id: str | None = None) -> dict[str, Any]:
        """The CreateTable request for a table of the template (the records' table unless `logical_id`
        names another): its own key schema, indexes, billing mode and stream."""
        props = self.properties_of_table(logical_id or self.table_logical_id)
        request = {
            "TableName": table_name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if "GlobalSecondaryIndexes" in props:
            request["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        if "StreamSpecification" in props:
            request["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        return request

    def time_to_live_request(self, table_name: str, logical_id: str | None = None) -> dict[str, Any] | None:
        """The UpdateTimeToLive request that gives a created table the template's TTL, if it has one."""
        props = self.properties_of_table(logical_id or self.table_logical_id)
        specification = props.get("TimeToLiveSpecification")
        if specification is None:
            return None
        return {"TableName": table_name, "TimeToLiveSpecification": specification}

    @property
    def runtime(self) -> str:
        globals_function = self.document.get("Globals", {}).get("Function", {})
        for function in self._of_type("AWS::Serverless::Function").values():
            runtime = function["Properties"].get("Runtime", globals_function.get("Runtime"))
            if runtime:
                return str(runtime)
        raise LookupError("template.yaml names no Runtime")

    @property
    def layer_dirs(self) -> dict[str, Path]:
        return {
            name: ROOT / res["Properties"]["ContentUri"]
            for name, res in self._of_type("AWS::Serverless::LayerVersion").items()
        }

    @property
    def functions(self) -> dict[str, Function]:
        globals_function = self.document.get("Globals", {}).get("Function", {})
        functions = {}
        for name, res in self._of_type("AWS::Serverless::Function").items():
            props = {**globals_function, **res["Properties"]}
            environment = {
                **globals_function.get("Environment", {}).get("Variables", {}),
                **res["Properties"].get("Environment", {}).get("Variables", {}),
            }
            layers = [_ref_target(layer) for layer in props.get("Layers", [])]
            events = props.get("Events", {})
            routes = [
                Route(event["Properties"]["Method"].upper(), event["Properties"]["Path"], name)
                for event in events.values()
                if event.get("Type") == "HttpApi"
            ]
            functions[name] = Function(
                logical_id=name,
                code_dir=ROOT / props["CodeUri"],
                handler=props["Handler"],
                environment=environment,
                layer_ids=layers,
                timeout=_as_int(props.get("Timeout"), 3),
                memory_size=_as_int(props.get("MemorySize"), 128),
                routes=routes,
                reads_stream=any(event.get("Type") == "DynamoDB" for event in events.values()),
            )
        return functions

    @property
    def routes(self) -> list[Route]:
        return [route for function in self.functions.values() for route in function.routes]


def _ref_target(value: Any) -> str:
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    raise ValueError(f"a function layer must be a !Ref to a layer of this template, not {value!r}")


def _as_int(value: Any, default: int) -> int:
    """Timeout and MemorySize may be literals or !Ref to a parameter; resolve the latter to its default."""
    if value is None:
        return default
    if isinstance(value, dict) and "Ref" in value:
        return int(load_template().parameter_default(value["Ref"]))
    return int(value)


@lru_cache(maxsize=1)
def load_template(path: Path = TEMPLATE_PATH) -> Template:
    with path.open(encoding="utf-8") as handle:
        return Template(yaml.load(handle, Loader=_CloudFormationLoader))  # noqa: S506 (a SafeLoader subclass)
