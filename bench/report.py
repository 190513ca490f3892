"""The benchmark's table: medians per system and scenario, with ratios to the floor."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench.stats import median, ratio

METRICS = (
    "latency_p50_ms",
    "latency_p99_ms",
    "latency_max_ms",
    "first_chunk_p50_ms",
    "chunks_per_s",
    "failed",
    "incomplete",
    "peak_rss_mb",
    "rss_per_stream_kb",
    "cpu_seconds",
    "cpu_us_per_chunk",
    "client_cpu_seconds",
    "upstream_cpu_seconds",
)
FLOOR = "floor"
DISPLAY_ORDER = ("upstream", "floor", "g4f-api", "app")


RATIOS = (
    "latency_p50_ms",
    "latency_p99_ms",
    "first_chunk_p50_ms",
    "chunks_per_s",
    "cpu_us_per_chunk",
)


def medians(runs: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, float | None]]]:
    """{scenario: {system: {metric: median over repetitions}}}; failures summed.

    A ratio to the floor is the median of per-repetition ratios: each pairs two measurements
    taken minutes apart at most, so a machine busy in one repetition skews neither alone.
    """
    grouped: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for run in runs:
        grouped.setdefault(run["scenario_name"], {}).setdefault(run["system"], []).append(run)
    table: dict[str, dict[str, dict[str, float | None]]] = {}
    for scenario, systems in grouped.items():
        floor = {run["repetition"]: run for run in systems.get(FLOOR, [])}
        for system, results in systems.items():
            row = {metric: median([r.get(metric) for r in results]) for metric in METRICS}
            row["failed"] = sum(r.get("failed", 0) for r in results)
            row["incomplete"] = sum(r.get("incomplete", 0) for r in results)
            row["runs"] = len(results)
            if floor:
                for metric in RATIOS:
                    row[f"{metric}_x_floor"] = median(
                        [
                            ratio(r.get(metric), floor[r["repetition"]].get(metric))
                            for r in results
                            if r["repetition"] in floor
                        ]
                    )
            table.setdefault(scenario, {})[system] = row
    return table


COLUMNS = (
    ("p50 ms", "latency_p50_ms", "{:.2f}"),
    ("p99 ms", "latency_p99_ms", "{:.2f}"),
    ("max ms", "latency_max_ms", "{:.1f}"),
    ("1st p50 ms", "first_chunk_p50_ms", "{:.2f}"),
    ("chunks/s", "chunks_per_s", "{:.0f}"),
    ("fail/inc", None, None),
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


def markdown(table: dict[str, dict[str, dict[str, float | None]]]) -> str:
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


def targets(
    table: dict[str, dict[str, dict[str, float | None]]], app: str = "app"
) -> list[tuple[str, bool | None]]:
    """The app's goals against the floor; None where the run did not measure them."""

    def get(scenario: str, system: str, key: str) -> float | None:
        return table.get(scenario, {}).get(system, {}).get(key)

    def at_most(value: float | None, limit: float) -> bool | None:
        return None if value is None else value <= limit

    def at_least(value: float | None, limit: float) -> bool | None:
        return None if value is None else value >= limit

    def kept_up(scenario: str) -> bool | None:
        # Low latency from a system that serves only some streams at a time is no achievement.
        return at_least(get(scenario, app, "chunks_per_s_x_floor"), 0.9)

    def latency(scenario: str, key: str, limit: float) -> bool | None:
        within = at_most(get(scenario, app, key), limit)
        return None if within is None else within and bool(kept_up(scenario))

    failures = get("c1000", app, "failed")
    incomplete = get("c1000", app, "incomplete")
    app_p99, api_p99 = get("c200", app, "latency_p99_ms"), get("c200", "g4f-api", "latency_p99_ms")
    return [
        ("200 streams: p50 <= 2.5x floor", latency("c200", "latency_p50_ms_x_floor", 2.5)),
        ("200 streams: p99 <= 3x floor", latency("c200", "latency_p99_ms_x_floor", 3)),
        (
            "200 streams: first chunk p50 <= 2x floor",
            at_most(get("c200", app, "first_chunk_p50_ms_x_floor"), 2),
        ),
        (
            "1 stream full speed: chunks/s >= 0.75x floor",
            at_least(get("stream", app, "chunks_per_s_x_floor"), 0.75),
        ),
        (
            "1,000 streams: none failed or incomplete",
            None if failures is None else failures + (incomplete or 0) == 0,
        ),
        ("1,000 streams: p99 <= 3x floor", latency("c1000", "latency_p99_ms_x_floor", 3)),
        (
            "200 streams: g4f api p99 >= 3x the app's",
            None if app_p99 is None or api_p99 is None else api_p99 >= 3 * app_p99,
        ),
        ("leads g4f api on every scenario (chunks/s, failures)", _leads(table, app, "g4f-api")),
    ]


def _leads(
    table: dict[str, dict[str, dict[str, float | None]]], app: str, rival: str
) -> bool | None:
    """More chunks/s delivered and no more failed or incomplete streams, wherever both ran.

    Not latency: a rival that serves twenty streams at a time has a fine per-chunk latency for
    those twenty while the rest wait, which chunks/s and first-chunk time show and it hides.
    """
    verdicts = []
    for systems in table.values():
        ours, theirs = systems.get(app), systems.get(rival)
        if not ours or not theirs:
            continue
        lost = (ours["failed"] or 0) + (ours["incomplete"] or 0)
        rival_lost = (theirs["failed"] or 0) + (theirs["incomplete"] or 0)
        faster = (ours["chunks_per_s"] or 0) >= (theirs["chunks_per_s"] or 0)
        verdicts.append(faster and lost <= rival_lost)
    return all(verdicts) if verdicts else None


def targets_text(table: dict[str, dict[str, dict[str, float | None]]]) -> str:
    marks = {True: "met", False: "MISSED", None: "not measured"}
    measured = {system for systems in table.values() for system in systems}
    if "app" not in measured:
        return ""
    return "\n".join(["app:", *(f"- {goal}: {marks[met]}" for goal, met in targets(table))])


def main() -> None:
    """Print the table and the targets again from a results file: `python -m bench.report F`."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("results", type=Path)
    report = json.loads(parser.parse_args().results.read_text())
    table = medians(report["runs"])
    print(markdown(table))
    print()
    print(targets_text(table))
    print(f"\nmachine: {report['machine']['summary']}")


if __name__ == "__main__":
    main()
