"""The only module that imports g4f: a backend from settings, an answer as a stream of text.

`stream_answer` (sync `Client`) and `astream_answer` (`AsyncClient`) are twins: each returns an
iterable of non-empty text deltas whose `outcome` is filled in once the answer has ended. Every
failure, from g4f or from the network beneath it, surfaces as one `CompletionError` naming the
backend and the cause.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from g4f.client import AsyncClient, Client
from g4f.client.factory import create_custom_provider
from g4f.Provider import ProviderUtils
from g4f.providers.retry_provider import IterListProvider
from g4f.providers.types import ProviderType

from chat.upstream_errors import CompletionError, translated

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
class Backend:
    """Who answers: a model, and a g4f provider name or an OpenAI-compatible base URL."""

    model: str
    provider: str | None = None
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, **overrides: str | None) -> Backend:
        """The backend the `STREAMDEMO_*` settings name, with any non-empty override applied."""
        values = {
            "model": settings.STREAMDEMO_MODEL,
            "provider": settings.STREAMDEMO_PROVIDER,
            "base_url": settings.STREAMDEMO_BASE_URL,
            "api_key": settings.STREAMDEMO_API_KEY,
        }
        values.update({key: value for key, value in overrides.items() if value})
        return cls(**values)

    @property
    def provider_names(self) -> list[str]:
        return [name.strip() for name in (self.provider or "").split(",") if name.strip()]

    @property
    def label(self) -> str | None:
        """What the `start` frame reports as the provider; None while g4f will choose."""
        return self.base_url or self.provider or None

    def describe(self) -> str:
        if self.base_url:
            return self.base_url
        if self.provider:
            return f"g4f provider {self.provider}"
        return "g4f (automatic provider)"


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

    def __init__(self, chunks: Iterator[Any], backend: Backend) -> None:
        self.backend = backend
        self.outcome: Outcome | None = None
        self._chunks = chunks

    def __iter__(self) -> Iterator[str]:
        pending: queue.SimpleQueue[tuple[Any, BaseException | None]] = queue.SimpleQueue()
        threading.Thread(target=_pump, args=(self._chunks, pending), daemon=True).start()
        started = False
        with translated(self.backend):
            while True:
                deadline = _idle_timeout() if started else _first_token_timeout()
                try:
                    chunk, error = pending.get(timeout=deadline)
                except queue.Empty:
                    raise _stalled(self.backend, deadline, started=started) from None
                if error is not None:
                    raise error
                if chunk is _END:
                    return
                content = _read(chunk, self)
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

    def __init__(self, chunks: AsyncIterator[Any], backend: Backend) -> None:
        self.backend = backend
        self.outcome: Outcome | None = None
        self._chunks = chunks
        self._deltas: AsyncGenerator[str, None] | None = None

    def __aiter__(self) -> AsyncIterator[str]:
        if self._deltas is None:
            self._deltas = self._read_deltas()
        return self._deltas

    async def aclose(self) -> None:
        if self._deltas is not None:
            await self._deltas.aclose()
        await _aclose(self._chunks)

    async def _read_deltas(self) -> AsyncGenerator[str, None]:
        started = False
        try:
            with translated(self.backend):
                while True:
                    deadline = _idle_timeout() if started else _first_token_timeout()
                    try:
                        async with asyncio.timeout(deadline) as timer:
                            chunk = await anext(self._chunks)
                    except StopAsyncIteration:
                        return
                    except TimeoutError:
                        if not timer.expired():
                            raise
                        raise _stalled(self.backend, deadline, started=started) from None
                    content = _read(chunk, self)
                    if content:
                        started = True
                        yield content
        finally:
            await _aclose(self._chunks)


async def _aclose(chunks: AsyncIterator[Any]) -> None:
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        await aclose()


def stream_answer(messages: Messages, backend: Backend) -> AnswerStream:
    """Ask through the synchronous `Client`; iterate the result for the answer's text."""
    with translated(backend):
        chunks = Client(provider=_provider(backend)).chat.completions.create(
            messages=messages,
            model=backend.model,
            stream=True,
            **_request_options(backend),
        )
    return AnswerStream(chunks, backend)


def astream_answer(messages: Messages, backend: Backend) -> AsyncAnswerStream:
    """Ask through `AsyncClient`; iterate the result with `async for` for the answer's text."""
    with translated(backend):
        # With stream=True g4f hands back the async iterator itself: there is nothing to await.
        chunks = AsyncClient(provider=_provider(backend)).chat.completions.create(
            messages=messages,
            model=backend.model,
            stream=True,
            **_request_options(backend),
        )
    return AsyncAnswerStream(chunks, backend)


def _first_token_timeout() -> float:
    return settings.STREAMDEMO_FIRST_TOKEN_TIMEOUT


def _idle_timeout() -> float:
    return settings.STREAMDEMO_IDLE_TIMEOUT


def _request_options(backend: Backend) -> dict[str, Any]:
    return {"api_key": backend.api_key} if backend.api_key else {}


def _read(chunk: Any, stream: AnswerStream | AsyncAnswerStream) -> str | None:
    choice = chunk.choices[0]
    if choice.finish_reason is not None:
        usage = getattr(chunk, "usage", None)
        stream.outcome = Outcome(
            provider=getattr(chunk, "provider", None) or stream.backend.label,
            model=getattr(chunk, "model", None) or stream.backend.model,
            finish_reason=choice.finish_reason,
            usage=_usage(usage),
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
        return CompletionError("timeout", f"the answer stalled: nothing for {seconds:g} s", backend)
    return CompletionError("timeout", f"no answer began within {seconds:g} s", backend)


def _provider(backend: Backend) -> ProviderType | None:
    if backend.base_url:
        return _openai_compatible(backend.base_url, backend.api_key, backend.model)
    names = backend.provider_names
    if not names:
        return None
    unknown = [name for name in names if name not in ProviderUtils.convert]
    if unknown:
        raise CompletionError(
            "unknown_provider", f"g4f has no provider named {', '.join(unknown)}", backend
        )
    providers = [ProviderUtils.convert[name] for name in names]
    if len(providers) == 1:
        return providers[0]
    return IterListProvider(providers, shuffle=False)


@lru_cache(maxsize=64)
def _openai_compatible(base_url: str, api_key: str | None, model: str) -> ProviderType:
    # Naming the model spares g4f a blocking GET /models inside the event loop.
    return create_custom_provider(
        base_url, api_key=api_key, name="OpenAICompatible", models=[model], default_model=model
    )
