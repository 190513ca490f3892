"""The g4f provider that answers for a backend: one of g4f's own, or any OpenAI-compatible URL.

For an OpenAI-compatible URL the provider is a subclass of the one g4f's
`create_custom_provider` makes, and each request hands it an `Exchange` (as a keyword argument,
which g4f passes on to the provider untouched). It exists because of what g4f does on the way:
- g4f rewrites the messages of every request (it drops a message equal to an earlier one,
  collapses whitespace in long ones, keeps only the last 40), and does so to the caller's own
  list; the provider sends the exchange's copy instead, exactly as the conversation is stored;
- g4f's clients say `finish_reason: "stop"` whether or not the backend said so, and put an
  estimate where the backend sent no usage: the exchange records what the backend itself said;
- g4f strips the answer's leading whitespace and splits `<think>` tags out of the answer in its
  synchronous client only: the provider reads each event's own text, and splits the tags itself
  (see `think_tags`), so that both clients give the same answer and the same thinking;
- g4f caches a "conversation" a backend returns and sends it with the next request whose
  earlier messages match, whoever asks: the provider neither sends nor returns one.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import import_module
from typing import Any

from g4f.client.factory import create_custom_provider
from g4f.Provider import ProviderUtils
from g4f.providers.response import FinishReason, JsonResponse, ProviderInfo, Reasoning, Usage
from g4f.providers.types import ProviderType

from chat.upstream.backends import Backend
from chat.upstream.errors import CompletionError, stalled
from chat.upstream.pool import close_pool
from chat.upstream.surrogates import SurrogatePairs
from chat.upstream.think_tags import ThinkTags

# The keyword argument that carries the exchange to the provider.
EXCHANGE = "streamdemo_exchange"

# What the provider passes on from g4f's own reading of the stream (the rest it reads itself).
_PASSED_ON = (FinishReason, Usage, ProviderInfo)


@dataclass
class Exchange:
    """One request to an OpenAI-compatible backend: what to send, and what the backend said."""

    messages: list[dict[str, str]]
    # The synchronous client runs each request on an event loop of its own, whose connections
    # nothing else would close.
    own_loop: bool = False
    finish_reason: str | None = None
    usage: dict[str, Any] | None = None
    think_tags: ThinkTags = field(default_factory=ThinkTags)
    pairs: SurrogatePairs = field(default_factory=SurrogatePairs)

    @classmethod
    def of(cls, messages: list[dict[str, str]], *, own_loop: bool = False) -> Exchange:
        return cls(copy.deepcopy(messages), own_loop=own_loop)


def provider_for(backend: Backend) -> ProviderType | None:
    """The provider class that answers for the backend; None lets g4f choose one."""
    problem = backend.problem()
    if problem:
        raise CompletionError("invalid_base_url", problem, backend)
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


async def load_automatic_provider(backend: Backend, seconds: float) -> None:
    """Load g4f's automatic provider off the event loop.

    Loading it fetches g4f's list of providers from the internet with a blocking request and
    no timeout, which `create()` would otherwise make inside the event loop.
    """
    try:
        await asyncio.wait_for(
            asyncio.to_thread(import_module, "g4f.providers.any_provider"), seconds
        )
    except TimeoutError:
        raise stalled(backend, seconds, started=False) from None


@lru_cache(maxsize=64)
def _openai_compatible(base_url: str, api_key: str | None, model: str) -> ProviderType:
    # Naming the model spares g4f a blocking GET /models inside the event loop.
    base: Any = create_custom_provider(
        base_url, api_key=api_key, name="OpenAICompatible", models=[model], default_model=model
    )

    class OpenAICompatible(base):  # type: ignore[misc]
        @classmethod
        async def create_async_generator(
            cls, model: str, messages: Any, conversation: Any = None, **kwargs: Any
        ) -> AsyncIterator[Any]:
            # `messages` is g4f's rewritten list and `conversation` its cache's: neither is sent.
            exchange: Exchange | None = kwargs.pop(EXCHANGE, None)
            if exchange is None:
                raise TypeError(f"{cls.__name__} answers only requests that carry an exchange")
            events = super().create_async_generator(model, exchange.messages, **kwargs)
            try:
                async for item in events:
                    if isinstance(item, JsonResponse):
                        for piece in _read_event(item.get_dict(), exchange):
                            yield piece
                    elif isinstance(item, _PASSED_ON):
                        yield item
                for piece in _finish(exchange):
                    yield piece
            finally:
                if exchange.own_loop:
                    await close_pool()

    return OpenAICompatible


def _read_event(event: dict[str, Any], exchange: Exchange) -> list[Any]:
    """The text and thinking one event of the backend's stream carries, as g4f yields them."""
    choice = next(iter(event.get("choices") or []), None) or {}
    # A backend that ignored `stream` answers with one message instead of deltas.
    delta = choice.get("delta") or choice.get("message") or {}
    usage = event.get("usage")
    if isinstance(usage, dict) and usage:
        exchange.usage = usage
    if choice.get("finish_reason") is not None:
        exchange.finish_reason = str(choice["finish_reason"])
    pieces: list[Any] = []
    # DeepSeek and llama.cpp name it `reasoning_content`, vLLM and Ollama `reasoning`.
    reasoning = delta.get("reasoning_content") or delta.get("reasoning")
    if isinstance(reasoning, str) and reasoning:
        reasoning = exchange.pairs.feed(reasoning, reasoning=True)
        if reasoning:
            pieces.append(Reasoning(reasoning))
    content = delta.get("content")
    if isinstance(content, str) and content:
        content = exchange.pairs.feed(content)
        pieces.extend(_as_g4f(piece) for piece in exchange.think_tags.feed(content))
    return pieces


def _finish(exchange: Exchange) -> list[Any]:
    """What the exchange still holds once the stream has ended."""
    pieces: list[Any] = []
    reasoning = exchange.pairs.finish(reasoning=True)
    if reasoning:
        pieces.append(Reasoning(reasoning))
    pieces.extend(_as_g4f(piece) for piece in exchange.think_tags.feed(exchange.pairs.finish()))
    pieces.extend(_as_g4f(piece) for piece in exchange.think_tags.finish())
    return pieces


def _as_g4f(piece: tuple[bool, str]) -> Any:
    thinking, text = piece
    return Reasoning(text) if thinking else text
