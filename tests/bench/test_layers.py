"""What each layer costs: the floors' CPU per chunk, and the app against the floor of both."""

import pytest

from bench.layers import markdown
from tests.bench.test_targets import three


def layered_run():
    cpu = {"floor": 50.0, "floor-g4f": 80.0, "floor-daphne": 70.0, "floor-g4f-daphne": 100.0}
    runs = [
        *(
            run
            for system, us in cpu.items()
            for run in three(system, "c50", 50, cpu_us_per_chunk=[us] * 3)
        ),
        *three("app", "c50", 50, cpu_us_per_chunk=[130.0, 120.0, 110.0]),
        *three("floor-g4f-daphne", "c200", chunks_per_s=[1000.0] * 3, latency_p99_ms=[10.0] * 3),
        *three("app", "c200", chunks_per_s=[900.0] * 3, latency_p99_ms=[20.0, 30.0, 40.0]),
    ]
    return runs


def test_each_layer_is_shown_with_its_cpu_per_chunk_and_its_ratio_to_the_floor():
    text = markdown(layered_run())

    assert "| `floor-g4f`: g4f's `AsyncClient` reading, aiohttp serving | 80 | - | 1.60x |" in text
    assert (
        "| `floor-g4f-daphne`: g4f's `AsyncClient` reading, daphne serving | 100 | - | 2.00x |"
        in (text)
    )
    assert "| `app`: the app, `render: false` | 120 | - | 2.40x |" in text
    assert "app-page" not in text  # not measured in this run


@pytest.mark.parametrize(
    ("row", "ratio"),
    [
        ("200 streams: chunks/s", "0.90x"),
        ("200 streams: latency p99", "3.00x"),
        ("50 streams: CPU per chunk", "1.20x"),
        ("200 streams: first chunk p50", "-"),
    ],
)
def test_the_app_is_compared_with_the_floor_of_g4f_and_daphne_together(row, ratio):
    assert f"| {row} | {ratio} |" in markdown(layered_run())


def test_a_run_without_the_floors_of_the_layers_shows_nothing_of_them():
    runs = [run for run in layered_run() if run["system"] in ("floor", "app")]

    assert markdown(runs) == ""
