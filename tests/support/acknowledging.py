"""Reading a real server's websocket as the page does: acknowledging every 64 KiB received."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp

ACK_EVERY = 64 * 1024


async def read_acknowledging(
    socket: aiohttp.ClientWebSocketResponse,
    last: Callable[[dict[str, Any]], bool],
    received: int = 0,
) -> list[dict[str, Any]]:
    """Every frame up to and including the first that is `last`, each 64 KiB acknowledged;
    `received` frames of the socket were read before (an ack counts all of them)."""
    frames: list[dict[str, Any]] = []
    unacknowledged = 0
    while not frames or not last(frames[-1]):
        message = await socket.receive(timeout=60)
        unacknowledged += len(message.data)
        frames.append(message.json())
        if unacknowledged >= ACK_EVERY:
            await socket.send_json({"type": "ack", "frames": received + len(frames)})
            unacknowledged = 0
    return frames
