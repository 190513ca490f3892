"""A question in, the answer out as a stream of pieces (text, or thinking), through g4f's clients.

`AnswerStream` (the synchronous `Client`) and `AsyncAnswerStream` (`AsyncClient`) are twins on
one base, the way a sync and an async generator can be: the base tries candidate backends in
order, reads each chunk and judges how the answer ended; each twin only drives its client. Once
a stream has ended, `outcome` says how, and `used` names the candidate that answered. Every
failure, from g4f or from the network beneath it, surfaces as one `CompletionError` naming the
backend and the cause. Once anything has streamed, a failure ends the answer: the next
candidate is tried only while none has started.

An answer is never taken as done unless it has text, and, from an OpenAI-compatible backend,
unless the backend said it was finished: a stream that just stops is `truncated`.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from contextlib import aclosing
from typing import Any

from django.conf import settings
from g4f.client import AsyncClient, Client

from chat.upstream.answering import BaseAnswerStream, Messages
from chat.upstream.backends import Backend
from chat.upstream.chunks import Piece
from chat.upstream.errors import (
    CompletionError,
    stalled,
    translated,
)
from chat.upstream.pool import ensure_pool
from chat.upstream.providers import load_automatic_provider, provider_for
from chat.upstream.watchdog import Stalled, StallWatchdog


class AnswerStream(BaseAnswerStream):
    """The pieces of one answer from the synchronous `Client`.

    g4f's sync iterator can block forever on a silent backend (and, with no backend named, so
    can the request itself), so both run in a daemon thread, read through a queue with the same
    first-token and idle timeouts as the async twin.
    """

    def __iter__(self) -> Iterator[Piece]:
        for candidate in self.backend.candidates():
            try:
                for piece in self._answer(candidate):
                    self.used = candidate
                    yield piece
                return
            except CompletionError as error:
                self._failed(error)
        raise self._all_failed()

    def _answer(self, backend: Backend) -> Iterator[Piece]:
        pending: queue.SimpleQueue[tuple[Any, BaseException | None]] = queue.SimpleQueue()
        with translated(backend):
            request, exchange = self._begin(backend, own_loop=True)
            client = Client(provider=provider_for(backend))
            threading.Thread(target=_pump, args=(client, request, pending), daemon=True).start()
            started = False
            while True:
                deadline = _idle_timeout() if started else _first_token_timeout()
                try:
                    chunk, error = pending.get(timeout=deadline)
                except queue.Empty:
                    raise stalled(backend, deadline, started=started) from None
                if error is not None:
                    raise error
                if chunk is _END:
                    break
                piece = self._piece(chunk)
                if piece is not None:
                    started = True
                    yield piece
            self._ended(backend, exchange)


_END = object()


def _pump(
    client: Client,
    request: dict[str, Any],
    pending: queue.SimpleQueue[tuple[Any, BaseException | None]],
) -> None:
    try:
        for chunk in client.chat.completions.create(**request):
            pending.put((chunk, None))
        pending.put((_END, None))
    except BaseException as error:  # noqa: BLE001 - handed over to the reading thread
        pending.put((None, error))


class AsyncAnswerStream(BaseAnswerStream):
    """The pieces of one answer from `AsyncClient`; `aclose()` ends the upstream request."""

    def __init__(self, messages: Messages, backend: Backend) -> None:
        super().__init__(messages, backend)
        self._pieces: AsyncGenerator[Piece, None] | None = None

    def __aiter__(self) -> AsyncIterator[Piece]:
        if self._pieces is None:
            self._pieces = self._read_pieces()
        return self._pieces

    async def aclose(self) -> None:
        if self._pieces is not None:
            await self._pieces.aclose()

    async def _read_pieces(self) -> AsyncGenerator[Piece, None]:
        for candidate in self.backend.candidates():
            try:
                async with aclosing(self._answer(candidate)) as pieces:
                    async for piece in pieces:
                        self.used = candidate
                        yield piece
                return
            except CompletionError as error:
                self._failed(error)
        raise self._all_failed()

    async def _answer(self, backend: Backend) -> AsyncGenerator[Piece, None]:
        # g4f's own pool holds 20 connections per host: the 21st concurrent answer would wait.
        await ensure_pool(settings.STREAMDEMO_MAX_REPLIES)
        with translated(backend):
            provider = provider_for(backend)
            if provider is None:
                await load_automatic_provider(backend, _first_token_timeout())
            request, exchange = self._begin(backend, own_loop=False)
            # With stream=True g4f hands back the async iterator itself: nothing to await.
            chunks = AsyncClient(provider=provider).chat.completions.create(**request)
            async with aclosing(chunks):
                started = False
                with StallWatchdog(_first_token_timeout()) as watchdog:
                    while True:
                        try:
                            chunk = await watchdog.next(chunks)
                        except StopAsyncIteration:
                            break
                        except Stalled as stall:
                            raise stalled(backend, stall.seconds, started=started) from None
                        piece = self._piece(chunk)
                        if piece is not None:
                            if not started:
                                started = True
                                watchdog.deadline = _idle_timeout()
                            yield piece
            self._ended(backend, exchange)


def stream_answer(messages: Messages, backend: Backend) -> AnswerStream:
    """Ask through the synchronous `Client`; iterate the result for the answer's pieces."""
    return AnswerStream(messages, backend)


def astream_answer(messages: Messages, backend: Backend) -> AsyncAnswerStream:
    """Ask through `AsyncClient`; iterate the result with `async for` for the answer's pieces."""
    return AsyncAnswerStream(messages, backend)


def _first_token_timeout() -> float:
    return float(settings.STREAMDEMO_FIRST_TOKEN_TIMEOUT)


def _idle_timeout() -> float:
    return float(settings.STREAMDEMO_IDLE_TIMEOUT)
