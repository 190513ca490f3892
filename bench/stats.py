"""Percentiles and medians without numpy: the benchmark's only arithmetic."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile (`fraction` 0.5 is the median); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


def ratio(value: float | None, floor: float | None) -> float | None:
    if value is None or not floor:
        return None
    return value / floor


def paired_ratio(
    values: dict[int, float | None], references: dict[int, float | None]
) -> float | None:
    """The median of per-repetition ratios, pairing the two by repetition.

    Each pair was measured minutes apart at most, so a machine busy in one repetition skews
    neither side alone, as a ratio of two medians could.
    """
    return median(
        [ratio(value, references.get(repetition)) for repetition, value in values.items()]
    )
