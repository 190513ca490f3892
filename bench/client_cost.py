"""What each layer of g4f costs per chunk, read from the stamping upstream in one process.

    python -m bench.client_cost --chunks 5000

Reads one full-speed answer three ways and prints CPU microseconds per chunk for each:
aiohttp and a line split (the floor's way), g4f's provider generator alone
(`create_async_generator`), and g4f's `AsyncClient`: bare, with `asyncio.timeout` around each
chunk, and with the app's one `StallWatchdog` per answer. The differences are what each layer
adds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp

from bench.systems import Running, g4f_environment, upstream_command

MODEL = "gpt-4"


async def read_raw(base_url: str, question: str) -> AsyncIterator[str]:
    body = {"model": MODEL, "stream": True, "messages": [{"role": "user", "content": question}]}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{base_url}/chat/completions", json=body) as answer,
    ):
        async for line in answer.content:
            if line.startswith(b"data: {"):
                content = json.loads(line[6:])["choices"][0]["delta"].get("content")
                if content:
                    yield content


async def read_provider(base_url: str, question: str) -> AsyncIterator[str]:
    from g4f.client.factory import create_custom_provider

    provider = create_custom_provider(base_url, models=[MODEL], default_model=MODEL)
    messages = [{"role": "user", "content": question}]
    async for chunk in provider.create_async_generator(MODEL, messages, stream=True):
        if isinstance(chunk, str) and chunk:
            yield chunk


async def read_client(base_url: str, question: str, guard: str | None) -> AsyncIterator[str]:
    from g4f.client import AsyncClient
    from g4f.client.factory import create_custom_provider

    from chat.upstream.watchdog import StallWatchdog

    provider = create_custom_provider(base_url, models=[MODEL], default_model=MODEL)
    chunks = AsyncClient(provider=provider).chat.completions.create(
        messages=[{"role": "user", "content": question}], model=MODEL, stream=True
    )
    # Only the watchdog's own reading has a watchdog, so the others measure nothing of it.
    with StallWatchdog(60) if guard == "watchdog" else contextlib.nullcontext() as watchdog:
        while True:
            try:
                if guard == "timeout":
                    async with asyncio.timeout(60):
                        chunk = await anext(chunks)
                elif watchdog is not None:
                    chunk = await watchdog.next(chunks)
                else:
                    chunk = await anext(chunks)
            except StopAsyncIteration:
                return
            content = chunk.choices[0].delta.content
            if content:
                yield content


async def cpu_per_chunk(read: Callable[[], AsyncIterator[str]], chunks: int) -> float:
    """CPU microseconds per chunk, best of three reads (the least disturbed)."""
    best = float("inf")
    for _ in range(3):
        began = time.process_time()
        count = 0
        async for _ in read():
            count += 1
        assert count == chunks, f"read {count} chunks, not {chunks}"
        best = min(best, (time.process_time() - began) / count * 1e6)
    return best


async def measure(base_url: str, chunks: int, size: int) -> dict[str, float]:
    question = f"chunks={chunks} interval=0 size={size}"
    ways: dict[str, Callable[[], AsyncIterator[str]]] = {
        "aiohttp + json (the floor's way)": lambda: read_raw(base_url, question),
        "g4f provider generator": lambda: read_provider(base_url, question),
        "g4f AsyncClient": lambda: read_client(base_url, question, None),
        "g4f AsyncClient + asyncio.timeout per chunk": lambda: read_client(
            base_url, question, "timeout"
        ),
        "g4f AsyncClient + one StallWatchdog (the app's way)": lambda: read_client(
            base_url, question, "watchdog"
        ),
    }
    return {name: await cpu_per_chunk(read, chunks) for name, read in ways.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=5000)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--port", type=int, default=9180)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="streamdemo-client-cost-") as scratch:
        base_url = f"http://127.0.0.1:{args.port}/v1"
        # g4f keeps its files where this process's environment says, so it writes none of yours.
        os.environ.update(g4f_environment(Path(scratch), base_url))
        upstream = Running(upstream_command(args.port), {}, args.port, Path(scratch) / "log")
        try:
            upstream.wait_until_listening()
            results = asyncio.run(measure(base_url, args.chunks, args.size))
        finally:
            upstream.stop()
    floor = next(iter(results.values()))
    print(f"CPU per chunk, {args.chunks} chunks of {args.size} characters (best of 3):")
    for name, micros in results.items():
        print(f"  {micros:7.1f} us  (+{micros - floor:6.1f})  {name}")


if __name__ == "__main__":
    main()
