"""The metrics' declarations: a breakdown only where the metric has one, never an unknown metric."""

from __future__ import annotations

import pytest

from operations_api import metrics


def test_a_metric_is_counted_with_exactly_its_declared_breakdown() -> None:
    with pytest.raises(ValueError, match="broken down by status"):
        metrics.count(metrics.ACCEPTED_WRITES)
    with pytest.raises(ValueError, match="broken down by nothing"):
        metrics.count(metrics.STORE_UNAVAILABLE, breakdown="op-1")
    with pytest.raises(KeyError):
        metrics.count("SomethingUndeclared")


def test_every_metric_name_is_one_cloudwatch_accepts_and_unique() -> None:
    assert len(metrics.METRICS) == len({name.lower() for name in metrics.METRICS})
    for name, breakdown in metrics.METRICS.items():
        assert name.isascii()
        assert name.isalnum()
        assert breakdown != metrics.STAGE_DIMENSION
