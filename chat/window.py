"""What one socket may have unread: a window of bytes that the client acknowledges as it reads.

The client says how many of the socket's frames it has received (`ack`); the server keeps the
sizes of the frames sent beyond the last one acknowledged. Once they add up to the window, the
socket's replies wait (`until_open`) without reading their logs, and go on from there at the
next ack. A client that never acknowledges gets a window's worth and then nothing more, so the
server never holds more than about that for it, however long the answers it follows.

The connection itself paces it too (`chat.transport`): while daphne holds more unsent for it
than Twisted buffers, the socket is full whatever the client has acknowledged, so a client
that acknowledges frames it never reads gains nothing by it.

Frames that answer the client's own messages (refusals and other errors) cannot wait for an
ack: the socket reads no more messages until they are sent, the acks among them, so however far
behind its acks say the client is, that is no sign it is not reading. They wait only while the
connection holds too much unsent (`until_drained`), which the client's reading ends, and are not
sent at all once the client is `overrun`, when the socket is closed: a window's worth sent while
the connection held too much unsent. (A watch's catch-up is no such answer: it is followed as a
reply is, paced by the window, while the socket reads on; see `chat.socket_replies`.)

The windows of one process also share a budget (`chat.unread_budget`): while it is spent, a
socket past its floor is full too, until acks, its own or others', give the budget room.
"""

from __future__ import annotations

import asyncio
from collections import deque

from chat.protocol import ProtocolError
from chat.transport import TransportPressure
from chat.unread_budget import FLOOR, UnreadBudget


class Window:
    def __init__(self, size: int, budget: UnreadBudget | None = None) -> None:
        self.size = size
        # What this process's sockets together may have unacknowledged (none: no bound).
        self.budget = budget
        self.sent = 0  # frames sent on the socket
        self.acked = 0  # of them, how many the client says it has received
        self.unacked = 0  # bytes of the frames sent beyond the last one acknowledged
        self.held = 0  # bytes sent while the connection held too much unsent already
        self._sizes: deque[int] = deque()
        self._opened = asyncio.Event()
        self._drained = asyncio.Event()
        self.pressure = TransportPressure(self._reopened)

    @property
    def full(self) -> bool:
        if self.unacked >= self.size or self.pressure.paused:
            return True
        budget = self.budget
        return budget is not None and self.unacked >= FLOOR and budget.spent

    def _reopened(self) -> None:
        if not self.pressure.paused:
            self.held = 0
            self._drained.set()
        if not self.full:
            self._opened.set()

    @property
    def overrun(self) -> bool:
        """Whether the client has left so much unread that the socket should be closed rather
        than be sent more."""
        return self.held > self.size

    def sending(self, size: int) -> None:
        """Count a frame of `size` bytes as sent."""
        self.sent += 1
        self.unacked += size
        if self.budget is not None:
            self.budget.spend(size)
        self._sizes.append(size)
        if self.pressure.paused:
            self.held += size

    def ack(self, frames: int) -> None:
        """The client has received `frames` frames of this socket: what lay beyond is read."""
        if frames > self.sent:
            raise ProtocolError(
                "invalid_ack",
                f"An ack of {frames} frames, but this socket has sent {self.sent}.",
            )
        if frames < self.acked:
            raise ProtocolError(
                "invalid_ack",
                f"An ack of {frames} frames, but {self.acked} were acknowledged already.",
            )
        read = 0
        for _ in range(frames - self.acked):
            read += self._sizes.popleft()
        self.unacked -= read
        self.acked = frames
        if self.budget is not None:
            self.budget.give_back(read)
        self._reopened()

    def close(self) -> None:
        """The socket is gone: what it had unacknowledged no longer counts."""
        if self.budget is not None:
            self.budget.done_waiting(self)
            self.budget.give_back(self.unacked)
            self.budget = None
        self.unacked = 0
        self._sizes.clear()

    async def until_drained(self) -> None:
        """Return once the connection holds no more unsent than Twisted buffers: at once unless
        the client has stopped reading. Waiting for this needs no ack, so a frame that answers
        the client's own message may wait for it."""
        while self.pressure.paused:
            self._drained.clear()
            await self._drained.wait()

    async def until_open(self) -> None:
        """Return once the socket may be sent more: at once while the window is not full."""
        while self.full:
            # Each waiter wakes at the ack that opens the window, or at another socket's that
            # gives the budget room, and looks again: another may have filled it meanwhile.
            self._opened.clear()
            if self.budget is not None:
                self.budget.wait(self, self._reopened)
            try:
                await self._opened.wait()
            finally:
                if self.budget is not None:
                    self.budget.done_waiting(self)
