"""What one socket may have unread: a window of bytes that the client acknowledges as it reads.

The client says how many of the socket's frames it has received (`ack`); the server keeps the
sizes of the frames sent beyond the last one acknowledged. Once they add up to the window, the
socket's replies wait (`until_open`) without reading their logs, and go on from there at the
next ack. A client that never acknowledges gets a window's worth and then nothing more, so the
server never holds more than about that for it, however long the answers it follows.

The connection itself paces it too (`chat.transport`): while daphne holds more unsent for it
than Twisted buffers, the socket is full whatever the client has acknowledged, so a client
that acknowledges frames it never reads gains nothing by it.

Frames that answer the client's own messages (refusals, a watch's catch-up) cannot wait for an
ack: the socket reads no more messages until they are sent, the acks among them, so however far
behind its acks say the client is, that is no sign it is not reading (a catch-up of a long
conversation is many windows' worth). They wait only while the connection holds too much unsent
(`until_drained`), which the client's reading ends, and are not sent at all once the client is
`overrun`, when the socket is closed: a window's worth sent while the connection held too much
unsent.
"""

from __future__ import annotations

import asyncio
from collections import deque

from chat.protocol import ProtocolError
from chat.transport import TransportPressure


class Window:
    def __init__(self, size: int) -> None:
        self.size = size
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
        return self.unacked >= self.size or self.pressure.paused

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
        for _ in range(frames - self.acked):
            self.unacked -= self._sizes.popleft()
        self.acked = frames
        self._reopened()

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
            # Each waiter wakes at the ack that opens the window and looks again: another
            # waiter may have filled it meanwhile.
            self._opened.clear()
            await self._opened.wait()
