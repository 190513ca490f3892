"""Issue 13's rows: each ratio from paired repetitions, and its verdict against the target."""

import pytest

from bench.targets import target_rows
from tests.bench.test_table import run


def rows_by_title(runs):
    return {row.title: row for row in target_rows(runs)}


def three(system, scenario, streams=200, **per_repetition):
    """Three repetitions; each metric is given as a list of three values."""
    return [
        run(
            system,
            index + 1,
            scenario=scenario,
            streams=streams,
            **{name: values[index] for name, values in per_repetition.items()},
        )
        for index in range(3)
    ]


def full_run(app_c200_cps, page_c50_cpu=300.0, c1000_failed=(0, 0, 0)):
    """A run of every scenario, the floor at round numbers, the app as told."""
    return [
        *three(
            "floor",
            "c200",
            chunks_per_s=[1000.0] * 3,
            latency_p50_ms=[1.0] * 3,
            latency_p99_ms=[10.0] * 3,
            first_chunk_p50_ms=[5.0] * 3,
        ),
        *three(
            "app",
            "c200",
            chunks_per_s=app_c200_cps,
            latency_p50_ms=[2.0, 2.0, 9.0],
            latency_p99_ms=[20.0, 40.0, 20.0],
            first_chunk_p50_ms=[15.0] * 3,
        ),
        *three("app-page", "c200", chunks_per_s=[900.0] * 3, latency_p99_ms=[20.0, 40.0, 80.0]),
        *three("floor", "c50", streams=50, cpu_us_per_chunk=[100.0] * 3),
        *three("app", "c50", streams=50, cpu_us_per_chunk=[250.0, 150.0, 190.0]),
        *three("app-page", "c50", streams=50, cpu_us_per_chunk=[page_c50_cpu] * 3),
        *three("floor", "stream", streams=1, chunks_per_s=[10000.0] * 3),
        *three("app", "stream", streams=1, chunks_per_s=[6000.0, 5000.0, 7000.0]),
        *three("floor", "c1000", streams=1000, latency_p99_ms=[100.0] * 3),
        *three(
            "app",
            "c1000",
            streams=1000,
            latency_p99_ms=[250.0, 350.0, 300.0],
            failed=list(c1000_failed),
        ),
    ]


def test_every_row_of_the_issue_is_reported_in_its_order():
    titles = [row.title for row in target_rows(full_run([950.0] * 3))]

    assert titles == [
        "200 streams: chunks/s, ratio to the floor's",
        "200 streams: latency p50 / p99, ratio",
        "200 streams: first chunk p50, ratio",
        "50 streams: server CPU per chunk, ratio",
        "`html` frames on (the page's default): CPU per chunk, ratio to `render: false`",
        "`html` frames on: p99 at 200 streams, ratio to `render: false`",
        "1 stream at full speed: chunks/s, ratio",
        "1,000 streams × 50 chunks every 50 ms",  # noqa: RUF001 (the issue's own words)
    ]


@pytest.mark.parametrize(
    ("chunks_per_s", "measured", "verdict"),
    [([950.0, 960.0, 940.0], "0.95x", "met"), ([940.0, 1000.0, 900.0], "0.94x", "not met")],
)
def test_chunks_per_s_at_200_streams_against_0_95(chunks_per_s, measured, verdict):
    row = rows_by_title(full_run(chunks_per_s))["200 streams: chunks/s, ratio to the floor's"]

    assert (row.measured, row.target, row.verdict) == (measured, "≥ 0.95x", verdict)


def test_each_row_s_ratio_and_verdict():
    rows = rows_by_title(full_run([950.0] * 3))

    def seen(title):
        return rows[title].measured, rows[title].verdict

    # p50: 2, 2, 9 → 2; p99: 2, 4, 2 → 2.
    assert seen("200 streams: latency p50 / p99, ratio") == ("2.00x / 2.00x", "met")
    assert seen("200 streams: first chunk p50, ratio") == ("3.00x", "not met")
    assert seen("50 streams: server CPU per chunk, ratio") == (
        "1.90x (190 µs against 100)",
        "met",
    )
    # 300 against 250, 150 and 190: 1.2, 2, 1.58 → 1.58.
    assert seen(
        "`html` frames on (the page's default): CPU per chunk, ratio to `render: false`"
    ) == ("1.58x at 50 streams (300 µs against 190)", "not met")
    # 20/20, 40/40, 80/20 → 1.
    assert seen("`html` frames on: p99 at 200 streams, ratio to `render: false`") == (
        "1.00x",
        "met",
    )
    assert seen("1 stream at full speed: chunks/s, ratio") == ("0.60x", "met")
    assert seen("1,000 streams × 50 chunks every 50 ms") == (  # noqa: RUF001
        "none failed; p99 3.00x (300 ms against 100)",
        "met",
    )


def test_the_page_s_cpu_within_a_quarter_of_the_app_s_is_met():
    rows = rows_by_title(full_run([950.0] * 3, page_c50_cpu=200.0))

    row = rows["`html` frames on (the page's default): CPU per chunk, ratio to `render: false`"]
    assert (row.target, row.verdict) == ("≤ 1.25x", "met")


def test_one_failed_stream_of_a_thousand_misses_that_row_whatever_the_latency():
    rows = rows_by_title(full_run([950.0] * 3, c1000_failed=(0, 1, 0)))

    row = rows["1,000 streams × 50 chunks every 50 ms"]  # noqa: RUF001
    assert row.measured.startswith("1 of 3,000 failed; p99 3.00x")
    assert row.verdict == "not met"


def test_rows_a_run_did_not_measure_say_so():
    only_c200 = [r for r in full_run([950.0] * 3) if r["scenario_name"] == "c200"]

    verdicts = {row.title: row.verdict for row in target_rows(only_c200)}

    assert verdicts["200 streams: chunks/s, ratio to the floor's"] == "met"
    assert verdicts["50 streams: server CPU per chunk, ratio"] == "not measured"
    assert verdicts["1 stream at full speed: chunks/s, ratio"] == "not measured"
    assert verdicts["1,000 streams × 50 chunks every 50 ms"] == "not measured"  # noqa: RUF001
