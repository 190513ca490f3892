"""What the server takes in of what a client sends: as fast as it handles it, and no faster than
a visitor's share.

daphne reads whatever a client sends as fast as it comes, and queues each message for the
consumer without bound: a client sending 60 KB frames as fast as it could grew the server by
140 MB a second. `Inbound` is the consumer's `receive`: daphne's is the `get` of that queue, so
it can see how much waits there. While `QUEUED` messages or more wait, the connection is not
read (`TransportPressure.hold_reading`): the client's TCP window fills and the client waits,
and nothing piles up here. Reading goes on once no more than a quarter of that waits.

A visitor's sockets together are also read no faster than `STREAMDEMO_MESSAGES_PER_SECOND`
messages and `STREAMDEMO_MESSAGE_BYTES_PER_SECOND` bytes on average, after a burst of
`BURST_SECONDS` worth: the page sends a few small messages a minute, and a client sending as
fast as it can then takes no more of the event loop that serves every visitor than that. An
address may take `STREAMDEMO_PER_ADDRESS` times a session's share, as in the limits
(`chat.limits`). The counts are this process's own: it is this process's time they share out.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings

from chat.limits import Visitor
from chat.transport import TransportPressure

QUEUED = 16
BURST_SECONDS = 4

Receive = Callable[[], Awaitable[dict[str, Any]]]


class _Budget:
    """A token bucket of messages and bytes, refilled at its rate: how far in debt it is."""

    def __init__(self, share: float) -> None:
        self.frames_rate = float(settings.STREAMDEMO_MESSAGES_PER_SECOND) * share
        self.bytes_rate = float(settings.STREAMDEMO_MESSAGE_BYTES_PER_SECOND) * share
        self.frames = self.frames_rate * BURST_SECONDS
        self.bytes = self.bytes_rate * BURST_SECONDS
        self.at = time.monotonic()

    def spend(self, size: int, now: float) -> float:
        """Take a message of `size` bytes; the seconds until neither count is in debt.

        The debt goes no deeper than a burst: what one read of the connection brought in (a
        thousand small messages, say) holds the visitor back a few seconds, not minutes.
        """
        gained, self.at = now - self.at, now
        frames_rate, bytes_rate = self.frames_rate, self.bytes_rate
        most_frames, most_bytes = frames_rate * BURST_SECONDS, bytes_rate * BURST_SECONDS
        self.frames = max(-most_frames, min(most_frames, self.frames + gained * frames_rate) - 1)
        self.bytes = max(-most_bytes, min(most_bytes, self.bytes + gained * bytes_rate) - size)
        return max(0.0, -self.frames / frames_rate, -self.bytes / bytes_rate)


_budgets: dict[str, _Budget] = {}
_sweep_at_size = 4096


def _budget(key: str, share: float, now: float) -> _Budget:
    global _sweep_at_size
    budget = _budgets.get(key)
    if budget is None:
        if len(_budgets) >= _sweep_at_size:
            # One whose bucket has refilled is as good as a new one: keep only visitors seen lately.
            for old in [k for k, b in _budgets.items() if now - b.at > BURST_SECONDS]:
                del _budgets[old]
            _sweep_at_size = 2 * max(4096, len(_budgets))
        budget = _budgets[key] = _Budget(share)
    return budget


class Inbound:
    """The `receive` of one socket's consumer, holding the connection's reading as it must."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        queue = getattr(receive, "__self__", None)
        self._queue: asyncio.Queue[Any] | None = queue if isinstance(queue, asyncio.Queue) else None
        self.pressure: TransportPressure | None = None
        self.visitor: Visitor | None = None
        self._debt_until = 0.0
        self._timer: asyncio.TimerHandle | None = None

    async def __call__(self) -> dict[str, Any]:
        message = await self._receive()
        if message["type"] == "websocket.receive" and self.visitor is not None:
            self._spend(len(message.get("text") or message.get("bytes") or ""))
        self._update()
        return message

    def _spend(self, size: int) -> None:
        assert self.visitor is not None
        now = time.monotonic()
        share = max(1, int(settings.STREAMDEMO_PER_ADDRESS))
        keys = [(f"address:{self.visitor.address}", share)]
        if self.visitor.session:
            keys.append((f"session:{self.visitor.session}", 1))
        debt = max(_budget(key, weight, now).spend(size, now) for key, weight in keys)
        self._debt_until = max(self._debt_until, now + debt)

    def _update(self) -> None:
        if self.pressure is None:
            return
        waiting = self._queue.qsize() if self._queue is not None else 0
        now = time.monotonic()
        in_debt = self._debt_until > now
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if in_debt:
            self._timer = asyncio.get_running_loop().call_later(
                self._debt_until - now, self._update
            )
        held = (
            in_debt or waiting >= QUEUED or (self.pressure.reading_held and waiting > QUEUED // 4)
        )
        self.pressure.hold_reading(held)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
