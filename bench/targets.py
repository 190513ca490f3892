"""The targets of issue 13, row by row: what this run measured, the target, met or not.

Every ratio is the median of per-repetition ratios (`stats.paired_ratio`): the app against
the floor, or the page's app (`html` frames on) against the app asked with `render: false`.
Rows about the app without a word on `html` are the `render: false` system's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench.stats import median, paired_ratio
from bench.table import Runs, by_repetition

APP, PAGE, FLOOR = "app", "app-page", "floor"


@dataclass(frozen=True)
class Row:
    title: str
    measured: str
    target: str
    met: bool | None  # None: this run did not measure it

    @property
    def verdict(self) -> str:
        return {True: "met", False: "not met", None: "not measured"}[self.met]


def _times(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _within(value: float | None, meets: Callable[[float], bool]) -> bool | None:
    return None if value is None else meets(value)


def _both(*verdicts: bool | None) -> bool | None:
    return None if None in verdicts else all(verdicts)


def target_rows(runs: Runs) -> list[Row]:
    def ratio(scenario: str, metric: str, system: str = APP, to: str = FLOOR) -> float | None:
        return paired_ratio(
            by_repetition(runs, scenario, system, metric), by_repetition(runs, scenario, to, metric)
        )

    def absolute(scenario: str, system: str, metric: str) -> float | None:
        return median(list(by_repetition(runs, scenario, system, metric).values()))

    def cpu_note(scenario: str, system: str, to: str) -> str:
        mine, theirs = (absolute(scenario, s, "cpu_us_per_chunk") for s in (system, to))
        if mine is None or theirs is None:
            return ""
        return f" ({mine:.0f} µs against {theirs:.0f})"

    c200 = ratio("c200", "chunks_per_s")
    p50, p99 = ratio("c200", "latency_p50_ms"), ratio("c200", "latency_p99_ms")
    first = ratio("c200", "first_chunk_p50_ms")
    cpu = ratio("c50", "cpu_us_per_chunk")
    html_cpu = ratio("c50", "cpu_us_per_chunk", PAGE, APP)
    html_p99 = ratio("c200", "latency_p99_ms", PAGE, APP)
    stream = ratio("stream", "chunks_per_s")
    return [
        Row(
            "200 streams: chunks/s, ratio to the floor's",
            _times(c200),
            "≥ 0.95x",
            _within(c200, lambda x: x >= 0.95),
        ),
        Row(
            "200 streams: latency p50 / p99, ratio",
            f"{_times(p50)} / {_times(p99)}",
            "≤ 3x / ≤ 3x",
            _both(_within(p50, lambda x: x <= 3), _within(p99, lambda x: x <= 3)),
        ),
        Row(
            "200 streams: first chunk p50, ratio",
            _times(first),
            "≤ 2x",
            _within(first, lambda x: x <= 2),
        ),
        Row(
            "50 streams: server CPU per chunk, ratio",
            _times(cpu) + cpu_note("c50", APP, FLOOR),
            "≤ 2x",
            _within(cpu, lambda x: x <= 2),
        ),
        Row(
            "`html` frames on (the page's default): CPU per chunk, ratio to `render: false`",
            _times(html_cpu) + (" at 50 streams" if html_cpu else "") + cpu_note("c50", PAGE, APP),
            "≤ 1.25x",
            _within(html_cpu, lambda x: x <= 1.25),
        ),
        Row(
            "`html` frames on: p99 at 200 streams, ratio to `render: false`",
            _times(html_p99),
            "≤ 1.5x",
            _within(html_p99, lambda x: x <= 1.5),
        ),
        Row(
            "1 stream at full speed: chunks/s, ratio",
            _times(stream),
            "≥ 0.6x",
            _within(stream, lambda x: x >= 0.6),
        ),
        _thousand(runs, ratio("c1000", "latency_p99_ms"), absolute),
    ]


def _thousand(
    runs: Runs,
    p99: float | None,
    absolute: Callable[[str, str, str], float | None],
) -> Row:
    mine = [r for r in runs if r["scenario_name"] == "c1000" and r["system"] == APP]
    title = "1,000 streams × 50 chunks every 50 ms"  # noqa: RUF001 (the issue's own words)
    target = "none failed; p99 ≤ 3x"
    if not mine:
        return Row(title, "-", target, None)
    lost = sum(r.get("failed", 0) + r.get("incomplete", 0) for r in mine)
    streams = sum(r["scenario"]["streams"] for r in mine)
    app_ms, floor_ms = (
        absolute("c1000", APP, "latency_p99_ms"),
        absolute("c1000", FLOOR, "latency_p99_ms"),
    )
    failed = "none failed" if not lost else f"{lost:,} of {streams:,} failed"
    latency = f"p99 {_times(p99)}"
    if app_ms is not None and floor_ms is not None:
        latency += f" ({app_ms:,.0f} ms against {floor_ms:,.0f})"
    return Row(
        title, f"{failed}; {latency}", target, _both(lost == 0, _within(p99, lambda x: x <= 3))
    )


def markdown(rows: list[Row]) -> str:
    lines = ["| | measured | target | |", "|---|---|---|---|"]
    lines += [f"| {r.title} | {r.measured} | {r.target} | {r.verdict} |" for r in rows]
    return "\n".join(lines)
