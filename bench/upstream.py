"""An OpenAI-compatible streaming upstream whose every chunk carries its send time.

    python -m bench.upstream --port 9100 --chunks 100 --interval 0.02 --size 32

The flags set the default pacing. A question may override them with `chunks=N interval=S
size=B` in its text: that is how one upstream serves every scenario, whichever system sits
in front of it, since every system passes the question through untouched.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from dataclasses import dataclass, replace
from typing import Any

from aiohttp import web

from bench.clock import stamped

_OVERRIDE = re.compile(r"\b(chunks|interval|size)=([0-9.]+)")


@dataclass(frozen=True)
class Pacing:
    chunks: int = 100
    interval: float = 0.02
    size: int = 32

    def overridden_by(self, question: str) -> Pacing:
        found = dict(_OVERRIDE.findall(question))
        return replace(
            self,
            chunks=int(found.get("chunks", self.chunks)),
            interval=float(found.get("interval", self.interval)),
            size=int(found.get("size", self.size)),
        )


def build_app(pacing: Pacing) -> web.Application:
    app = web.Application()
    app["pacing"] = pacing
    app.router.add_post("/v1/chat/completions", _completions)
    app.router.add_get("/v1/models", _models)
    return app


async def _models(request: web.Request) -> web.Response:
    return web.json_response({"object": "list", "data": [{"id": "gpt-4", "object": "model"}]})


async def _completions(request: web.Request) -> web.StreamResponse:
    body = await request.json()
    question = _last_user_text(body.get("messages", []))
    pacing = request.app["pacing"].overridden_by(question)
    model = body.get("model", "gpt-4")
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    # Chunks follow an absolute schedule, so one late wake-up does not delay all that follow.
    loop = asyncio.get_running_loop()
    began = loop.time()
    for index in range(pacing.chunks):
        if pacing.interval and index:
            await asyncio.sleep(max(0.0, began + index * pacing.interval - loop.time()))
        await response.write(_event(_chunk(model, {"content": stamped(pacing.size)})))
    await response.write(_event(_chunk(model, {}, "stop")))
    await response.write(b"data: [DONE]\n\n")
    await response.write_eof()
    return response


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user" and isinstance(message.get("content"), str):
            return message["content"]
    return ""


def _chunk(model: str, delta: dict[str, str], finish_reason: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


def _event(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--chunks", type=int, default=Pacing.chunks)
    parser.add_argument("--interval", type=float, default=Pacing.interval, help="seconds")
    parser.add_argument("--size", type=int, default=Pacing.size, help="characters per chunk")
    args = parser.parse_args()
    pacing = Pacing(args.chunks, args.interval, args.size)
    web.run_app(
        build_app(pacing),
        host=args.host,
        port=args.port,
        access_log=None,
        print=None,
        backlog=4096,
    )


if __name__ == "__main__":
    main()
