"""The reply log in Redis: what the memory log cannot do, a reply followed from any process.

Its contract with the memory log is in test_log.py; here, what only Redis does: blocking reads
that come back empty, the lease of the worker running a reply, and two daphne worker processes
on one Redis, a reply asked on one followed on the other.
"""

import asyncio
import os
import uuid

import aiohttp
import pytest

from chat.endings import Ending
from chat.replies.log import Delta, End, ReplyInfo
from chat.replies.redis_log import RedisReplyLog
from tests.support.daphne import Daphne, migrate
from tests.support.replies import reply_info
from tests.support.upstream import Script

DONE = Ending(status="done", text="abc", model="m", finish_reason="stop")


def info(reply: str) -> ReplyInfo:
    return reply_info(reply)


async def collect(log, reply, after):
    return [entry async for entry in log.entries(reply, after)]


async def test_a_follower_keeps_waiting_through_a_pause_longer_than_one_blocking_read(redis_url):
    log = RedisReplyLog(redis_url, block_ms=50)
    reply = uuid.uuid4().hex
    await log.open(info(reply))
    entries = log.entries(reply, -1)
    pending = asyncio.ensure_future(anext(entries))

    await asyncio.sleep(0.3)  # the pause itself: several blocking reads come back empty
    await log.append(reply, Delta(0, "after the pause"))

    assert await asyncio.wait_for(pending, 5) == Delta(0, "after the pause")
    await entries.aclose()


@pytest.fixture
def lapsing_log(redis_url, settings):
    """A Redis log whose leases lapse 0.1 s after their last renewal."""
    settings.STREAMDEMO_WORKER_LEASE_SECONDS = 0.1
    return RedisReplyLog(redis_url, block_ms=50)


async def test_a_reply_whose_worker_stopped_renewing_its_lease_ends_as_interrupted(lapsing_log):
    log = lapsing_log
    reply = uuid.uuid4().hex
    await log.open(info(reply))
    await log.append(reply, Delta(0, "kept"))
    # Nothing renews the lease: the worker that opened the reply is gone.

    first = await asyncio.wait_for(collect(log, reply, -1), 5)
    second = await asyncio.wait_for(collect(log, reply, 0), 5)

    assert first[0] == Delta(0, "kept")
    end = first[-1].ending
    assert (end.status, end.error_code, end.text) == ("failed", "interrupted", "kept")
    assert len(first) == 2
    assert second == [End(end)]
    assert await log.has_ended(reply)


async def test_a_running_reply_keeps_its_followers_waiting_longer_than_a_lease(redis_url, settings):
    settings.STREAMDEMO_WORKER_LEASE_SECONDS = 0.5
    log = RedisReplyLog(redis_url, block_ms=50)
    reply = uuid.uuid4().hex
    await log.open(info(reply))
    await log.join(reply)
    watch = asyncio.ensure_future(log.until_stopped_or_abandoned(reply, grace=60))
    entries = log.entries(reply, -1)
    pending = asyncio.ensure_future(anext(entries))

    await asyncio.sleep(1.5)  # the pause itself: three leases long, renewed all the while
    await log.append(reply, Delta(0, "still here"))

    assert await asyncio.wait_for(pending, 5) == Delta(0, "still here")
    await entries.aclose()
    watch.cancel()
    await asyncio.gather(watch, return_exceptions=True)


async def test_a_worker_back_from_a_stall_longer_than_its_lease_lets_the_reply_go(lapsing_log):
    log = lapsing_log
    reply = uuid.uuid4().hex
    await log.open(info(reply))
    await log.join(reply)
    await asyncio.wait_for(collect(log, reply, -1), 5)  # a follower ended it as interrupted

    watch = log.until_stopped_or_abandoned(reply, grace=60)

    assert await asyncio.wait_for(watch, 5) == "ended elsewhere"


async def test_a_reply_its_own_worker_closed_is_not_taken_for_interrupted(redis_url):
    # Between the close and the end of saving, the reply's watch must not cut the saving short.
    log = RedisReplyLog(redis_url)
    reply = uuid.uuid4().hex
    await log.open(info(reply))
    await log.close(reply, DONE)

    watch = log.until_stopped_or_abandoned(reply, grace=0)

    assert await asyncio.wait_for(watch, 5) == "abandoned"


# -- two worker processes ------------------------------------------------------------------


def start_workers(redis_url, upstream_server, folder, **settings: str) -> list[Daphne]:
    env = {
        "REDIS_URL": redis_url,
        "DATABASE_URL": f"sqlite:///{folder / 'workers.sqlite3'}",
        "STREAMDEMO_BASE_URL": upstream_server.base_url,
        "DJANGO_DEBUG": "true",
        **settings,
    }
    migrate({**os.environ, **env})
    return [Daphne(env).start() for _ in range(2)]


@pytest.fixture(scope="module")
def workers(redis_url, upstream_server, tmp_path_factory):
    started = start_workers(redis_url, upstream_server, tmp_path_factory.mktemp("workers"))
    yield started
    for worker in started:
        worker.stop()


@pytest.fixture
def workers_on_a_short_lease(redis_url, upstream_server, tmp_path):
    started = start_workers(
        redis_url, upstream_server, tmp_path, STREAMDEMO_WORKER_LEASE_SECONDS="1"
    )
    yield started
    for worker in started:
        worker.stop()


async def receive_frame(socket) -> dict:
    return await socket.receive_json(timeout=10)


