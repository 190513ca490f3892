"""The only module that imports g4f: a question in, the answer out as a stream of text.

`stream_answer` (sync `Client`) and `astream_answer` (`AsyncClient`) are twins: each returns an
iterable of non-empty text deltas; once it has ended, `outcome` says how, and `used` names the
candidate backend that answered. Every failure, from g4f or from the network beneath it,
surfaces as one `CompletionError` naming the backend and the cause. Candidates are tried in
order until one starts streaming; once text has flowed, a failure ends the answer.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from contextlib import aclosing
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from g4f.client import AsyncClient, Client
from g4f.client.factory import create_custom_provider
from g4f.Provider import ProviderUtils
from g4f.providers.types import ProviderType

from chat.backends import Backend
from chat.stall_watchdog import Stalled, StallWatchdog
from chat.upstream_errors import CompletionError, translated
from chat.upstream_pool import ensure_pool

Messages = list[dict[str, str]]

__all__ = [
    "AnswerStream",
    "AsyncAnswerStream",
    "Backend",
    "CompletionError",
    "Outcome",
    "astream_answer",
    "stream_answer",
]


@dataclass(frozen=True)
class Outcome:
    """What is known once an answer has ended."""

    provider: str | None
    model: str
    finish_reason: str
    usage: dict[str, int] | None


class AnswerStream:
    """The text deltas of one answer from the synchronous `Client`.

    g4f's sync iterator can block forever on a silent backend, so it runs in a daemon thread
    and is read through a queue with the same first-token and idle timeouts as the async twin.
    """

    def __init__(self, messages: Messages, backend: Backend) -> None:
        self.backend = backend
        self.used: Backend | None = None
        self.outcome: Outcome | None = None
        self._messages = messages

    def __iter__(self) -> Iterator[str]:
        failures: list[CompletionError] = []
        candidates = self.backend.candidates()
        for candidate in candidates:
            try:
                for content in self._answer(candidate):
                    self.used = candidate
                    yield content
                return
            except CompletionError as error:
                if self.used is not None:
                    raise
                failures.append(error)
        raise _all_failed(self.backend, failures)

    def _answer(self, backend: Backend) -> Iterator[str]:
        pending: queue.SimpleQueue[tuple[Any, BaseException | None]] = queue.SimpleQueue()
        with translated(backend):
            chunks = Client(provider=_provider(backend)).chat.completions.create(
                messages=self._messages, model=backend.model, stream=True, **_options(backend)
            )
            threading.Thread(target=_pump, args=(chunks, pending), daemon=True).start()
            started = False
            while True:
                deadline = _idle_timeout() if started else _first_token_timeout()
                try:
                    chunk, error = pending.get(timeout=deadline)
                except queue.Empty:
                    raise _stalled(backend, deadline, started=started) from None
                if error is not None:
                    raise error
                if chunk is _END:
                    return
                content = _read(chunk, self, backend)
                if content:
                    started = True
                    yield content


_END = object()


def _pump(chunks: Iterator[Any], pending: queue.SimpleQueue) -> None:
    try:
        for chunk in chunks:
            pending.put((chunk, None))
        pending.put((_END, None))
    except BaseException as error:  # noqa: BLE001 - handed over to the reading thread
        pending.put((None, error))


class AsyncAnswerStream:
    """The text deltas of one answer from `AsyncClient`; `aclose()` ends the upstream request."""

    def __init__(self, messages: Messages, backend: Backend) -> None:
        self.backend = backend
        self.used: Backend | None = None
        self.outcome: Outcome | None = None
        self._messages = messages
        self._deltas: AsyncGenerator[str, None] | None = None

    def __aiter__(self) -> AsyncIterator[str]:
        if self._deltas is None:
            self._deltas = self._read_deltas()
        return self._deltas

    async def aclose(self) -> None:
        if self._deltas is not None:
            await self._deltas.aclose()

    async def _read_deltas(self) -> AsyncGenerator[str, None]:
        failures: list[CompletionError] = []
        for candidate in self.backend.candidates():
            try:
                async with aclosing(self._answer(candidate)) as deltas:
                    async for content in deltas:
                        self.used = candidate
                        yield content
                return
            except CompletionError as error:
                if self.used is not None:
                    raise
                failures.append(error)
        raise _all_failed(self.backend, failures)

    async def _answer(self, backend: Backend) -> AsyncGenerator[str, None]:
        # g4f's own pool holds 20 connections per host: the 21st concurrent answer would wait.
        await ensure_pool(settings.STREAMDEMO_MAX_REPLIES)
        with translated(backend):
            # With stream=True g4f hands back the async iterator itself: nothing to await.
            chunks = AsyncClient(provider=_provider(backend)).chat.completions.create(
                messages=self._messages, model=backend.model, stream=True, **_options(backend)
            )
            async with aclosing(chunks):
                started = False
                with StallWatchdog(_first_token_timeout()) as watchdog:
                    while True:
                        try:
                            chunk = await watchdog.next(chunks)
                        except StopAsyncIteration:
                            return
                        except Stalled as stall:
                            raise _stalled(backend, stall.seconds, started=started) from None
                        content = _read(chunk, self, backend)
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
    return settings.STREAMDEMO_FIRST_TOKEN_TIMEOUT


def _idle_timeout() -> float:
    return settings.STREAMDEMO_IDLE_TIMEOUT


def _options(backend: Backend) -> dict[str, Any]:
    return {"api_key": backend.api_key} if backend.api_key else {}


def _read(chunk: Any, stream: AnswerStream | AsyncAnswerStream, backend: Backend) -> str | None:
    choice = chunk.choices[0]
    if choice.finish_reason is not None:
        stream.outcome = Outcome(
            provider=backend.base_url or getattr(chunk, "provider", None) or backend.label,
            model=getattr(chunk, "model", None) or backend.model,
            finish_reason=choice.finish_reason,
            usage=_usage(getattr(chunk, "usage", None)),
        )
    return choice.delta.content


def _usage(usage: Any) -> dict[str, int] | None:
    if usage is None:
        return None
    return {
        key: int(getattr(usage, key, 0) or 0)
        for key in ("prompt_tokens", "completion_tokens", "total_tokens")
    }


def _stalled(backend: Backend, seconds: float, *, started: bool) -> CompletionError:
    if started:
        return CompletionError("stalled", f"the answer stalled: nothing for {seconds:g} s", backend)
    return CompletionError("first_token_timeout", f"no answer began within {seconds:g} s", backend)


def _all_failed(backend: Backend, failures: list[CompletionError]) -> CompletionError:
    if len(failures) == 1:
        return failures[0]
    causes = "; ".join(f"{failure.backend.describe()}: {failure.cause}" for failure in failures)
    return CompletionError(failures[-1].code, f"every backend failed ({causes})", backend)


def _provider(backend: Backend) -> ProviderType | None:
    if backend.base_url:
        return _openai_compatible(backend.base_url, backend.api_key, backend.model)
    if backend.provider is None:
        return None
    if backend.provider not in ProviderUtils.convert:
        # Asked for an unknown name, g4f would fetch a list of providers from the internet.
        raise CompletionError(
            "unknown_provider", f"g4f has no provider named {backend.provider}", backend
        )
    return ProviderUtils.convert[backend.provider]


@lru_cache(maxsize=64)
def _openai_compatible(base_url: str, api_key: str | None, model: str) -> ProviderType:
    # Naming the model spares g4f a blocking GET /models inside the event loop.
    return create_custom_provider(
        base_url, api_key=api_key, name="OpenAICompatible", models=[model], default_model=model
    )
