"""Reading g4f's chunk objects: a piece of the answer or of its thinking, and the usage counts.

The chunks are g4f's own, as its clients yield them for a real stream from the test upstream.
"""

import asyncio

import pytest
from g4f.client import AsyncClient, Client

from chat.upstream.backends import Backend
from chat.upstream.chunks import Piece, finish_reason, read_chunk, usage_counts
from chat.upstream.providers import EXCHANGE, Exchange, provider_for
from tests.support.upstream import Script

QUESTION = [{"role": "user", "content": "Hi?"}]


def chunks_from(client: str, upstream) -> list:
    """Every chunk object g4f's `client` ("sync" or "async") yields for one streamed answer."""
    backend = Backend(model="gpt-4", base_url=upstream.base_url)
    request = {"messages": QUESTION, "model": "gpt-4", "stream": True}
    if client == "sync":
        exchange = Exchange.of(QUESTION, own_loop=True)
        sync = Client(provider=provider_for(backend)).chat.completions
        return list(sync.create(**request, **{EXCHANGE: exchange}))

    async def collect() -> list:
        chunks = AsyncClient(provider=provider_for(backend)).chat.completions.create(
            **request, **{EXCHANGE: Exchange.of(QUESTION)}
        )
        return [chunk async for chunk in chunks]

    return asyncio.run(collect())


@pytest.fixture(params=["sync", "async"])
def client(request) -> str:
    return request.param


def test_each_chunk_gives_its_piece_of_the_thinking_or_of_the_answer(upstream, client):
    upstream.will_answer(Script(reasoning=["Let me", " see."], chunks=["Use", " os.walk"]))

    pieces = [read_chunk(chunk) for chunk in chunks_from(client, upstream)]

    assert pieces[:-1] == [
        Piece("Let me", reasoning=True),
        Piece(" see.", reasoning=True),
        Piece("Use"),
        Piece(" os.walk"),
    ]
    assert pieces[-1] is None  # the last chunk only says how the answer ended


def test_the_last_chunk_says_how_the_answer_ended(upstream, client):
    upstream.will_answer(Script(chunks=["Cut", " short"], finish_reason="length"))

    chunks = chunks_from(client, upstream)

    assert [finish_reason(chunk) for chunk in chunks] == [None, None, "length"]


def test_usage_is_counted_from_g4fs_object_or_a_backends_own_dict(upstream, client):
    usage = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
    upstream.will_answer(Script(usage=usage))

    last = chunks_from(client, upstream)[-1]

    assert usage_counts(last.usage) == usage
    # A backend may leave out the total (g4f then ignores its counts): it is their sum.
    assert usage_counts({"prompt_tokens": 11, "completion_tokens": 7}) == usage
    assert usage_counts(None) is None
