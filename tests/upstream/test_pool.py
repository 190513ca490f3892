"""The pool g4f's requests share: g4f's own caps concurrent answers, ours lets them all run."""

import asyncio
import math

import pytest
from g4f.requests import aiohttp as g4f_aiohttp

from chat.upstream.backends import Backend
from chat.upstream.completions import AsyncAnswerStream, astream_answer
from chat.upstream.pool import close_pool, current_capacity, ensure_pool
from tests.support.upstream import Script

# More than g4f's 20 connections per host, so the test fails if its cap still applies.
CONCURRENT = 30


async def first_delta(stream: AsyncAnswerStream) -> str:
    return (await anext(aiter(stream))).text


async def rest_of(stream: AsyncAnswerStream) -> list[str]:
    return [piece.text async for piece in aiter(stream)]


def ask(upstream) -> AsyncAnswerStream:
    backend = Backend(model="gpt-4", base_url=upstream.base_url)
    return astream_answer([{"role": "user", "content": "Hi"}], backend)


async def test_an_answer_makes_g4f_share_a_pool_as_large_as_the_reply_limit(upstream, settings):
    settings.STREAMDEMO_MAX_REPLIES = 321
    stream = ask(upstream)
    assert await first_delta(stream) == "Hello"
    await stream.aclose()

    assert current_capacity() == 321
    await close_pool()


async def test_more_answers_than_g4f_pools_per_host_all_stream_at_once(upstream):
    # Nothing set up beforehand: the answers themselves make g4f share a pool large enough.
    upstream.will_answer(
        *[Script(chunks=["first", " rest"], gated=True) for _ in range(CONCURRENT)]
    )
    streams = [ask(upstream) for _ in range(CONCURRENT)]
    try:
        # Gated answers send their first chunk and then hold their connection open.
        firsts = await asyncio.wait_for(
            asyncio.gather(*(first_delta(stream) for stream in streams)), timeout=30
        )
        assert firsts == ["first"] * CONCURRENT
        assert len(upstream.exchanges) == CONCURRENT
        upstream.release(2 * CONCURRENT)
        rests = await asyncio.wait_for(
            asyncio.gather(*(rest_of(stream) for stream in streams)), timeout=30
        )
        assert rests == [[" rest"]] * CONCURRENT
    finally:
        await asyncio.gather(*(stream.aclose() for stream in streams))
        await close_pool()


async def test_ensure_pool_is_idempotent():
    await ensure_pool(500)
    pool = g4f_aiohttp._loop_connectors[asyncio.get_running_loop()]

    await ensure_pool(500)
    await ensure_pool(200)

    assert g4f_aiohttp._loop_connectors[asyncio.get_running_loop()] is pool
    assert current_capacity() == 500
    await close_pool()


async def test_a_larger_pool_replaces_a_smaller_one_without_closing_it_early():
    await ensure_pool(50)
    smaller = g4f_aiohttp._loop_connectors[asyncio.get_running_loop()]

    await ensure_pool(0)

    assert current_capacity() == math.inf
    assert not smaller.closed  # answers may still be streaming through it
    await close_pool()
    assert smaller.closed


async def test_close_pool_closes_the_pool_and_g4f_starts_afresh(upstream):
    await ensure_pool(0)
    pool = g4f_aiohttp._loop_connectors[asyncio.get_running_loop()]

    await close_pool()

    assert pool.closed
    assert current_capacity() is None
    stream = ask(upstream)
    assert await first_delta(stream) == "Hello"
    await stream.aclose()
    await close_pool()


@pytest.mark.parametrize("limit", [0, 1000])
async def test_answers_stream_whole_through_the_pool(upstream, limit):
    await ensure_pool(limit)
    upstream.will_answer(Script(chunks=["a", "b", "c"]))

    deltas = [piece.text async for piece in ask(upstream)]

    assert deltas == ["a", "b", "c"]
    await close_pool()
