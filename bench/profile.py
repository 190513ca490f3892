"""Profile one system with py-spy while one scenario loads it, and say where the time went.

    python -m bench.profile --system app --scenario c200

Writes py-spy's raw stacks to `bench/results/` (feed them to a flame graph tool to look
closer) and prints the share of samples per component: each sample is charged to the
innermost frame that belongs to a known component.
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
from bench.run import RESULTS, SCENARIOS, WARM_UP
from bench.systems import BIN, ROOT, Running, all_systems, upstream_command

# (component, fragments of a frame's text that mark it), in priority order: a sample belongs
# to the first component any frame of its callback's stack names.
COMPONENTS = (
    ("per-chunk timeout (asyncio.timeout)", ("asyncio/timeouts.py",)),
    ("g4f provider: HTTP and SSE parsing", ("g4f/Provider/", "g4f/requests/")),
    ("g4f client: run_tools, chunk objects, usage log", ("g4f/",)),
    (
        "websocket I/O: channels, daphne, autobahn, Twisted",
        ("channels/", "daphne/", "autobahn/", "twisted/", "txaio/"),
    ),
    ("app code: replies, reply log, following", ("(chat/", "/chat/")),
    ("aiohttp", ("aiohttp/",)),
    ("django, asgiref", ("django/", "asgiref/")),
)
WORKER_THREADS = "worker threads (database calls through sync_to_async)"
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
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack:
            shares[component(stack.split(";"))] += int(count)
    total = sum(shares.values()) or 1
    return (
        "\n".join(
            f"{100 * samples / total:5.1f}%  {cpu_us_per_chunk * samples / total:6.1f} us/chunk  "
            f"{name}"
            for name, samples in shares.most_common()
        )
        + f"\n({total} samples; {cpu_us_per_chunk:.1f} us of CPU per chunk in all)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--system", default="app")
    parser.add_argument("--scenario", default="c200", choices=tuple(SCENARIOS))
    parser.add_argument("--base-port", type=int, default=9150)
    parser.add_argument("--rate", type=int, default=100, help="samples per second")
    args = parser.parse_args()
    raise_fd_limit()
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    raw = RESULTS / f"{stamp}-profile-{args.system}-{args.scenario}.txt"
    log = RESULTS / f"{stamp}-profile.log"
    with tempfile.TemporaryDirectory(prefix="streamdemo-profile-") as scratch:
        system = all_systems(args.base_port, Path(scratch))[args.system]
        for command in system.prepare:
            subprocess.run(command, cwd=ROOT, check=True, env={**os.environ, **system.env})
        upstream = Running(upstream_command(args.base_port), {}, args.base_port, log)
        server = Running(system.command, system.env, system.port, log)
        try:
            upstream.wait_until_listening()
            server.wait_until_listening()
            target = Target(system.kind, system.url, system.body)
            asyncio.run(run_load(target, WARM_UP, None))
            # py-spy's sampling inflates the server's CPU time: the cost per chunk comes from a
            # run without it, the shares from the sampled run.
            plain = asyncio.run(run_load(target, SCENARIOS[args.scenario], server.pid))
            spy = subprocess.Popen(
                [
                    *(str(BIN / "py-spy"), "record", "--pid", str(server.pid)),
                    *("--format", "raw", "--rate", str(args.rate), "--output", str(raw)),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            result = asyncio.run(run_load(target, SCENARIOS[args.scenario], server.pid))
            spy.send_signal(signal.SIGINT)
            spy.wait(30)
        finally:
            server.stop()
            upstream.stop()
    print(
        f"{args.system} under {args.scenario}: p50 {result['latency_p50_ms']:.2f} ms, "
        f"p99 {result['latency_p99_ms']:.2f} ms, {result['chunks_per_s']:.0f} chunks/s, "
        f"CPU {result['cpu_seconds']:.2f} s (slowed by sampling)"
    )
    print(summarize(raw, 1e6 * plain["cpu_seconds"] / max(plain["chunks"], 1)))
    print(f"stacks: {raw.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
