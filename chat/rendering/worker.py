"""The rendering process, and how the event loop speaks to it: over a pipe the loop itself reads
and writes.

`concurrent.futures.ProcessPoolExecutor` hands every call to a thread of its own, which pickles
it, feeds the process and wakes the loop with the result: 200 µs of the server's CPU for each
rendering of 800 characters, whose rendering itself takes 110 µs, and two switches between
threads that wait on the GIL each time. Here the loop writes the call to the pipe and reads the
answer off it as an asyncio stream, in the frames `multiprocessing.Connection` uses, which the
process reads and writes as any `Connection`.

One call at a time (the fair queue hands them over one by one). A process that dies, or a call
abandoned half-way, ends this worker: the call fails with `WorkerGone` and the next one starts
another process.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import socket
import struct
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

T = TypeVar("T")
_SIZE = struct.Struct("!i")  # how `Connection` says a message's length; -1: "!Q" follows
_LONG_SIZE = struct.Struct("!Q")


class WorkerGone(Exception):
    """The rendering process died, or the conversation with it was cut, during the call."""


class Worker:
    def __init__(self) -> None:
        self._process: Any = None
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._turn = asyncio.Lock()

    @property
    def running(self) -> bool:
        return self._writer is not None

    async def call(self, function: Callable[[], T]) -> T:
        """`function()` in the rendering process, started first if none runs."""
        async with self._turn:
            if self._reader is None or self._writer is None or not self._process.is_alive():
                self.stop()
                self._reader, self._writer = await self._start()
            data = pickle.dumps(function, protocol=pickle.HIGHEST_PROTOCOL)
            try:
                self._writer.write(_SIZE.pack(len(data)) + data)
                await self._writer.drain()
                (size,) = _SIZE.unpack(await self._reader.readexactly(_SIZE.size))
                if size == -1:
                    (size,) = _LONG_SIZE.unpack(await self._reader.readexactly(_LONG_SIZE.size))
                succeeded, value = pickle.loads(await self._reader.readexactly(size))
            except (OSError, EOFError, asyncio.IncompleteReadError) as error:
                self.stop()
                raise WorkerGone from error
            except asyncio.CancelledError:
                # Its answer would be read as the next call's.
                self.stop()
                raise
        if not succeeded:
            raise value
        return value  # type: ignore[no-any-return]

    async def _start(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        # Imported when first needed, not at start-up, which the autoreloader waits on.
        import multiprocessing

        # Spawned, not forked: the server has threads (the database's, daphne's) a fork would
        # copy mid-work.
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        self._process = context.Process(
            target=serve, args=(theirs,), name="streamdemo-rendering", daemon=True
        )
        # Starting a process takes a while: not in the event loop's time.
        await asyncio.to_thread(self._process.start)
        theirs.close()
        pipe = socket.socket(fileno=os.dup(ours.fileno()))
        ours.close()
        return await asyncio.open_unix_connection(sock=pipe)

    def stop(self) -> None:
        """End the process, if one runs; a later call starts another."""
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
        process, self._process = self._process, None
        if process is not None and process.is_alive():
            process.terminate()
            # Reaped without waiting here.
            threading.Thread(target=process.join, daemon=True).start()


def serve(pipe: Connection) -> None:
    """The rendering process: each call read off the pipe, its outcome written back."""
    while True:
        try:
            function = pipe.recv()
        except (EOFError, OSError):
            return
        try:
            outcome: tuple[bool, Any] = (True, function())
        except Exception as error:  # noqa: BLE001 - handed back to the caller, whatever it is
            outcome = (False, error)
        try:
            pipe.send(outcome)
        except (pickle.PicklingError, TypeError, AttributeError) as error:
            pipe.send((False, RuntimeError(f"the rendering could not be sent back: {error!r}")))
        except OSError:
            return
