"""Backpressure from the socket's own connection: what daphne has not yet handed to the kernel.

An `ack` says what a client has read, but a client may acknowledge frames it never reads.
daphne gives an ASGI application no view of its send buffer; it does give the consumer its
`send`, a partial of daphne's server bound to the connection's protocol, whose Twisted
transport tells its producer to pause once more than its buffer (64 KiB) waits to be written,
and to resume once that has drained. The producer there is daphne's HTTP channel: this stands
in front of it, passing every call on, and so learns of them too. Under another server (or a
test's communicator) there is no such transport, and the window's acks alone pace the socket.

The other way, the transport can be told to stop reading what the client sends, and to go on
(`hold_reading`): the client's own TCP window then fills, and it waits (see `chat.inbound`).
It is not read either while it holds too much unsent: a client that does not read what it is
sent has nothing to say that cannot wait, and each websocket ping it sends would add a pong to
what waits (a socket sending pings and reading nothing grew daphne by 21 MB a second).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


def _send_failures() -> tuple[type[BaseException], ...]:
    try:
        from autobahn.exception import Disconnected
    except ImportError:  # another server than daphne
        return ()
    return (Disconnected,)


# What daphne's `send` raises for a socket whose client closed it a moment before.
SEND_FAILED = _send_failures()


class TransportPressure:
    """Whether the socket's connection holds more unsent than Twisted buffers (`paused`);
    `on_resume` is called once it has drained, in the event loop's thread (daphne's reactor
    runs on the asyncio loop)."""

    def __init__(self, on_resume: Callable[[], None]) -> None:
        self.paused = False
        # The connection is lost: nothing sent will arrive, and nothing more will come.
        self.lost = False
        self._on_resume = on_resume
        self._transport: Any = None
        self._inner: Any = None
        self.reading_held = False  # as `hold_reading` was last told
        self._reading = True  # what the transport was last told

    def attach(self, send: Any) -> bool:
        """Stand in front of the producer of the transport behind daphne's `send`; False when
        there is no such transport."""
        protocol = send.args[0] if isinstance(send, functools.partial) and send.args else None
        transport: Any = getattr(protocol, "transport", None)
        if not hasattr(transport, "producerPaused") or not hasattr(transport, "producer"):
            return False
        if transport.producer is None:
            transport.registerProducer(self, True)
        else:
            self._inner, transport.producer = transport.producer, self
        self._transport = transport
        self.paused = bool(transport.producerPaused)
        self._read()
        return True

    def hold_reading(self, held: bool) -> None:
        """Stop reading what the client sends (True), or go on (False)."""
        self.reading_held = held
        self._read()

    def _read(self) -> None:
        reading = not (self.reading_held or self.paused)
        if self._transport is None or reading == self._reading:
            return
        self._reading = reading
        if reading:
            self._transport.resumeProducing()
        else:
            self._transport.pauseProducing()

    def detach(self) -> None:
        self.reading_held = self.paused = False
        self._read()
        transport, self._transport = self._transport, None
        if transport is not None and transport.producer is self:
            transport.producer = self._inner
        self._inner = None
        self._resumed()

    def _resumed(self) -> None:
        self.paused = False
        self._read()
        self._on_resume()

    # Twisted's IPushProducer, by its names; each passed on to the producer stood in front of.
    def pauseProducing(self) -> None:
        if self._inner is not None:
            self._inner.pauseProducing()
        self.paused = True
        self._read()

    def resumeProducing(self) -> None:
        if self._inner is not None:
            self._inner.resumeProducing()
        self._resumed()

    def stopProducing(self) -> None:
        # The connection is gone: whatever waits to send may go on (and is dropped).
        if self._inner is not None:
            self._inner.stopProducing()
        self.lost = True
        self._resumed()
