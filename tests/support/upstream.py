"""A real OpenAI-compatible streaming server on 127.0.0.1, for g4f to talk to in the tests.

It runs an aiohttp server on its own event loop in a thread, so sync code (the console
command) and async code (the consumer) can both use it. Each request takes the next queued
`Script`, which says what to stream and which fault to show. A gated script produces chunk
n+1 (and, after the last chunk, its ending) only after the test calls `release()`, which lets
a test prove a delta reached the client before the next one existed upstream.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

# The faults that answer with an HTTP error instead of a stream: status and JSON body.
HTTP_FAULTS: dict[str, tuple[int, dict[str, Any]]] = {
    "http_400": (400, {"error": {"message": "the request was malformed"}}),
    "http_401": (401, {"error": {"message": "invalid api key"}}),
    "http_404": (404, {"detail": "Not Found"}),
    "http_429": (429, {"error": {"message": "slow down"}}),
    "http_500": (500, {"error": {"message": "upstream exploded"}}),
    # A request over the model's context, as OpenAI, vLLM and llama.cpp's server refuse it.
    "context_openai": (
        400,
        {
            "error": {
                "message": "This model's maximum context length is 8192 tokens. However, your "
                "messages resulted in 9000 tokens.",
                "type": "invalid_request_error",
                "code": "context_length_exceeded",
            }
        },
    ),
    "context_vllm": (
        400,
        {
            "object": "error",
            "message": "This model's maximum context length is 4096 tokens. However, you "
            "requested 5000 tokens in the messages.",
            "type": "BadRequestError",
            "code": 400,
        },
    ),
    "context_llamacpp": (
        400,
        {
            "error": {
                "code": 400,
                "message": "the request exceeds the available context size, try increasing it",
                "type": "exceed_context_size_error",
            }
        },
    ),
}

FAULTS = (
    *HTTP_FAULTS,  # answer that HTTP status with that JSON body
    "echo_credentials",  # 401, the body quoting the Authorization header the request carried
    "drop",  # stream the chunks, then cut the connection without finishing
    "malformed",  # stream the chunks, then a `data:` line that is not JSON
    "stall",  # stream the chunks, then send nothing more and never finish
    "truncate",  # stream the chunks, then end the response: no finish reason, no [DONE]
)

# The three ways servers send a reasoning model's thinking.
REASONING_WAYS = ("reasoning_content", "reasoning", "think_tags")


@dataclass
class Script:
    chunks: list[str] = field(default_factory=lambda: ["Hello", ",", " world", "!"])
    # Thinking streamed before the answer, the way `reasoning_as` says: in a delta field of
    # its own (DeepSeek and llama.cpp, or vLLM and Ollama), or inline between <think> tags
    # split across chunks as a server may split them.
    reasoning: list[str] = field(default_factory=list)
    reasoning_as: str = "reasoning_content"
    interval: float = 0.0
    gated: bool = False
    fault: str | None = None
    finish_reason: str = "stop"
    usage: dict[str, int] | None = None
    # A "conversation" for the client to send back with its next request, as g4f's own API
    # server returns one in its chunks.
    conversation: dict[str, str] | None = None
    # Send text as raw UTF-8, not as JSON's \u escapes, and each event that holds a character
    # of several bytes in two writes, cut inside that character (after `interval`, if any).
    split_characters: bool = False

    def __post_init__(self) -> None:
        if self.fault is not None and self.fault not in FAULTS:
            raise ValueError(f"unknown fault {self.fault!r}")
        if self.reasoning_as not in REASONING_WAYS:
            raise ValueError(f"unknown way of sending reasoning {self.reasoning_as!r}")

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    @property
    def thinking(self) -> str:
        return "".join(self.reasoning)

    def deltas(self) -> list[dict[str, str]]:
        """The `delta` of each chunk streamed before the ending, thinking first."""
        if self.reasoning_as == "think_tags" and self.reasoning:
            inline = ["<thi", "nk>", *self.reasoning, "</thi", "nk>\n\n"]
            return [{"content": text} for text in [*inline, *self.chunks]]
        thinking = [{self.reasoning_as: text} for text in self.reasoning]
        return [*thinking, *({"content": text} for text in self.chunks)]


@dataclass
class Exchange:
    """One request the server received, and what became of it."""

    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    sent: int = 0
    closed: threading.Event = field(default_factory=threading.Event)
    finished: bool = False

    @property
    def messages(self) -> list[dict[str, str]]:
        return self.body.get("messages", [])


class Upstream:
    def __init__(self) -> None:
        self.default = Script()
        self.exchanges: list[Exchange] = []
        # How many times a client asked for the list of models (GET /v1/models).
        self.model_lists = 0
        self._scripts: deque[Script] = deque()
        self._loop = asyncio.new_event_loop()
        self._gate: asyncio.Semaphore | None = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name="test-upstream", daemon=True)
        self.port = 0

    # -- what tests call -------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def label(self) -> str:
        """What visitors are shown of this backend: its host and port, never its URL."""
        return f"127.0.0.1:{self.port}"

    def will_answer(self, *scripts: Script) -> None:
        """Queue scripts for the next requests; after them the default script answers."""
        self._scripts.extend(scripts)

    def will_answer_nothing_more(self) -> None:
        self._scripts.clear()

    def reset_gate(self) -> None:
        self._loop.call_soon_threadsafe(self._new_gate)

    def release(self, count: int = 1) -> None:
        """Let a gated script produce `count` more chunks."""
        for _ in range(count):
            self._loop.call_soon_threadsafe(lambda: self._gate.release())

    # -- the server ------------------------------------------------------------------------

    def start(self) -> Upstream:
        self._thread.start()
        self._started.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._new_gate()
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        app.router.add_get("/v1/models", self._models)
        # Cancelling the handler when the client goes away is how we see closed connections.
        # A stalled answer that nobody closed (g4f's sync client cannot close one) must not
        # hold up the end of the test run.
        runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=0.5
        )
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        self._started.set()
        try:
            self._loop.run_forever()
        finally:
            self._loop.run_until_complete(runner.cleanup())
            self._loop.close()

    async def _write_split(
        self, response: web.StreamResponse, event: bytes, script: Script
    ) -> None:
        """The event in two writes, the first ending inside a character's bytes."""
        text = event.decode()
        wide = next((index for index, char in enumerate(text) if len(char.encode()) > 1), None)
        if wide is None:
            await response.write(event)
            return
        cut = len(text[:wide].encode()) + 1
        await response.write(event[:cut])
        if script.interval:
            await asyncio.sleep(script.interval)  # pacing, so the halves go out apart
        await response.write(event[cut:])

    def _new_gate(self) -> None:
        self._gate = asyncio.Semaphore(0)

    async def _models(self, request: web.Request) -> web.Response:
        self.model_lists += 1
        return web.json_response({"object": "list", "data": [{"id": "gpt-4", "object": "model"}]})

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        exchange = Exchange(body=await request.json(), headers=dict(request.headers))
        self.exchanges.append(exchange)
        script = self._scripts.popleft() if self._scripts else self.default
        try:
            if script.fault in HTTP_FAULTS:
                status, body = HTTP_FAULTS[script.fault]
                return web.json_response(body, status=status)
            if script.fault == "echo_credentials":
                sent = request.headers.get("Authorization", "none")
                body = {"error": {"message": f"the credentials {sent} are not valid here"}}
                return web.json_response(body, status=401)
            return await self._stream(request, script, exchange)
        finally:
            exchange.closed.set()

    async def _stream(
        self, request: web.Request, script: Script, exchange: Exchange
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        model = exchange.body.get("model", "")
        for index, delta in enumerate(script.deltas()):
            if script.gated and index > 0:
                await self._gate.acquire()
            elif script.interval and index > 0:
                await asyncio.sleep(script.interval)
            exchange.sent += 1
            if script.split_characters:
                await self._write_split(response, _event(_chunk(model, delta), raw=True), script)
            else:
                await response.write(_event(_chunk(model, delta)))
        if script.gated:
            # The ending, too, waits for its turn: a drop lands after the client saw every chunk.
            await self._gate.acquire()
        if script.fault == "drop":
            request.transport.close()
            return response
        if script.fault == "malformed":
            await response.write(b"data: {this is not json\n\n")
            return response
        if script.fault == "stall":
            await asyncio.Event().wait()
        if script.fault == "truncate":
            await response.write_eof()
            return response
        ending = _chunk(model, {}, script.finish_reason)
        if script.conversation is not None:
            ending["conversation"] = script.conversation
        await response.write(_event(ending))
        if script.usage is not None:
            usage = {**_chunk(model, {}), "choices": [], "usage": script.usage}
            await response.write(_event(usage))
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        exchange.finished = True
        return response


def _chunk(model: str, delta: dict[str, str], finish_reason: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


def _event(payload: dict[str, Any], *, raw: bool = False) -> bytes:
    return f"data: {json.dumps(payload, ensure_ascii=not raw)}\n\n".encode()
