"""Run the benchmark: every system against one stamping upstream, every scenario, N times.

    python -m bench.run                       # issue 13's rows, three repetitions
    python -m bench.run --quick               # one repetition
    python -m bench.run --repeats 1 --scale 0.1            # a trial: a tenth of the streams
    python -m bench.run --systems floor,app --scenarios c200 --repeats 1
    python -m bench.run --profile             # and where a chunk's time goes in the app

Prints the targets' rows and the full table, and writes the report to
`bench/results/report.md` (the latest run) and `bench/results/<time>.md`, with every
measurement in `bench/results/<time>.json`. Each (repetition, scenario, system) gets a freshly
started server, warmed by one short answer, so one measurement cannot inherit another's memory
or connections; systems take turns within a repetition, so drift on a shared machine touches
them alike.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
import traceback
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.load import Target, raise_fd_limit, run_load
from bench.report import report_markdown
from bench.scenarios import RESULTS, SCENARIOS, WARM_UP
from bench.streams import Scenario
from bench.systems import ROOT, Running, System, all_systems, upstream_command

FLOORS = ("floor-g4f", "floor-daphne", "floor-g4f-daphne")
KNOWN_SYSTEMS = ("upstream", "floor", *FLOORS, "app", "app-page", "g4f-api")
# `g4f api` takes longer than all the others together (it falls far behind): asked for by name.
DEFAULT_SYSTEMS = ("upstream", "floor", *FLOORS, "app", "app-page")
# The app right after the floor, so the pairs the targets compare are measured closest in time;
# then the floors that say what g4f's client and daphne cost on their own.
MEASURE_ORDER = ("floor", "app", "app-page", "floor-g4f-daphne", "floor-g4f", "floor-daphne")
MEASURE_ORDER += ("g4f-api", "upstream")
PROFILED = ("app", "app-page")


def main() -> None:
    args = parse_args()
    began = time.monotonic()
    raise_fd_limit()  # inherited by every server started below
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = datetime.datetime.now(datetime.UTC)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    logs = RESULTS / f"{stamp}-logs"
    logs.mkdir()
    scenarios = {name: SCENARIOS[name].scaled(args.scale) for name in args.scenarios}
    with tempfile.TemporaryDirectory(prefix="streamdemo-bench-") as scratch:
        systems = all_systems(args.base_port, Path(scratch), database_url=args.database_url)
        for name in args.systems:
            for command in systems[name].prepare:
                subprocess.run(
                    command, cwd=ROOT, env={**os.environ, **systems[name].env}, check=True
                )
        upstream = Running(
            upstream_command(args.base_port), {}, args.base_port, logs / "upstream.log"
        )
        try:
            upstream.wait_until_listening()
            runs = measure_all(args, systems, scenarios, upstream.pid, logs)
        finally:
            upstream.stop()
    report = {
        "machine": machine(),
        "command": shlex.join(["python", "-m", "bench.run", *sys.argv[1:]]),
        "arguments": vars(args),
        "started": started.strftime("%Y-%m-%d %H:%M UTC"),
        "runs": runs,
    }
    if args.profile:
        report["profile"] = profile_app(args)
    report["minutes"] = (time.monotonic() - began) / 60
    path = RESULTS / f"{stamp}.json"
    path.write_text(json.dumps(report, indent=2))
    text = report_markdown(report)
    (RESULTS / f"{stamp}.md").write_text(text)
    (RESULTS / "report.md").write_text(text)
    print()
    print(text)
    print(f"written: {path.relative_to(ROOT)}, {(RESULTS / 'report.md').relative_to(ROOT)}")


def measure_all(
    args: argparse.Namespace,
    systems: dict[str, System],
    scenarios: dict[str, Scenario],
    upstream_pid: int,
    logs: Path,
) -> list[dict[str, Any]]:
    runs = []
    for repetition in range(1, args.repeats + 1):
        for scenario_name, scenario in scenarios.items():
            for system_name in args.systems:
                system = systems[system_name]
                result = measure(system, scenario, upstream_pid, logs, args.pin)
                result.update(
                    system=system_name, scenario_name=scenario_name, repetition=repetition
                )
                runs.append(result)
                print(progress_line(result), flush=True)
    return runs


def measure(
    system: System, scenario: Scenario, upstream_pid: int, logs: Path, pin: bool
) -> dict[str, Any]:
    target = Target(system.kind, system.url, system.body)
    if not system.command:
        asyncio.run(run_load(target, WARM_UP, None))
        return asyncio.run(run_load(target, scenario, upstream_pid))
    server = Running(system.command, system.env, system.port, logs / f"{system.name}.log")
    try:
        server.wait_until_listening()
        if pin:
            # The system under test gets a core of its own; the upstream and the load share one.
            os.sched_setaffinity(server.pid, {1})
            os.sched_setaffinity(upstream_pid, {0})
            os.sched_setaffinity(0, {0})
        asyncio.run(run_load(target, WARM_UP, None))
        return asyncio.run(run_load(target, scenario, server.pid, upstream_pid))
    finally:
        server.stop()


def profile_app(args: argparse.Namespace) -> str:
    """The profile of `app` and `app-page` at 200 streams; a failure is reported, not raised."""
    from bench.profile import profiles

    scenario = SCENARIOS["c200"].scaled(args.scale)
    try:
        return profiles(list(PROFILED), scenario, args.base_port + 50)
    except (OSError, RuntimeError, subprocess.SubprocessError):
        traceback.print_exc()
        return "The profile failed: see the run's output."


def progress_line(result: dict[str, Any]) -> str:
    def show(key: str, style: str = "{:.2f}") -> str:
        value = result.get(key)
        return "-" if value is None else style.format(value)

    return (
        f"#{result['repetition']} {result['scenario_name']:>6} {result['system']:>8}: "
        f"p50 {show('latency_p50_ms')} ms, p99 {show('latency_p99_ms')} ms, "
        f"first {show('first_chunk_p50_ms')} ms, {show('chunks_per_s', '{:.0f}')} chunks/s, "
        f"{show('chunks_per_frame')} chunks/frame, "
        f"failed {result['failed']}, incomplete {result['incomplete']}, "
        f"ignored errors {result['ignored_errors']}, "
        f"RSS {show('peak_rss_mb', '{:.0f}')} MB, CPU {show('cpu_us_per_chunk', '{:.0f}')} us/chunk"
        + (f"  {result['failure_samples']}" if result["failure_samples"] else "")
    )


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    packages = {name: version(name) for name in ("g4f", "Django", "channels", "daphne", "aiohttp")}
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    summary = (
        f"{os.cpu_count()} x {cpu}, {memory_gib:.0f} GiB, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, commit {commit}"
    )
    return {"summary": summary, "packages": packages, "python": sys.version, "commit": commit}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repetition instead of three")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--systems",
        default=",".join(DEFAULT_SYSTEMS),
        help=f"any of {','.join(KNOWN_SYSTEMS)} (default: all but g4f-api)",
    )
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=",".join(SCENARIOS))
    parser.add_argument(
        "--scale", type=float, default=1.0, help="fraction of each scenario's streams (a trial)"
    )
    parser.add_argument("--base-port", type=int, default=9100, help="upstream; systems follow")
    parser.add_argument("--database-url", help="the app's database (default: a fresh SQLite)")
    parser.add_argument("--pin", action="store_true", help="give the system under test CPU 1")
    parser.add_argument(
        "--profile", action="store_true", help="then profile app and app-page at 200 streams"
    )
    args = parser.parse_args()
    args.systems = sorted(_choices(args.systems, KNOWN_SYSTEMS, parser), key=MEASURE_ORDER.index)
    args.scenarios = _choices(args.scenarios, tuple(SCENARIOS), parser)
    if args.quick:
        args.repeats = 1
    if not 0 < args.scale <= 1:
        parser.error("--scale is a fraction: more than 0, at most 1")
    return args


def _choices(text: str, known: tuple[str, ...], parser: argparse.ArgumentParser) -> list[str]:
    chosen = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in known]
    if unknown:
        parser.error(f"unknown {', '.join(unknown)}; choose from {', '.join(known)}")
    return sorted(chosen, key=known.index)


if __name__ == "__main__":
    main()
