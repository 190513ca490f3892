"""A question in, the answer out as a stream of text deltas, through g4f's two clients.

`AnswerStream` (the synchronous `Client`) and `AsyncAnswerStream` (`AsyncClient`) are twins on
one base, the way a sync and an async generator can be: the base tries candidate backends in
order, reads each chunk and keeps what the chunks say of the answer's end; each twin only
drives its client. Once a stream has ended, `outcome` says how, and `used` names the candidate
that answered. Every failure, from g4f or from the network beneath it, surfaces as one
`CompletionError` naming the backend and the cause. Once text has flowed, a failure ends the
answer: the next candidate is tried only while none has started.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from contextlib import aclosing
from typing import Any

from django.conf import settings
from g4f.client import AsyncClient, Client

from chat.upstream.backends import Backend
from chat.upstream.chunks import Outcome, read_chunk
from chat.upstream.errors import CompletionError, stalled, translated
from chat.upstream.pool import ensure_pool
from chat.upstream.providers import provider_for
from chat.upstream.watchdog import Stalled, StallWatchdog

Messages = list[dict[str, str]]


class _BaseAnswerStream:
    """What both twins share: the candidates, the chunks' meaning, and the failures' wording."""

    def __init__(self, messages: Messages, backend: Backend) -> None:
        self.backend = backend
        self.used: Backend | None = None
        self.outcome: Outcome | None = None
        self._messages = messages
        self._failures: list[CompletionError] = []

    def _failed(self, error: CompletionError) -> None:
        """Note a candidate's failure; once one has answered, the failure ends the answer."""
        if self.used is not None:
            raise error
        self._failures.append(error)

    def _all_failed(self) -> CompletionError:
        failures = self._failures
        if len(failures) == 1:
            return failures[0]
        causes = "; ".join(f"{failure.backend.describe()}: {failure.cause}" for failure in failures)
        return CompletionError(failures[-1].code, f"every backend failed ({causes})", self.backend)

    def _request(self, backend: Backend) -> dict[str, Any]:
        """The keyword arguments of `chat.completions.create` for one candidate."""
        options: dict[str, Any] = {
            "messages": self._messages,
            "model": backend.model,
            "stream": True,
        }
        if backend.api_key:
            options["api_key"] = backend.api_key
        return options

    def _text(self, chunk: Any, backend: Backend) -> str | None:
        """The chunk's text, noting the outcome when the chunk says the answer ended."""
        content, outcome = read_chunk(chunk, backend)
        if outcome is not None:
            self.outcome = outcome
        return content


class AnswerStream(_BaseAnswerStream):
    """The text deltas of one answer from the synchronous `Client`.

    g4f's sync iterator can block forever on a silent backend, so it runs in a daemon thread
    and is read through a queue with the same first-token and idle timeouts as the async twin.
    """

    def __iter__(self) -> Iterator[str]:
        for candidate in self.backend.candidates():
            try:
                for content in self._answer(candidate):
                    self.used = candidate
                    yield content
                return
            except CompletionError as error:
                self._failed(error)
        raise self._all_failed()

    def _answer(self, backend: Backend) -> Iterator[str]:
        pending: queue.SimpleQueue[tuple[Any, BaseException | None]] = queue.SimpleQueue()
        with translated(backend):
            client = Client(provider=provider_for(backend))
            chunks = client.chat.completions.create(**self._request(backend))
            threading.Thread(target=_pump, args=(chunks, pending), daemon=True).start()
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
                    return
                content = self._text(chunk, backend)
                if content:
                    started = True
                    yield content


_END = object()


def _pump(
    chunks: Iterator[Any], pending: queue.SimpleQueue[tuple[Any, BaseException | None]]
) -> None:
    try:
        for chunk in chunks:
            pending.put((chunk, None))
        pending.put((_END, None))
    except BaseException as error:  # noqa: BLE001 - handed over to the reading thread
        pending.put((None, error))


class AsyncAnswerStream(_BaseAnswerStream):
    """The text deltas of one answer from `AsyncClient`; `aclose()` ends the upstream request."""

    def __init__(self, messages: Messages, backend: Backend) -> None:
        super().__init__(messages, backend)
        self._deltas: AsyncGenerator[str, None] | None = None

    def __aiter__(self) -> AsyncIterator[str]:
        if self._deltas is None:
            self._deltas = self._read_deltas()
        return self._deltas

    async def aclose(self) -> None:
        if self._deltas is not None:
            await self._deltas.aclose()

    async def _read_deltas(self) -> AsyncGenerator[str, None]:
        for candidate in self.backend.candidates():
            try:
                async with aclosing(self._answer(candidate)) as deltas:
                    async for content in deltas:
                        self.used = candidate
                        yield content
                return
            except CompletionError as error:
                self._failed(error)
        raise self._all_failed()

    async def _answer(self, backend: Backend) -> AsyncGenerator[str, None]:
        # g4f's own pool holds 20 connections per host: the 21st concurrent answer would wait.
        await ensure_pool(settings.STREAMDEMO_MAX_REPLIES)
        with translated(backend):
            client = AsyncClient(provider=provider_for(backend))
            # With stream=True g4f hands back the async iterator itself: nothing to await.
            chunks = client.chat.completions.create(**self._request(backend))
            async with aclosing(chunks):
                started = False
                with StallWatchdog(_first_token_timeout()) as watchdog:
                    while True:
                        try:
                            chunk = await watchdog.next(chunks)
                        except StopAsyncIteration:
                            return
                        except Stalled as stall:
                            raise stalled(backend, stall.seconds, started=started) from None
                        content = self._text(chunk, backend)
                        if content:
                            if not started:
                                started = True
                                watchdog.deadline = _idle_timeout()
                            yield content


def stream_answer(messages: Messages, backend: Backend) -> AnswerStream:
    """Ask through the synchronous `Client`; iterate the result for the answer's text."""
    return AnswerStream(messages, backend)


def astream_answer(messages: Messages, backend: Backend) -> AsyncAnswerStream:
    """Ask through `AsyncClient`; iterate the result with `async for` for the answer's text."""
    return AsyncAnswerStream(messages, backend)


def _first_token_timeout() -> float:
    return float(settings.STREAMDEMO_FIRST_TOKEN_TIMEOUT)


def _idle_timeout() -> float:
    return float(settings.STREAMDEMO_IDLE_TIMEOUT)
