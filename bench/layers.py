"""What each layer costs: g4f's client and daphne on their own, and what the app adds to both.

The four floors (`bench.systems`) relay the same stream with nothing but a reader and a server:
aiohttp or g4f's `AsyncClient` reading, aiohttp or daphne serving. Against `floor`, the others
say what `AsyncClient` and daphne each cost; against `floor-g4f-daphne`, the least that a relay
of `AsyncClient` under daphne can cost, the app says what it adds of its own: its reply log,
following, the database, the limits, the window.
"""

from __future__ import annotations

from bench.stats import median, paired_ratio
from bench.table import Runs, by_repetition

FLOOR, BOTH = "floor", "floor-g4f-daphne"
LAYERS = (
    ("floor", "the floor: aiohttp reading, aiohttp serving"),
    ("floor-g4f", "g4f's `AsyncClient` reading, aiohttp serving"),
    ("floor-daphne", "aiohttp reading, daphne serving"),
    ("floor-g4f-daphne", "g4f's `AsyncClient` reading, daphne serving"),
    ("app", "the app, `render: false`"),
    ("app-page", 'the app as the page asks, `render: "changes"`'),
)
SCENARIOS = ("c50", "c200")


def _cpu(runs: Runs, scenario: str, system: str) -> float | None:
    return median(list(by_repetition(runs, scenario, system, "cpu_us_per_chunk").values()))


def markdown(runs: Runs) -> str:
    """The CPU per chunk of each layer, and the app's rows against the floor of both layers;
    empty when this run measured no floor of g4f and daphne."""
    if not any(run["system"] == BOTH for run in runs):
        return ""
    head = (
        "| system | " + " | ".join(f"CPU µs/chunk, {s}" for s in SCENARIOS) + " | at c50, x floor |"
    )
    lines = [head, "|---|" + "---|" * (len(SCENARIOS) + 1)]
    for system, meaning in LAYERS:
        cpus = [_cpu(runs, scenario, system) for scenario in SCENARIOS]
        if all(cpu is None for cpu in cpus):
            continue
        ratio = paired_ratio(
            by_repetition(runs, "c50", system, "cpu_us_per_chunk"),
            by_repetition(runs, "c50", FLOOR, "cpu_us_per_chunk"),
        )
        cells = ["-" if cpu is None else f"{cpu:.0f}" for cpu in cpus]
        shown = "-" if ratio is None else f"{ratio:.2f}x"
        lines.append(f"| `{system}`: {meaning} | " + " | ".join(cells) + f" | {shown} |")
    lines += [
        "",
        "The app against the floor of both layers (medians of per-repetition ratios):",
        "",
    ]
    lines += ["| | app ÷ `floor-g4f-daphne` |", "|---|---|"]
    for title, scenario, metric in (
        ("200 streams: chunks/s", "c200", "chunks_per_s"),
        ("200 streams: latency p50", "c200", "latency_p50_ms"),
        ("200 streams: latency p99", "c200", "latency_p99_ms"),
        ("200 streams: first chunk p50", "c200", "first_chunk_p50_ms"),
        ("50 streams: CPU per chunk", "c50", "cpu_us_per_chunk"),
        ("1 stream at full speed: chunks/s", "stream", "chunks_per_s"),
    ):
        ratio = paired_ratio(
            by_repetition(runs, scenario, "app", metric),
            by_repetition(runs, scenario, BOTH, metric),
        )
        lines.append(f"| {title} | {'-' if ratio is None else f'{ratio:.2f}x'} |")
    return "\n".join(lines)
