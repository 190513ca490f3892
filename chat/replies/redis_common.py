"""What the Redis reply log and announcements share: keys, answers' shapes, a client per loop."""

from __future__ import annotations

import asyncio

import redis.asyncio as redis
from django.conf import settings

# What XRANGE and XREAD answer, with responses decoded: (id, fields) of each entry, by stream.
StreamEntries = list[tuple[str, dict[str, str]]]
Streams = list[tuple[str, StreamEntries]]

PREFIX = "streamdemo:reply:"
# The `ended` mark of a reply that a follower ended because its worker's lease lapsed.
INTERRUPTED = "interrupted"


def lease_ms() -> int:
    return int(settings.STREAMDEMO_WORKER_LEASE_SECONDS * 1000)


def key(reply: str, suffix: str = "") -> str:
    return f"{PREFIX}{reply}:{suffix}" if suffix else f"{PREFIX}{reply}"


class LoopClients:
    """One Redis client per event loop: a client's connections belong to the loop that made
    them, and the tests (like a server's threads) may run several loops in one process."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._clients: dict[asyncio.AbstractEventLoop, redis.Redis] = {}

    def get(self) -> redis.Redis:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            # No socket timeout: on Python 3.11, redis-py sends each command under
            # asyncio.wait_for when it has one, and a cancel that lands just as the send ends
            # is lost there, which leaves a follower blocked in XREAD for good. Blocking reads
            # end by themselves (BLOCK), a dead server closes the connection, and keepalive
            # notices a vanished one.
            client = redis.Redis.from_url(
                self._url,
                decode_responses=True,
                socket_timeout=None,
                socket_connect_timeout=5,
                socket_keepalive=True,
            )
            self._clients = {
                loop: client,
                **{k: v for k, v in self._clients.items() if not k.is_closed()},
            }
        return client
