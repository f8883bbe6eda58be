"""Fixtures of the unit tests."""

from __future__ import annotations

import pytest

from tests.support.record_validation import VALIDATORS, Validate


@pytest.fixture(params=list(VALIDATORS.values()), ids=list(VALIDATORS))
def validate(request: pytest.FixtureRequest) -> Validate:
    """Each of the record's validators in turn: the PUT's, pydantic-core's with the schema, pydantic's."""
    chosen: Validate = request.param
    return chosen