async def test_a_reply_started_on_one_worker_resumes_on_another_with_identical_text(
    redis_url, workers, upstream
):
    chunks = ["Walk", " the", " tree", " with", " os.walk", "."]
    upstream.will_answer(Script(chunks=chunks, gated=True))
    first, second = workers
    jar = aiohttp.CookieJar(unsafe=True)  # the session cookie of 127.0.0.1 goes to both workers
    async with aiohttp.ClientSession(cookie_jar=jar) as browser:
        await browser.get(first.url + "/")
        received = []
        async with browser.ws_connect(first.url + "/ws/chat/", origin=first.url) as tab:
            await tab.send_json({"type": "ask", "question": "How?", "render": False})
            reply = (await receive_frame(tab))["reply"]
            for _ in range(2):
                frame = await receive_frame(tab)
                received.append(frame)
                upstream.release()
        # The socket dropped after two deltas; the reply goes on upstream meanwhile.
        upstream.release(len(chunks))
        async with browser.ws_connect(second.url + "/ws/chat/", origin=second.url) as tab:
            last_seq = received[-1]["seq"]
            await tab.send_json(
                {"type": "resume", "reply": reply, "after": last_seq, "render": False}
            )
            frame = await receive_frame(tab)
            assert (frame["type"], frame["reply"]) == ("start", reply)
            while frame["type"] not in ("done", "error"):
                frame = await receive_frame(tab)
                received.append(frame)

    deltas = [f for f in received if f["type"] == "delta"]
    # Live, one piece a frame; resumed, the pieces waiting in the log may come joined.
    seqs = [f["seq"] for f in deltas]
    assert seqs[:2] == [0, 1]
    assert seqs == sorted(set(seqs))
    assert seqs[-1] == len(chunks) - 1
    assert "".join(f["content"] for f in deltas) == "".join(chunks)
    assert received[-1]["type"] == "done"
    assert received[-1]["finish_reason"] == "stop"


async def test_followers_on_another_worker_learn_that_the_answering_worker_died(
    redis_url, workers_on_a_short_lease, upstream
):
    upstream.will_answer(Script(chunks=["Use", " os.walk", "."], gated=True))
    answering, following = workers_on_a_short_lease
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as browser:
        await browser.get(answering.url + "/")
        asker = await browser.ws_connect(answering.url + "/ws/chat/", origin=answering.url)
        await asker.send_json({"type": "ask", "question": "How?", "render": False})
        reply = (await receive_frame(asker))["reply"]
        assert (await receive_frame(asker))["content"] == "Use"  # the gate holds the next chunk
        async with browser.ws_connect(following.url + "/ws/chat/", origin=following.url) as tab:
            await tab.send_json({"type": "resume", "reply": reply, "after": -1, "render": False})
            seen = [await receive_frame(tab), await receive_frame(tab)]

            answering.kill()
            seen.append(await receive_frame(tab))
            await tab.send_json({"type": "resume", "reply": reply, "after": -1, "render": False})
            again = [await receive_frame(tab) for _ in range(3)]
        await asker.close()

    assert [f["type"] for f in seen] == ["start", "delta", "error"]
    assert seen[1]["content"] == "Use"
    assert (seen[2]["code"], seen[2]["reply"], seen[2]["text"]) == ("interrupted", reply, "Use")
    # The same again, but for how long ago the question was asked.
    for frames in (seen, again):
        del frames[0]["stats"]["elapsed_ms"]
    assert again == seen


async def test_a_tab_on_another_worker_follows_each_reply_asked_in_its_conversation(
    redis_url, workers, upstream
):
    first, second = workers
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as browser:
        await browser.get(first.url + "/")
        asker = await browser.ws_connect(first.url + "/ws/chat/", origin=first.url)
        watcher = await browser.ws_connect(second.url + "/ws/chat/", origin=second.url)
        await asker.send_json({"type": "ask", "question": "First?", "render": False})
        start = await receive_frame(asker)
        while (await receive_frame(asker))["type"] != "done":
            pass
        # The other tab shows the conversation: it opened its reply.
        await watcher.send_json(
            {"type": "resume", "reply": start["reply"], "after": -1, "render": False}
        )
        while (await receive_frame(watcher))["type"] != "done":
            pass
        upstream.will_answer(Script(chunks=["From", " the other tab"], gated=True))

        await asker.send_json(
            {"type": "ask", "question": "Second?", "conversation": start["conversation"],
             "render": False}
        )  # fmt: skip
        heard = await receive_frame(watcher)
        piece = await receive_frame(watcher)
        upstream.release(2)
        rest = [await receive_frame(watcher) for _ in range(2)]
        await asker.close()
        await watcher.close()

    assert (heard["type"], heard["question"]) == ("start", "Second?")
    assert piece["content"] == "From"
    assert [frame["type"] for frame in rest] == ["delta", "done"]


async def ttls(log, reply) -> dict[str, int]:
    """Each key the reply has in Redis, by suffix, with its seconds left (-1: never expires)."""
    client = log._redis
    keys = [key async for key in client.scan_iter(match=f"streamdemo:reply:{reply}*")]
    return {key.removeprefix(f"streamdemo:reply:{reply}"): await client.ttl(key) for key in keys}


async def test_a_replys_keys_expire_while_it_runs_and_within_the_ttl_once_it_has_ended(
    redis_url, settings
):
    settings.STREAMDEMO_REPLY_TTL = 120
    log = RedisReplyLog(redis_url)
    reply = uuid.uuid4().hex
    await log.claim("conversation-" + reply, reply)
    await log.open(info(reply))
    await log.join(reply)
    await log.append(reply, Delta(0, "a"))
    await log.request_stop(reply)

    running = await ttls(log, reply)
    await log.close(reply, DONE)
    ended = await ttls(log, reply)

    assert set(running) >= {"", ":meta", ":followers", ":alive", ":stop"}
    assert all(seconds > 0 for seconds in running.values()), running
    assert set(ended) >= {"", ":meta", ":followers", ":ended"}
    assert all(0 < seconds <= 120 for seconds in ended.values()), ended
