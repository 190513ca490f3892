"""The floor: the least a websocket relay can do, with aiohttp on both sides.

    python -m bench.floor_relay --port 9200 --upstream http://127.0.0.1:9100/v1
    python -m bench.floor_relay --port 9201 --upstream http://127.0.0.1:9100/v1 --reader g4f

It speaks the app's protocol (`ask` in; `start`, `delta`, `done` or `error` out) and forwards
each upstream SSE chunk as one `delta` frame, with no framework, no client library and no
connection cap between it and the upstream. Whatever the app costs beyond this is overhead.
With `--reader g4f` it reads the upstream through g4f's `AsyncClient` instead (`floor-g4f`):
what that adds is g4f's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import uuid

import aiohttp
from aiohttp import web

from bench.readers import READERS, aiohttp_pieces, g4f_pieces


def build_app(upstream: str, reader: str = "aiohttp") -> web.Application:
    app = web.Application()
    app["upstream"] = upstream.rstrip("/")
    app["reader"] = reader
    app.router.add_get("/ws/chat/", _websocket)
    app.cleanup_ctx.append(_client_session)
    return app


async def _client_session(app: web.Application):
    # limit=0: no cap on connections to the upstream, so concurrency is the load's alone.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        app["session"] = session
        yield


async def _websocket(request: web.Request) -> web.WebSocketResponse:
    socket = web.WebSocketResponse()
    await socket.prepare(request)
    relays: set[asyncio.Task[None]] = set()
    async for message in socket:
        if message.type != aiohttp.WSMsgType.TEXT:
            continue
        frame = json.loads(message.data)
        if frame.get("type") == "ask":
            task = asyncio.create_task(_relay(request.app, socket, frame))
            relays.add(task)
            task.add_done_callback(relays.discard)
    for task in relays:
        task.cancel()
    return socket


async def _relay(app: web.Application, socket: web.WebSocketResponse, ask: dict) -> None:
    reply = uuid.uuid4().hex
    model = ask.get("model") or "gpt-4"
    await socket.send_str(json.dumps({"type": "start", "reply": reply, "model": model}))
    seq = 0
    if app["reader"] == "g4f":
        pieces = g4f_pieces(app["upstream"], ask["question"])
    else:
        pieces = aiohttp_pieces(app["session"], app["upstream"], ask["question"])
    try:
        async for content in pieces:
            frame = {"type": "delta", "reply": reply, "seq": seq, "content": content}
            await socket.send_str(json.dumps(frame))
            seq += 1
    except Exception as error:  # noqa: BLE001 - the client is told, whatever it was
        with contextlib.suppress(ConnectionError):
            await socket.send_str(
                json.dumps(
                    {"type": "error", "reply": reply, "code": "upstream", "message": str(error)}
                )
            )
        return
    await socket.send_str(json.dumps({"type": "done", "reply": reply, "finish_reason": "stop"}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9200)
    parser.add_argument("--upstream", required=True, help="base URL, e.g. http://127.0.0.1:9100/v1")
    parser.add_argument("--reader", choices=READERS, default="aiohttp")
    args = parser.parse_args()
    web.run_app(
        build_app(args.upstream, args.reader),
        host=args.host,
        port=args.port,
        access_log=None,
        print=None,
        backlog=4096,
    )


if __name__ == "__main__":
    main()
