"""The limits in Redis: what only they do, count one visitor the same on every worker, and let go
of a dead worker's sockets once their lease lapses.

What they share with the in-memory limits runs through the websocket in test_limits.py (on Redis
in the services run); here, leases, and two daphne worker processes on one Redis.
"""

import asyncio
import os
import uuid

import aiohttp
import pytest
import redis.asyncio as redis

from chat.limits import Visitor, redis_limits
from chat.limits.redis_limits import PREFIX, SOCKET_LEASE_SECONDS, RedisLimits, forget_everything
from tests.support.daphne import Daphne, migrate
from tests.support.waiting import eventually


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def worker(url: str, clock: Clock) -> RedisLimits:
    """The limits as one worker process holds them."""
    limits = RedisLimits(url)
    limits.clock = clock
    return limits


@pytest.fixture
async def visitor(redis_url, settings):
    settings.STREAMDEMO_SESSION_SOCKETS = 1
    await forget_everything(redis_url)
    return Visitor(session=uuid.uuid4().hex, address="192.0.2.1")


async def test_a_dead_workers_sockets_stop_counting_once_their_lease_lapses(redis_url, visitor):
    clock = Clock(1_000_000.0)
    died, alive = worker(redis_url, clock), worker(redis_url, clock)
    assert await died.admit(visitor, "socket-on-the-worker-that-died")

    refused = await alive.admit(visitor, "another")
    clock.now += SOCKET_LEASE_SECONDS + 1
    admitted = await alive.admit(visitor, "another")

    assert (refused, admitted) == (False, True)
    await alive.release(visitor, "another")
    await died.release(visitor, "socket-on-the-worker-that-died")


async def test_a_live_worker_renews_its_sockets_leases(redis_url, visitor, monkeypatch):
    monkeypatch.setattr(redis_limits, "RENEW_EVERY_SECONDS", 0.05)
    clock = Clock(1_000_000.0)
    holding, other = worker(redis_url, clock), worker(redis_url, clock)
    assert await holding.admit(visitor, "held")
    clock.now += SOCKET_LEASE_SECONDS - 1
    client = redis.Redis.from_url(redis_url)
    key = f"{PREFIX}sockets:session:{visitor.session}"
    renewed_until = (clock.now + SOCKET_LEASE_SECONDS) * 1000

    async def renewed() -> bool:
        return (await client.zscore(key, "held") or 0) >= renewed_until

    await eventually(renewed)
    clock.now += 2  # past the first lease: only the renewal keeps the socket counted

    assert not await other.admit(visitor, "another")
    await holding.release(visitor, "held")
    assert await other.admit(visitor, "another")
    await other.release(visitor, "another")
    await client.aclose()


@pytest.fixture
def workers(redis_url, upstream_server, tmp_path):
    asyncio.run(forget_everything(redis_url))
    env = {
        "REDIS_URL": redis_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'workers.sqlite3'}",
        "STREAMDEMO_BASE_URL": upstream_server.base_url,
        "STREAMDEMO_ASK_BURST": "2",
        "STREAMDEMO_ASKS_PER_MINUTE": "0.001",
        "STREAMDEMO_SESSION_SOCKETS": "2",
    }
    migrate({**os.environ, **env})
    started = [Daphne(env).start() for _ in range(2)]
    yield started
    for each in started:
        each.stop()
    asyncio.run(forget_everything(redis_url))


async def ask(tab) -> dict:
    await tab.send_json({"type": "ask", "question": "q", "render": False})
    frame = await tab.receive_json(timeout=10)
    while frame["type"] not in ("done", "error"):
        frame = await tab.receive_json(timeout=10)
    return frame


async def test_one_visitor_is_counted_the_same_on_every_worker(workers, upstream):
    first, second = workers
    jar = aiohttp.CookieJar(unsafe=True)  # the session cookie of 127.0.0.1 goes to both
    async with aiohttp.ClientSession(cookie_jar=jar) as browser:
        await browser.get(first.url + "/")
        on_first = await browser.ws_connect(first.url + "/ws/chat/", origin=first.url)
        on_second = await browser.ws_connect(second.url + "/ws/chat/", origin=second.url)
        answered = [await ask(on_first), await ask(on_second)]

        # And two asks were the session's allowance, wherever they were asked.
        refused = await ask(on_first)
        # Two sockets are the session's share, wherever the third opens.
        third = await browser.ws_connect(first.url + "/ws/chat/", origin=first.url)
        closed = await third.receive(timeout=10)
        await on_second.close()
        await on_first.close()

    assert (closed.type, closed.data) == (aiohttp.WSMsgType.CLOSE, 4013)
    assert [frame["type"] for frame in answered] == ["done", "done"]
    assert (refused["type"], refused["code"]) == ("error", "rate_limited")
    assert len(upstream.exchanges) == 2
