"""The full table: medians over repetitions, counts summed, ratios to the floor paired."""

import pytest

from bench.table import by_repetition, markdown, medians


def run(system, repetition, scenario="c200", streams=200, **metrics):
    return {
        "system": system,
        "scenario_name": scenario,
        "repetition": repetition,
        "scenario": {"streams": streams},
        "failed": 0,
        "incomplete": 0,
        "ignored_errors": 0,
        **metrics,
    }


RUNS = [
    run("floor", 1, chunks_per_s=1000.0, latency_p99_ms=10.0),
    run("floor", 2, chunks_per_s=500.0, latency_p99_ms=40.0),
    run("floor", 3, chunks_per_s=1000.0, latency_p99_ms=10.0),
    run("app", 1, chunks_per_s=900.0, latency_p99_ms=30.0, failed=1),
    run("app", 2, chunks_per_s=400.0, latency_p99_ms=80.0, incomplete=2),
    run("app", 3, chunks_per_s=800.0, latency_p99_ms=20.0, ignored_errors=5),
]


def test_each_metric_is_the_median_of_the_repetitions_and_counts_are_summed():
    app = medians(RUNS)["c200"]["app"]

    assert app["chunks_per_s"] == 800.0
    assert app["latency_p99_ms"] == 30.0
    assert (app["failed"], app["incomplete"], app["ignored_errors"]) == (1, 2, 5)
    assert (app["runs"], app["streams"]) == (3, 600)


def test_ratios_to_the_floor_pair_each_repetition():
    app = medians(RUNS)["c200"]["app"]

    # 0.9, 0.8, 0.8 → 0.8; and 3, 2, 2 → 2 (the ratio of the medians would be 3).
    assert app["chunks_per_s_x_floor"] == pytest.approx(0.8)
    assert app["latency_p99_ms_x_floor"] == pytest.approx(2.0)
    assert medians(RUNS)["c200"]["floor"]["chunks_per_s_x_floor"] == pytest.approx(1.0)


def test_without_the_floor_there_are_no_ratios():
    app_only = [r for r in RUNS if r["system"] == "app"]

    assert "chunks_per_s_x_floor" not in medians(app_only)["c200"]["app"]


def test_by_repetition_picks_one_system_in_one_scenario():
    runs = [*RUNS, run("app", 1, scenario="c50", chunks_per_s=1.0)]

    assert by_repetition(runs, "c200", "app", "chunks_per_s") == {1: 900.0, 2: 400.0, 3: 800.0}


def test_the_markdown_table_has_a_row_per_system_and_shows_what_is_missing():
    lines = markdown(medians(RUNS)).splitlines()

    assert len(lines) == 4
    floor, app = lines[2].split(" | "), lines[3].split(" | ")
    assert floor[:2] == ["| c200", "floor"]
    assert app[:2] == ["| c200", "app"]
    assert "1/2" in app
    assert "-" in app  # no CPU was measured
