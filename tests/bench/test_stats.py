"""Percentiles, medians and ratios: the benchmark's only arithmetic."""

import pytest

from bench.stats import median, paired_ratio, percentile, ratio


def test_percentile_is_the_nearest_rank():
    values = [5.0, 1.0, 4.0, 2.0, 3.0]

    assert percentile(values, 0.5) == 3.0
    assert percentile(values, 0.99) == 5.0
    assert percentile(values, 0.2) == 1.0
    assert percentile([], 0.5) is None


def test_median_leaves_out_what_was_not_measured():
    assert median([3.0, None, 1.0, 2.0]) == 2.0
    assert median([None, None]) is None


def test_a_ratio_to_nothing_is_no_ratio():
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(3.0, 0.0) is None
    assert ratio(None, 2.0) is None


def test_paired_ratio_is_the_median_of_each_repetition_s_ratio():
    # Repetition 2 ran on a busy machine: both sides slowed by ten, their ratio unchanged.
    app = {1: 2.0, 2: 20.0, 3: 3.0}
    floor = {1: 1.0, 2: 10.0, 3: 1.0}

    # Per repetition 2, 2 and 3: the median is 2. The ratio of medians would be 3 / 1 = 3.
    assert paired_ratio(app, floor) == pytest.approx(2.0)


def test_paired_ratio_pairs_only_repetitions_both_measured():
    assert paired_ratio({1: 4.0, 2: 9.0}, {1: 2.0}) == pytest.approx(2.0)
    assert paired_ratio({1: 4.0}, {}) is None
