"""The load client: C concurrent conversations against one system, measured per chunk.

    python -m bench.load --kind app --url ws://127.0.0.1:8000/ws/chat/ \\
        --streams 200 --chunks 100 --interval 0.02 --server-pid 1234

`--kind app` speaks the app's websocket protocol as a page does: a session of its own from the
page (one per stream, as independent visitors), then `ask`, acknowledging what it receives
(`bench.ws_frames`). `--kind ws` speaks the same frames to the floor relay, which needs neither.
`--kind sse` posts to an OpenAI-compatible `/chat/completions` (the upstream itself, `g4f api`).
Each chunk's latency is its receive time minus the send time the upstream stamped into it.
Streams start spread evenly over one interval, as independent users would, rather than all on
one tick. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bench.clock import now_ns
from bench.server_usage import UsageWatcher
from bench.streams import Scenario, StreamResult, summarize
from bench.ws_frames import FlowControl, ask_frame, read_frame

CONNECT_CONCURRENCY = 100
# Django's default session cookie, which the app keeps.
SESSION_COOKIE = "sessionid"


class Target:
    """One system under load: how to open a conversation and read one answer from it."""

    def __init__(self, kind: str, url: str, body_extra: dict[str, Any]) -> None:
        self.kind = kind
        self.url = url
        self.body_extra = body_extra
        parts = urlsplit(url)
        # The page's own address: the app checks a websocket's Origin against it, and the page
        # is where a visitor's session starts.
        self.origin = f"http://{parts.hostname}:{parts.port}"

    async def open(self, session: aiohttp.ClientSession) -> aiohttp.ClientWebSocketResponse | None:
        if self.kind == "sse":
            return None
        headers = {}
        if self.kind == "app":
            headers["Cookie"] = f"{SESSION_COOKIE}={await self._new_session(session)}"
        return await session.ws_connect(
            self.url, origin=self.origin, max_msg_size=0, headers=headers
        )

    async def _new_session(self, session: aiohttp.ClientSession) -> str:
        """Load the page, as a new visitor does: the app stores nothing for a socket without."""
        async with session.get(f"{self.origin}/") as page:
            cookie = page.cookies.get(SESSION_COOKIE)
            if page.status != 200 or cookie is None:
                raise aiohttp.ClientResponseError(
                    page.request_info, (), status=page.status, message="no session from the page"
                )
            return cookie.value

    async def converse(
        self,
        session: aiohttp.ClientSession,
        socket: aiohttp.ClientWebSocketResponse | None,
        question: str,
        result: StreamResult,
    ) -> None:
        result.asked_ns = now_ns()
        if socket is None:
            await self._converse_sse(session, question, result)
            return
        flow = FlowControl() if self.kind == "app" else None
        await socket.send_str(ask_frame(question, self.body_extra))
        async for message in socket:
            received = now_ns()
            if message.type != aiohttp.WSMsgType.TEXT:
                result.failure = f"socket {message.type.name}"
                return
            ack = flow.received(message.data) if flow else None
            if ack is not None:
                await socket.send_str(ack)
            if read_frame(message.data, received, result, flow):
                return
        result.failure = "socket closed mid-answer"

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
                received = now_ns()
                result.received_chars += len(line)
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
                        result.note(content, received)


async def run_load(
    target: Target,
    scenario: Scenario,
    server_pid: int | None,
    upstream_pid: int | None = None,
    during: contextlib.AbstractContextManager[object] | None = None,
) -> dict[str, Any]:
    """Run one scenario; with pids, also report the server's (and the upstream's) usage.

    Usage counts, and `during` (a profiler) runs, only once every stream has connected: from
    the first ask to the last answer's end, not while visitors load the page.
    """
    raise_fd_limit()
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=30)
    # No shared cookie jar: every stream is a visitor with a session of its own.
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:
        sockets, connect_failures = await _open_all(target, session, scenario.streams)
        results = [StreamResult() for _ in sockets]
        watcher = UsageWatcher(server_pid) if server_pid else None
        upstream = UsageWatcher(upstream_pid) if upstream_pid else None
        client_cpu = _own_cpu_seconds()
        began = now_ns()
        try:
            with (
                watcher or contextlib.nullcontext(),
                upstream or contextlib.nullcontext(),
                during or contextlib.nullcontext(),
            ):
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
    refused = [item for item in opened if isinstance(item, BaseException)]
    if refused:
        print(f"{len(refused)} of {count} could not connect, e.g. {refused[0]!r}", flush=True)
    return sockets, len(refused)


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
    parser.add_argument("--kind", choices=("app", "ws", "sse"), required=True)
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
