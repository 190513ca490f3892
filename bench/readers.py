"""Two ways a relay reads the upstream's answer: aiohttp and a line split, or g4f's AsyncClient.

The floors (`floor_relay` under aiohttp, `daphne_floor` under daphne) relay one or the other,
so the benchmark can tell what g4f's client costs, what daphne costs, and what the app adds to
both: each reader yields the answer's text pieces and does nothing else.
"""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

MODEL = "gpt-4"
READERS = ("aiohttp", "g4f")


async def aiohttp_pieces(
    session: aiohttp.ClientSession, base_url: str, question: str
) -> AsyncIterator[str]:
    """The answer's pieces, read straight off the SSE stream: the least a reader can do."""
    body = {"model": MODEL, "stream": True, "messages": [{"role": "user", "content": question}]}
    async with session.post(f"{base_url}/chat/completions", json=body) as answer:
        answer.raise_for_status()
        async for line in answer.content:
            if not line.startswith(b"data: ") or line.startswith(b"data: [DONE]"):
                continue
            content = json.loads(line[6:])["choices"][0]["delta"].get("content")
            if content:
                yield content


async def g4f_pieces(base_url: str, question: str) -> AsyncIterator[str]:
    """The answer's pieces through g4f's `AsyncClient`, as the app asks it, and nothing more."""
    from g4f.client import AsyncClient

    from chat.upstream.pool import ensure_pool

    await ensure_pool(0)  # g4f's own pool holds 20 connections per host
    chunks = AsyncClient(provider=_provider(base_url)).chat.completions.create(
        messages=[{"role": "user", "content": question}], model=MODEL, stream=True
    )
    async for chunk in chunks:
        content = chunk.choices[0].delta.content
        if content:
            yield content


@functools.cache
def _provider(base_url: str) -> Any:
    from g4f.client.factory import create_custom_provider

    # Naming the model spares g4f a blocking GET /models.
    return create_custom_provider(base_url, models=[MODEL], default_model=MODEL)
