"""Two daphne worker processes on one Redis: a reply asked on one is followed on the other."""

import os
import uuid

import aiohttp
import pytest

from tests.support.daphne import Daphne, migrate
from tests.support.upstream import Script


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


async def receive(socket) -> dict:
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
            reply = (await receive(tab))["reply"]
            for _ in range(2):
                frame = await receive(tab)
                received.append(frame)
                upstream.release()
        # The socket dropped after two deltas; the reply goes on upstream meanwhile.
        upstream.release(len(chunks))
        async with browser.ws_connect(second.url + "/ws/chat/", origin=second.url) as tab:
            last_seq = received[-1]["seq"]
            await tab.send_json(
                {"type": "resume", "reply": reply, "after": last_seq, "render": False}
            )
            frame = await receive(tab)
            assert (frame["type"], frame["reply"]) == ("start", reply)
            while frame["type"] not in ("done", "error"):
                frame = await receive(tab)
                received.append(frame)

    deltas = [f for f in received if f["type"] == "delta"]
    assert [f["seq"] for f in deltas] == list(range(len(chunks)))
    assert "".join(f["content"] for f in deltas) == "".join(chunks)
    assert received[-1]["type"] == "done"
    assert received[-1]["finish_reason"] == "stop"


async def test_a_worker_without_the_reply_says_not_found(redis_url, workers):
    first, _ = workers
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        await browser.get(first.url + "/")
        async with browser.ws_connect(first.url + "/ws/chat/", origin=first.url) as tab:
            await tab.send_json({"type": "resume", "reply": uuid.uuid4().hex, "after": -1})
            frame = await receive(tab)

    assert (frame["type"], frame["code"]) == ("error", "not_found")


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
        reply = (await receive(asker))["reply"]
        assert (await receive(asker))["content"] == "Use"  # the gate holds the next chunk
        async with browser.ws_connect(following.url + "/ws/chat/", origin=following.url) as tab:
            await tab.send_json({"type": "resume", "reply": reply, "after": -1, "render": False})
            seen = [await receive(tab), await receive(tab)]

            answering.kill()
            seen.append(await receive(tab))
            await tab.send_json({"type": "resume", "reply": reply, "after": -1, "render": False})
            again = [await receive(tab) for _ in range(3)]
        await asker.close()

    assert [f["type"] for f in seen] == ["start", "delta", "error"]
    assert seen[1]["content"] == "Use"
    assert (seen[2]["code"], seen[2]["reply"]) == ("interrupted", reply)
    assert again == seen
