"""The HTTP edge's own rule of which media type is read as JSON (tests/handlers drive it with events)."""

from __future__ import annotations

import pytest

from operations_api import api


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "Application/JSON", " application/json "],
)
def test_json_media_types_are_json(content_type: str) -> None:
    assert api.is_json_content_type(content_type)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/merge+json",
        "application/jsonx",
        "application/json-patch+json",
    ],
)
def test_other_media_types_are_not(content_type: str) -> None:
    assert not api.is_json_content_type(content_type)
