"""The PUT's validator: the schema pydantic builds from the models, committed as Python, and compiled from it
into plain Python (the field rules themselves are in test_models.py, run by each; the compiled validator
against pydantic-core in test_compiled_record.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from devtools import record_compiler, record_schema
from devtools.template import ROOT
from operations_api.record import schema_checks
from operations_api.record.schema import RECORD_SCHEMA
from operations_api.record.validation import validate
from tests.support.records import full_record


def test_the_committed_schema_is_what_the_models_give() -> None:
    committed = record_schema.TARGET.read_text(encoding="utf-8")
    assert committed == record_schema.render(), "record_schema.py is stale: run `make record-schema`"


def test_the_committed_compiled_validator_is_what_the_schema_gives() -> None:
    committed = record_compiler.TARGET.read_text(encoding="utf-8")
    assert committed == record_schema.render_compiled(), "compiled.py is stale: run `make record-schema`"


def test_the_layer_ships_neither_pydantic_nor_pydantic_core() -> None:
    lock = (ROOT / "layers" / "operations" / "requirements.lock").read_text(encoding="utf-8")
    assert re.search(r"^pydantic", lock, re.MULTILINE) is None, "the PUT runs record.compiled"


def test_a_check_outside_the_schema_checks_module_cannot_be_generated() -> None:
    def elsewhere(value: str) -> str:
        return value

    schema = {"type": "function-after", "function": {"type": "no-info", "function": elsewhere}}
    with pytest.raises(ValueError, match=r"not a function of operations_api\.record\.schema_checks"):
        record_schema.portable(schema, {})


def test_a_value_the_module_cannot_hold_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot hold"):
        record_schema.portable({"type": "literal", "expected": [object()]}, {})


def test_checks_are_named_and_json_schema_metadata_is_dropped() -> None:
    schema: dict[str, Any] = {
        "type": "function-after",
        "function": {"type": "no-info", "function": schema_checks.check_timestamp},
        "metadata": {"pydantic_js_extra": {"pattern": "x"}},
        "schema": {"type": "str", "ref": "operations_api.record.models.Thing:140234"},
    }
    portable = record_schema.portable(schema, {})
    assert repr(portable["function"]["function"]) == "schema_checks.check_timestamp"
    assert "metadata" not in portable
    assert portable["schema"] == {"type": "str", "ref": "Thing"}


def test_a_field_named_like_a_schema_key_is_kept() -> None:
    field = {"type": "typed-dict-field", "schema": {"type": "str"}, "required": True}
    schema = {"type": "typed-dict", "fields": {"metadata": field, "cls": field, "ref": field}}
    assert set(record_schema.portable(schema, {})["fields"]) == {"metadata", "cls", "ref"}


def test_every_object_of_the_generated_schema_is_strict_and_refuses_unknown_keys() -> None:
    def typed_dicts(node: Any) -> list[dict[str, Any]]:
        if isinstance(node, list):
            return [found for item in node for found in typed_dicts(item)]
        if not isinstance(node, dict):
            return []
        own = [node] if node.get("type") == "typed-dict" else []
        return own + [found for value in node.values() for found in typed_dicts(value)]

    objects = typed_dicts(RECORD_SCHEMA)
    assert len(objects) == 9, "the record and its eight nested objects"
    for found in objects:
        assert found["config"]["strict"] is True, found.get("cls_name")
        assert found["config"]["extra_fields_behavior"] == "forbid", found.get("cls_name")


def test_the_validated_record_is_the_body_exactly_and_a_copy() -> None:
    body = full_record()
    document = validate(body)
    assert document == body
    assert document is not body
    assert list(document) == list(body)
