"""The benchmark's full table: medians per system and scenario, with ratios to the floor."""

from __future__ import annotations

from typing import Any

from bench.stats import median, paired_ratio

Runs = list[dict[str, Any]]
Table = dict[str, dict[str, dict[str, float | None]]]

METRICS = (
    "latency_p50_ms",
    "latency_p99_ms",
    "latency_max_ms",
    "first_chunk_p50_ms",
    "chunks_per_s",
    "chunks_per_frame",
    "received_kb_per_stream",
    "peak_rss_mb",
    "rss_per_stream_kb",
    "cpu_seconds",
    "cpu_us_per_chunk",
    "client_cpu_seconds",
    "upstream_cpu_seconds",
)
# Counts summed over the repetitions rather than their median.
SUMMED = ("failed", "incomplete", "ignored_errors")
FLOOR = "floor"
DISPLAY_ORDER = (
    "upstream",
    "floor",
    "floor-g4f",
    "floor-daphne",
    "floor-g4f-daphne",
    "app",
    "app-page",
    "g4f-api",
)
RATIOS = (
    "latency_p50_ms",
    "latency_p99_ms",
    "first_chunk_p50_ms",
    "chunks_per_s",
    "cpu_us_per_chunk",
)


def by_repetition(runs: Runs, scenario: str, system: str, metric: str) -> dict[int, float | None]:
    """{repetition: value} of one metric of one system in one scenario."""
    return {
        run["repetition"]: run.get(metric)
        for run in runs
        if run["scenario_name"] == scenario and run["system"] == system
    }


def medians(runs: Runs) -> Table:
    """{scenario: {system: {metric: median over repetitions}}}; counts summed.

    A ratio to the floor is the median of per-repetition ratios (`stats.paired_ratio`).
    """
    table: Table = {}
    for run in runs:
        table.setdefault(run["scenario_name"], {}).setdefault(run["system"], {})
    for scenario, systems in table.items():
        for system in systems:
            mine = [r for r in runs if r["scenario_name"] == scenario and r["system"] == system]
            row: dict[str, float | None] = {m: median([r.get(m) for r in mine]) for m in METRICS}
            row.update({count: sum(r.get(count) or 0 for r in mine) for count in SUMMED})
            row["runs"] = len(mine)
            row["streams"] = sum(r["scenario"]["streams"] for r in mine)
            if FLOOR in systems:
                for metric in RATIOS:
                    row[f"{metric}_x_floor"] = paired_ratio(
                        by_repetition(runs, scenario, system, metric),
                        by_repetition(runs, scenario, FLOOR, metric),
                    )
            systems[system] = row
    return table


COLUMNS = (
    ("p50 ms", "latency_p50_ms", "{:.2f}"),
    ("p99 ms", "latency_p99_ms", "{:.2f}"),
    ("max ms", "latency_max_ms", "{:.1f}"),
    ("1st p50 ms", "first_chunk_p50_ms", "{:.2f}"),
    ("chunks/s", "chunks_per_s", "{:.0f}"),
    ("fail/inc", None, None),
    ("chunks/frame", "chunks_per_frame", "{:.2f}"),
    ("KB in/stream", "received_kb_per_stream", "{:.0f}"),
    ("ignored errors", "ignored_errors", "{:.0f}"),
    ("RSS MB", "peak_rss_mb", "{:.0f}"),
    ("KB/stream", "rss_per_stream_kb", "{:.0f}"),
    ("CPU s", "cpu_seconds", "{:.2f}"),
    ("CPU us/chunk", "cpu_us_per_chunk", "{:.0f}"),
    ("load CPU s", "client_cpu_seconds", "{:.2f}"),
    ("p50 x fl", "latency_p50_ms_x_floor", "{:.2f}"),
    ("p99 x fl", "latency_p99_ms_x_floor", "{:.2f}"),
    ("1st x fl", "first_chunk_p50_ms_x_floor", "{:.2f}"),
    ("c/s x fl", "chunks_per_s_x_floor", "{:.2f}"),
    ("CPU x fl", "cpu_us_per_chunk_x_floor", "{:.1f}"),
)


def _display_rank(system: str) -> int:
    return DISPLAY_ORDER.index(system) if system in DISPLAY_ORDER else len(DISPLAY_ORDER)


def markdown(table: Table) -> str:
    head = ["scenario", "system", *(title for title, _, _ in COLUMNS)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for scenario, systems in table.items():
        for system in sorted(systems, key=_display_rank):
            row = systems[system]
            cells = [scenario, system]
            for _, key, style in COLUMNS:
                if key is None:
                    cells.append(f"{row['failed']:.0f}/{row['incomplete']:.0f}")
                else:
                    value = row.get(key)
                    cells.append("-" if value is None else style.format(value))
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
