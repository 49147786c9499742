"""Percentiles of timing samples, as every benchmark reports them."""

from __future__ import annotations


def percentile(samples: list[float], fraction: float) -> float:
    """The sample at `fraction` of the way through the sorted samples (nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]
