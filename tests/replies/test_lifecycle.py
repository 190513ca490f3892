"""A server stopping mid-answer ends its replies cleanly: upstream closed, text saved."""

import asyncio
import os
import sqlite3

import aiohttp
import pytest

from chat.conversations import find_turn
from chat.endings import RESTARTED
from chat.protocol import Ask
from chat.replies import get_replies
from chat.replies.lifecycle import shutdown
from chat.replies.log import Delta
from chat.upstream.pool import current_capacity
from tests.support.daphne import Daphne, migrate
from tests.support.upstream import Script


@pytest.mark.django_db(transaction=True)
async def test_shutdown_ends_each_reply_as_interrupted_with_its_text_and_closes_the_pool(upstream):
    upstream.will_answer(Script(chunks=["Half", " never"], gated=True))
    replies = get_replies()
    reply = await replies.start(Ask("q"), "lifecycle-session")
    entries = replies.log.entries(reply, -1)
    assert await asyncio.wait_for(anext(entries), 10) == Delta(0, "Half")
    await entries.aclose()

    await shutdown()

    turn = await find_turn(reply)
    assert (turn.status, turn.error_code, turn.answer) == ("failed", "interrupted", "Half")
    assert turn.error == RESTARTED
    assert await asyncio.to_thread(upstream.exchanges[0].closed.wait, 5)
    assert not upstream.exchanges[0].finished
    assert current_capacity() is None


async def test_stopping_the_server_mid_answer_closes_upstream_and_saves_the_text(
    upstream, tmp_path
):
    database = tmp_path / "server.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{database}", "STREAMDEMO_BASE_URL": upstream.base_url}
    migrate({**os.environ, **env})
    server = Daphne(env).start()
    upstream.will_answer(Script(chunks=["Half", " never"], gated=True))
    try:
        # The page's visit gives the browser its session (an IP address's cookie too).
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as browser:
            await browser.get(server.url + "/")
            tab = await browser.ws_connect(server.url + "/ws/chat/", origin=server.url)
            await tab.send_json({"type": "ask", "question": "q", "render": False})
            assert (await tab.receive_json(timeout=10))["type"] == "start"
            assert (await tab.receive_json(timeout=10))["content"] == "Half"

            server.process.terminate()

            assert await asyncio.to_thread(upstream.exchanges[0].closed.wait, 10)
            assert await asyncio.to_thread(server.process.wait, 10) is not None
    finally:
        server.stop()

    with sqlite3.connect(database) as db:
        assert db.execute("SELECT status, error_code, answer FROM chat_turn").fetchall() == [
            ("failed", "interrupted", "Half")
        ]
    assert not upstream.exchanges[0].finished
