"""The floor under daphne: the least a relay can do, served the way the app is.

    FLOOR_UPSTREAM=http://127.0.0.1:9100/v1 FLOOR_READER=g4f \\
        daphne -b 127.0.0.1 -p 9202 bench.daphne_floor:application

A bare ASGI application (no Django, no Channels) that speaks the app's protocol as
`floor_relay` does, one `delta` frame per upstream chunk, reading the upstream with aiohttp
(`floor-daphne`: what daphne adds is daphne's) or with g4f's `AsyncClient` (`floor-g4f-daphne`:
what the app adds beyond it is the app's own).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bench.readers import aiohttp_pieces, g4f_pieces

Send = Callable[[dict[str, Any]], Awaitable[None]]

UPSTREAM = os.environ.get("FLOOR_UPSTREAM", "http://127.0.0.1:9100/v1").rstrip("/")
READER = os.environ.get("FLOOR_READER", "aiohttp")
_sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}


async def application(scope: dict[str, Any], receive: Any, send: Send) -> None:
    if scope["type"] == "lifespan":
        return
    if scope["type"] != "websocket":
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    relays: set[asyncio.Task[None]] = set()
    try:
        while True:
            message = await receive()
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.accept"})
            elif message["type"] == "websocket.disconnect":
                return
            elif message.get("text"):
                frame = json.loads(message["text"])
                if frame.get("type") == "ask":
                    task = asyncio.create_task(_relay(send, frame))
                    relays.add(task)
                    task.add_done_callback(relays.discard)
    finally:
        for task in relays:
            task.cancel()


async def _relay(send: Send, ask: dict[str, Any]) -> None:
    reply = uuid.uuid4().hex

    async def frame(value: dict[str, Any]) -> None:
        await send({"type": "websocket.send", "text": json.dumps(value)})

    await frame({"type": "start", "reply": reply, "model": ask.get("model") or "gpt-4"})
    if READER == "g4f":
        pieces = g4f_pieces(UPSTREAM, ask["question"])
    else:
        pieces = aiohttp_pieces(_session(), UPSTREAM, ask["question"])
    seq = 0
    try:
        async for content in pieces:
            await frame({"type": "delta", "reply": reply, "seq": seq, "content": content})
            seq += 1
    except Exception as error:  # noqa: BLE001 - the client is told, whatever it was
        with contextlib.suppress(Exception):
            await frame(
                {"type": "error", "reply": reply, "code": "upstream", "message": str(error)}
            )
        return
    await frame({"type": "done", "reply": reply, "finish_reason": "stop"})


def _session() -> aiohttp.ClientSession:
    # limit=0: no cap on connections to the upstream, so concurrency is the load's alone.
    loop = asyncio.get_running_loop()
    if loop not in _sessions:
        _sessions[loop] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    return _sessions[loop]
