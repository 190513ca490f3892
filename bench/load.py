"""The load client: C concurrent conversations against one system, measured per chunk.

    python -m bench.load --kind ws --url ws://127.0.0.1:8000/ws/chat/ \\
        --streams 200 --chunks 100 --interval 0.02 --server-pid 1234

`--kind ws` speaks the app's websocket protocol (the app and the floor relay); `--kind sse`
posts to an OpenAI-compatible `/chat/completions` (the upstream itself, `g4f api`). Each chunk's
latency is its receive time minus the send time the upstream stamped into it. Streams start
spread evenly over one interval, as independent users would, rather than all on one tick.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bench.clock import now_ns, send_times
from bench.server_usage import UsageWatcher
from bench.stats import percentile

CONNECT_CONCURRENCY = 100
# Beyond three times its paced length, a stream has this long to end before it counts as
# failed: half a minute without an answer is a user gone.
GRACE_SECONDS = 30.0


@dataclass
class Scenario:
    streams: int
    chunks: int
    interval: float
    size: int = 32

    @property
    def question(self) -> str:
        return f"bench chunks={self.chunks} interval={self.interval} size={self.size}"

    @property
    def deadline(self) -> float:
        """Seconds every stream gets to finish before it counts as incomplete."""
        return self.chunks * self.interval * 3 + GRACE_SECONDS


@dataclass
class StreamResult:
    asked_ns: int = 0
    first_chunk_ns: int | None = None
    last_chunk_ns: int | None = None
    latencies_ns: list[int] = field(default_factory=list)
    ended: bool = False
    failure: str | None = None

    @property
    def chunks(self) -> int:
        return len(self.latencies_ns)

    def note(self, content: str) -> None:
        received = now_ns()
        stamps = send_times(content)
        if stamps and self.first_chunk_ns is None:
            self.first_chunk_ns = received
        if stamps:
            self.last_chunk_ns = received
        self.latencies_ns.extend(received - sent for sent in stamps)


class Target:
    """One system under load: how to open a conversation and read one answer from it."""

    def __init__(self, kind: str, url: str, body_extra: dict[str, Any]) -> None:
        self.kind = kind
        self.url = url
        self.body_extra = body_extra
        parts = urlsplit(url)
        # The app checks the Origin of a websocket against its allowed hosts.
        self.origin = f"http://{parts.hostname}:{parts.port}"

    async def open(self, session: aiohttp.ClientSession) -> aiohttp.ClientWebSocketResponse | None:
        if self.kind != "ws":
            return None
        return await session.ws_connect(self.url, origin=self.origin, max_msg_size=0)

    async def converse(
        self,
        session: aiohttp.ClientSession,
        socket: aiohttp.ClientWebSocketResponse | None,
        question: str,
        result: StreamResult,
    ) -> None:
        result.asked_ns = now_ns()
        if socket is not None:
            await _converse_ws(socket, question, self.body_extra, result)
        else:
            await self._converse_sse(session, question, result)

    async def _converse_sse(
        self, session: aiohttp.ClientSession, question: str, result: StreamResult
    ) -> None:
        body = {
            "model": "gpt-4",
            "stream": True,
            "messages": [{"role": "user", "content": question}],
            **self.body_extra,
        }
        async with session.post(self.url, json=body) as response:
            if response.status != 200:
                result.failure = f"HTTP {response.status}"
                return
            async for line in response.content:
                if not line.startswith(b"data: "):
                    continue
                if line.startswith(b"data: [DONE]"):
                    result.ended = True
                    return
                event = json.loads(line[6:])
                if "error" in event:
                    result.failure = f"error event: {event['error']}"[:200]
                    return
                for choice in event.get("choices") or ():
                    content = (choice.get("delta") or {}).get("content")
                    if content:
                        result.note(content)


async def _converse_ws(
    socket: aiohttp.ClientWebSocketResponse,
    question: str,
    extra: dict[str, Any],
    result: StreamResult,
) -> None:
    await socket.send_str(json.dumps({"type": "ask", "question": question, **extra}))
    async for message in socket:
        if message.type != aiohttp.WSMsgType.TEXT:
            result.failure = f"socket {message.type.name}"
            return
        frame = json.loads(message.data)
        kind = frame.get("type")
        if kind == "delta":
            result.note(frame["content"])
        elif kind == "done":
            result.ended = True
            return
        elif kind == "error":
            result.failure = f"{frame.get('code')}: {frame.get('message')}"[:200]
            return
    result.failure = "socket closed mid-answer"


async def run_load(
    target: Target, scenario: Scenario, server_pid: int | None, upstream_pid: int | None = None
) -> dict[str, Any]:
    """Run one scenario; with pids, also report the server's (and the upstream's) usage."""
    raise_fd_limit()
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        sockets, connect_failures = await _open_all(target, session, scenario.streams)
        results = [StreamResult() for _ in sockets]
        watcher = UsageWatcher(server_pid) if server_pid else None
        upstream = UsageWatcher(upstream_pid) if upstream_pid else None
        client_cpu = _own_cpu_seconds()
        began = now_ns()
        try:
            with watcher or contextlib.nullcontext(), upstream or contextlib.nullcontext():
                await _converse_all(target, session, scenario, sockets, results)
            client_cpu = _own_cpu_seconds() - client_cpu
        finally:
            await asyncio.gather(*(s.close() for s in sockets if s is not None))
    summary = summarize(results, scenario, began, connect_failures)
    # Where else the machine's two cores went: a saturated load client inflates every latency.
    summary["client_cpu_seconds"] = client_cpu
    if upstream:
        summary["upstream_cpu_seconds"] = upstream.usage.cpu_seconds
    if watcher:
        chunks = summary["chunks"]
        summary.update(
            # CPU per chunk delivered: steadier than latency on a machine others share.
            cpu_us_per_chunk=watcher.usage.cpu_seconds / chunks * 1e6 if chunks else None,
            peak_rss_mb=watcher.usage.peak_rss / 2**20,
            rss_per_stream_kb=(watcher.usage.peak_rss - watcher.usage.rss_before)
            / 1024
            / scenario.streams,
            cpu_seconds=watcher.usage.cpu_seconds,
        )
    return summary


async def _open_all(
    target: Target, session: aiohttp.ClientSession, count: int
) -> tuple[list[aiohttp.ClientWebSocketResponse | None], int]:
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_one() -> aiohttp.ClientWebSocketResponse | BaseException | None:
        async with gate:
            try:
                return await target.open(session)
            except (aiohttp.ClientError, OSError, TimeoutError) as error:
                return error

    opened = await asyncio.gather(*(open_one() for _ in range(count)))
    sockets = [item for item in opened if not isinstance(item, BaseException)]
    return sockets, count - len(sockets)


async def _converse_all(
    target: Target,
    session: aiohttp.ClientSession,
    scenario: Scenario,
    sockets: list[aiohttp.ClientWebSocketResponse | None],
    results: list[StreamResult],
) -> None:
    spread = scenario.interval / max(1, len(sockets))

    async def one(index: int) -> None:
        await asyncio.sleep(index * spread)
        try:
            async with asyncio.timeout(scenario.deadline):
                await target.converse(session, sockets[index], scenario.question, results[index])
        except TimeoutError:
            results[index].failure = results[index].failure or "deadline passed"
        except (aiohttp.ClientError, OSError, ValueError) as error:
            results[index].failure = f"{type(error).__name__}: {error}"[:200]

    await asyncio.gather(*(one(index) for index in range(len(sockets))))


def summarize(
    results: list[StreamResult], scenario: Scenario, began_ns: int, connect_failures: int
) -> dict[str, Any]:
    latencies = [value / 1e6 for result in results for value in result.latencies_ns]
    first_chunks = [
        (result.first_chunk_ns - result.asked_ns) / 1e6
        for result in results
        if result.first_chunk_ns is not None
    ]
    failed = connect_failures + sum(1 for result in results if result.failure)
    incomplete = sum(
        1
        for result in results
        if not result.failure and (not result.ended or result.chunks != scenario.chunks)
    )
    last = max((r.last_chunk_ns for r in results if r.last_chunk_ns), default=None)
    elapsed = (last - began_ns) / 1e9 if last else None
    failures = sorted({result.failure for result in results if result.failure})
    return {
        "scenario": asdict(scenario),
        "latency_p50_ms": percentile(latencies, 0.50),
        "latency_p99_ms": percentile(latencies, 0.99),
        "latency_max_ms": max(latencies, default=None),
        "first_chunk_p50_ms": percentile(first_chunks, 0.50),
        "first_chunk_p99_ms": percentile(first_chunks, 0.99),
        "chunks": len(latencies),
        "chunks_per_s": len(latencies) / elapsed if elapsed else None,
        "failed": failed,
        "incomplete": incomplete,
        "failure_samples": failures[:5],
    }


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def raise_fd_limit() -> None:
    """A thousand streams need a few thousand descriptors: take all the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=("ws", "sse"), required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--chunks", type=int, default=100)
    parser.add_argument("--interval", type=float, default=0.02)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--server-pid", type=int, help="process whose RSS and CPU to report")
    parser.add_argument(
        "--body", default="{}", help="JSON merged into each ask or request, e.g. a provider"
    )
    args = parser.parse_args()
    target = Target(args.kind, args.url, json.loads(args.body))
    scenario = Scenario(args.streams, args.chunks, args.interval, args.size)
    print(json.dumps(asyncio.run(run_load(target, scenario, args.server_pid))))


if __name__ == "__main__":
    main()
