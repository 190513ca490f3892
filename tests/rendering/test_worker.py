"""The rendering process, spoken to from the event loop: calls in, outcomes out, one at a time."""

import asyncio
import functools
import os
import time

import pytest

from chat.rendering.blocks import render_region
from chat.rendering.worker import Worker, WorkerGone

LONG = "Some *text* and `code`.\n\n" * 100


@pytest.fixture
async def worker():
    started = Worker()
    yield started
    started.stop()


async def test_a_call_runs_in_another_process_and_gives_what_it_would_here(worker):
    there = await worker.call(functools.partial(render_region, LONG, final=True, block_chars=10**6))
    pid = await worker.call(os.getpid)

    assert there == render_region(LONG, final=True, block_chars=10**6)
    assert pid != os.getpid()
    assert await worker.call(os.getpid) == pid  # the same process, kept for the next call


async def test_what_fails_in_the_process_is_raised_for_the_caller(worker):
    with pytest.raises(ValueError, match="invalid literal"):
        await worker.call(functools.partial(int, "not a number"))

    assert await worker.call(functools.partial(str.upper, "still there")) == "STILL THERE"


async def test_an_answer_larger_than_the_pipe_holds_comes_back_whole(worker):
    text = "x" * 3_000_000

    assert await worker.call(functools.partial(str.upper, text)) == text.upper()


async def test_a_process_that_dies_fails_its_call_and_the_next_call_starts_another(worker):
    first = await worker.call(os.getpid)

    with pytest.raises(WorkerGone):
        await worker.call(functools.partial(os._exit, 1))

    assert await worker.call(os.getpid) != first


async def test_a_call_abandoned_half_way_leaves_no_answer_for_the_next(worker):
    await worker.call(os.getpid)
    slow = asyncio.create_task(worker.call(functools.partial(time.sleep, 30)))
    with pytest.raises(TimeoutError):
        # The caller goes while the process works on it.
        await asyncio.wait_for(asyncio.shield(slow), 0.5)
    slow.cancel()
    await asyncio.gather(slow, return_exceptions=True)

    assert await worker.call(functools.partial(str, "mine")) == "mine"
