"""Two daphne worker processes on one Redis: a reply asked on one is followed on the other."""

import os
import uuid

import aiohttp
import pytest

from tests.conftest import REDIS_URL
from tests.daphne import Daphne, migrate
from tests.upstream import Script


@pytest.fixture(scope="module")
def workers(upstream_server, tmp_path_factory):
    redis_url = REDIS_URL
    database = tmp_path_factory.mktemp("workers") / "workers.sqlite3"
    env = {
        "REDIS_URL": redis_url,
        "DATABASE_URL": f"sqlite:///{database}",
        "STREAMDEMO_BASE_URL": upstream_server.base_url,
        "DJANGO_DEBUG": "true",
    }
    migrate({**os.environ, **env})
    started = [Daphne(env).start() for _ in range(2)]
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
