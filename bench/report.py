"""The benchmark's report: the targets' rows, then the full table, then the profile if any.

    python -m bench.report bench/results/<time>.json     # an earlier run's report again

`make bench` writes it to `bench/results/report.md` (the latest run) and beside each run's
JSON; `bench/README.md` explains every row and column.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench import layers, table, targets


def report_markdown(report: dict[str, Any]) -> str:
    runs = report["runs"]
    arguments = report.get("arguments", {})
    lines = [
        "# Benchmark report",
        "",
        f"Machine: {report['machine']['summary']}.",
        f"Packages: {_packages(report['machine'].get('packages', {}))}.",
        f"Run: `{report.get('command', 'python -m bench.run')}`, "
        f"{arguments.get('repeats', '?')} repetition(s)"
        + (f", {report['minutes']:.1f} minutes" if "minutes" in report else "")
        + (f", started {report['started']}" if "started" in report else "")
        + ".",
    ]
    scale = arguments.get("scale", 1.0)
    if scale != 1.0:
        lines.append(
            f"**A trial run**: each scenario with {scale:g} of its streams, so the rows below "
            "do not measure the issue's scenarios."
        )
    lines += [
        "",
        "## Against the targets",
        "",
        "Medians of per-repetition ratios; `app` is asked with `render: false`, `app-page` as "
        'the page asks (`render: "changes"`: html frames with the blocks that changed).',
        "",
        targets.markdown(targets.target_rows(runs)),
    ]
    costs = layers.markdown(runs)
    if costs:
        lines += ["", "## What g4f's client and daphne cost, and what the app adds", "", costs]
    lines += [
        "",
        "## Every system",
        "",
        "Medians over the repetitions; fail/inc and ignored errors are summed.",
        "",
        table.markdown(table.medians(runs)),
    ]
    if report.get("profile"):
        lines += ["", "## Where a chunk's time goes", "", report["profile"]]
    return "\n".join(lines) + "\n"


def _packages(packages: dict[str, str]) -> str:
    return ", ".join(f"{name} {version}" for name, version in packages.items()) or "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    print(report_markdown(json.loads(parser.parse_args().results.read_text())), end="")


if __name__ == "__main__":
    main()
