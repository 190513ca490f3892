"""Profile the app with py-spy while one scenario loads it, and say where the time went.

    python -m bench.profile                                  # app and app-page, 200 streams
    python -m bench.profile --systems app --scenario c50

Writes py-spy's raw stacks to `bench/results/` (feed them to a flame graph tool to look
closer), and prints, and writes to `bench/results/profile.md`, the share of samples per
component: each sample is charged to the innermost frame that belongs to a known component.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime
import os
import signal
import subprocess
import tempfile
from pathlib import Path

from bench.load import Target, raise_fd_limit, run_load
from bench.scenarios import RESULTS, SCENARIOS, WARM_UP
from bench.streams import Scenario
from bench.systems import BIN, ROOT, Running, all_systems, upstream_command

# (component, fragments of a frame's text that mark it), in priority order: a sample belongs
# to the first component any frame of its callback's stack names.
COMPONENTS = (
    ("per-chunk timeout (asyncio.timeout)", ("asyncio/timeouts.py",)),
    ("g4f provider: HTTP and SSE parsing", ("g4f/Provider/", "g4f/requests/")),
    ("g4f client: run_tools, chunk objects, usage log", ("g4f/",)),
    # The page's html frames: markdown, code highlighting, sanitising (app-page only).
    (
        "rendering: markdown-it, Pygments, nh3",
        ("markdown_it/", "pygments/", "nh3", "chat/rendering/"),
    ),
    (
        "websocket I/O: channels, daphne, autobahn, Twisted",
        ("channels/", "daphne/", "autobahn/", "twisted/", "txaio/"),
    ),
    ("app code: replies, reply log, following", ("(chat/", "/chat/")),
    ("aiohttp", ("aiohttp/",)),
    ("django, asgiref", ("django/", "asgiref/")),
)
WORKER_THREADS = "worker threads (database calls through sync_to_async, rendering's pipe)"
# A thread sampled in one of these is waiting, not computing: py-spy does not always see it as
# idle. Such samples would otherwise be charged a share of the CPU measured per chunk.
WAITING = (
    "Condition.wait (threading.py",
    "_PollLikeSelector.select (selectors.py",
    "Connection._recv (multiprocessing/connection.py",
    "_worker (concurrent/futures/thread.py",
)
EVENT_LOOP = "event loop: waiting in select, scheduling"
OTHER = "the rest"


def component(frames: list[str]) -> str:
    if any("Thread._bootstrap" in frame for frame in frames):
        return WORKER_THREADS
    # Below the loop's Handle._run is the callback that ran; above it, the server's main loop,
    # which every sample shares and so says nothing.
    runs = [index for index, frame in enumerate(frames) if frame.startswith("Handle._run ")]
    if not runs:
        return EVENT_LOOP
    callback = frames[runs[-1] + 1 :]
    for name, marks in COMPONENTS:
        if any(mark in frame for frame in callback for mark in marks):
            return name
    return OTHER


def summarize(raw: Path, cpu_us_per_chunk: float) -> str:
    """Each component's share of the samples, and that share of the CPU spent per chunk."""
    shares: collections.Counter[str] = collections.Counter()
    waiting = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        frames = stack.split(";")
        if frames[-1].startswith(WAITING) and any("Thread._bootstrap" in f for f in frames):
            waiting += int(count)
        else:
            shares[component(frames)] += int(count)
    total = sum(shares.values()) or 1
    lines = ["| component | share | µs/chunk |", "|---|---|---|"]
    lines += [
        f"| {name} | {100 * samples / total:.1f} % | {cpu_us_per_chunk * samples / total:.1f} |"
        for name, samples in shares.most_common()
    ]
    lines.append(f"| all ({total} samples) | 100 % | {cpu_us_per_chunk:.1f} |")
    lines.append(f"| threads waiting, left out above ({waiting} samples) | - | - |")
    return "\n".join(lines)


def profile(system_name: str, scenario: Scenario, base_port: int, rate: int = 200) -> str:
    """Load one system with one scenario under py-spy; its profile by component, in Markdown."""
    raise_fd_limit()
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    raw = RESULTS / f"{stamp}-profile-{system_name}.txt"
    log = RESULTS / f"{stamp}-profile.log"
    with tempfile.TemporaryDirectory(prefix="streamdemo-profile-") as scratch:
        system = all_systems(base_port, Path(scratch))[system_name]
        for command in system.prepare:
            subprocess.run(command, cwd=ROOT, check=True, env={**os.environ, **system.env})
        upstream = Running(upstream_command(base_port), {}, base_port, log)
        server = Running(system.command, system.env, system.port, log)
        try:
            upstream.wait_until_listening()
            server.wait_until_listening()
            target = Target(system.kind, system.url, system.body)
            asyncio.run(run_load(target, WARM_UP, None))
            # py-spy's sampling inflates the server's CPU time: the cost per chunk comes from a
            # run without it, the shares from the sampled run.
            plain = asyncio.run(run_load(target, scenario, server.pid))
            spy = PySpy(server.pid, raw, rate)
            result = asyncio.run(run_load(target, scenario, server.pid, during=spy))
        finally:
            server.stop()
            upstream.stop()
    if not raw.exists():
        raise RuntimeError(f"py-spy recorded nothing (may it trace {server.pid}?)")
    return (
        f"`{system_name}`, {scenario.streams} streams x {scenario.chunks} chunks every "
        f"{scenario.interval * 1000:g} ms: {_fmt(plain['cpu_us_per_chunk'], '{:.0f}')} µs of "
        f"CPU per chunk unsampled; sampled run p50 {_fmt(result['latency_p50_ms'])} ms, "
        f"p99 {_fmt(result['latency_p99_ms'])} ms, "
        f"{_fmt(result['chunks_per_s'], '{:.0f}')} chunks/s. Stacks: "
        f"`{raw.relative_to(ROOT)}`.\n\n" + summarize(raw, plain["cpu_us_per_chunk"] or 0.0)
    )


class PySpy:
    """py-spy recording one process for as long as the context lasts."""

    def __init__(self, pid: int, output: Path, rate: int) -> None:
        self.command = [
            *(str(BIN / "py-spy"), "record", "--pid", str(pid)),
            *("--format", "raw", "--rate", str(rate), "--output", str(output)),
        ]
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> PySpy:
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(30)


def _fmt(value: float | None, style: str = "{:.2f}") -> str:
    return "-" if value is None else style.format(value)


def profiles(systems: list[str], scenario: Scenario, base_port: int, rate: int = 200) -> str:
    return "\n\n".join(profile(name, scenario, base_port, rate) for name in systems)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", default="app,app-page", help="comma-separated")
    parser.add_argument("--scenario", default="c200", choices=tuple(SCENARIOS))
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the streams")
    parser.add_argument("--base-port", type=int, default=9150)
    parser.add_argument("--rate", type=int, default=200, help="samples per second")
    args = parser.parse_args()
    scenario = SCENARIOS[args.scenario].scaled(args.scale)
    text = profiles(args.systems.split(","), scenario, args.base_port, args.rate)
    out = RESULTS / "profile.md"
    out.write_text(f"# Where a chunk's time goes\n\n{text}\n")
    print(text)
    print(f"\nwritten: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
