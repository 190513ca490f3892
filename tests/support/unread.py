"""A websocket client that sends and never reads: what a server must not grow for.

It opens the socket by hand over a TCP socket whose receive buffer is as small as the kernel
allows, so that almost nothing the server sends is held by the client's kernel: once a few KB
are unread, the server's sends stay with the server.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import socket
import struct
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from yarl import URL


class Unread:
    """One websocket to `/ws/chat/` of a server on 127.0.0.1, opened with the session's cookie."""

    def __init__(self, writer: asyncio.StreamWriter, raw: socket.socket) -> None:
        self._writer = writer
        self._raw = raw

    @classmethod
    async def open(cls, port: int, session: str) -> Unread:
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        raw.setblocking(False)
        await asyncio.get_running_loop().sock_connect(raw, ("127.0.0.1", port))
        reader, writer = await asyncio.open_connection(sock=raw)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                "GET /ws/chat/ HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                f"Origin: http://127.0.0.1:{port}\r\n"
                f"Cookie: sessionid={session}\r\n\r\n"
            ).encode()
        )
        answer = await reader.readuntil(b"\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 101"), answer
        return cls(writer, raw)

    async def send_json(self, frame: dict[str, Any]) -> None:
        payload = json.dumps(frame).encode()
        assert len(payload) < 126
        mask = os.urandom(4)
        masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        # FIN and a text frame; masked, as every frame from a client must be.
        self._writer.write(struct.pack("!BB", 0x81, 0x80 | len(payload)) + mask + masked)
        await self._writer.drain()

    def close(self) -> None:
        self._writer.close()

    def reset(self) -> None:
        """Vanish as a killed client does: the connection reset, nothing said first."""
        self._raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._writer.close()


def unsent_bytes(port: int) -> int:
    """What the kernel holds unsent, or sent and not yet acknowledged by the peer, on the
    connections a server on `port` of this machine holds (Linux: /proc/net/tcp's tx_queue):
    memory a server spends on clients that do not read without its process growing by it."""
    total = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            next(rows)
            for row in rows:
                fields = row.split()
                local, queues = fields[1], fields[4]
                if int(local.rsplit(":", 1)[1], 16) == port:
                    total += int(queues.split(":")[0], 16)
    return total


@contextlib.asynccontextmanager
async def browser_with_session(url: str) -> AsyncIterator[tuple[aiohttp.ClientSession, str]]:
    """A browser that has loaded the page of the server at `url`, and its session's key."""
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as browser:
        await browser.get(url + "/")
        yield browser, jar.filter_cookies(URL(url))["sessionid"].value


async def unread_sending(
    port: int, session: str, count: int, frame: dict[str, Any]
) -> list[Unread]:
    """`count` sockets of the session that each send `frame`, then never read."""
    opened = [await Unread.open(port, session) for _ in range(count)]
    for each in opened:
        await each.send_json(frame)
    return opened
