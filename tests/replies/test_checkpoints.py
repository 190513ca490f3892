"""Running replies' text saved as it streams: a crash loses at most the last moments of it."""

import asyncio
import os
import sqlite3
import time
import uuid

import aiohttp
import pytest

from chat import conversations, saving
from chat.endings import CRASHED, Ending
from chat.replies.checkpoints import Checkpoints
from chat.replies.transcript import Transcript
from chat.upstream.chunks import Piece
from tests.support.daphne import Daphne, migrate
from tests.support.upstream import Script


async def stored(reply: str) -> tuple[str, str, str]:
    turn = await conversations.find_turn(reply)
    assert turn is not None
    return turn.status, turn.answer, turn.reasoning


async def a_streaming_turn() -> str:
    reply = uuid.uuid4().hex
    await conversations.begin_turn(
        session_key="checkpoints",
        conversation_id=None,
        question="q",
        model="m",
        provider=None,
        reply_id=reply,
    )
    return reply


@pytest.mark.django_db(transaction=True)
async def test_a_save_writes_what_each_running_reply_streamed_so_far():
    first, second = await a_streaming_turn(), await a_streaming_turn()
    checkpoints, one, two = Checkpoints(), Transcript(), Transcript()
    checkpoints.track(first, one)
    checkpoints.track(second, two)
    one.add(Piece("Thinking", reasoning=True))
    one.add(Piece("Half"))
    two.add(Piece("Other"))

    await checkpoints.save()

    assert await stored(first) == ("streaming", "Half", "Thinking")
    assert await stored(second) == ("streaming", "Other", "")
    await checkpoints.close()


@pytest.mark.django_db(transaction=True)
async def test_a_checkpoint_never_undoes_the_ending_saved_before_it():
    reply = await a_streaming_turn()
    checkpoints, transcript = Checkpoints(), Transcript()
    checkpoints.track(reply, transcript)
    transcript.add(Piece("Half"))
    await saving.end_turn(reply, Ending(status="done", text="Half and all", model="m"))

    await checkpoints.save()

    assert await stored(reply) == ("done", "Half and all", "")
    await checkpoints.close()


@pytest.mark.django_db(transaction=True)
async def test_the_saving_task_runs_only_while_replies_run(settings):
    settings.STREAMDEMO_CHECKPOINT_SECONDS = 0.01
    reply = await a_streaming_turn()
    checkpoints, transcript = Checkpoints(), Transcript()
    checkpoints.track(reply, transcript)
    transcript.add(Piece("Half"))

    # Saved by the task, within the interval (a bounded wait for it, not a sleep).
    deadline = time.monotonic() + 10
    while (await stored(reply))[1] != "Half":
        assert time.monotonic() < deadline, "the running reply's text was never saved"
        await asyncio.sleep(0.01)
    await checkpoints.untrack(reply)

    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []


def saved_answers(database) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT status, answer FROM chat_turn").fetchall()


async def test_after_a_crash_a_resume_gives_the_text_saved_and_says_what_became_of_it(
    upstream, tmp_path
):
    database = tmp_path / "server.sqlite3"
    # One process, its replies in its memory: what a crash loses is all but what was saved.
    env = {
        "REDIS_URL": "",
        "DATABASE_URL": f"sqlite:///{database}",
        "STREAMDEMO_BASE_URL": upstream.base_url,
        "STREAMDEMO_CHECKPOINT_SECONDS": "0.05",
    }
    migrate({**os.environ, **env})
    upstream.will_answer(Script(chunks=["Half", " never"], gated=True))
    crashing = Daphne(env).start()
    jar = aiohttp.CookieJar(unsafe=True)  # cookies of 127.0.0.1, whatever its port
    try:
        async with aiohttp.ClientSession(cookie_jar=jar) as browser:
            await browser.get(crashing.url + "/")
            async with browser.ws_connect(crashing.url + "/ws/chat/", origin=crashing.url) as tab:
                await tab.send_json({"type": "ask", "question": "q", "render": False})
                reply = (await tab.receive_json(timeout=10))["reply"]
                assert (await tab.receive_json(timeout=10))["content"] == "Half"
                deadline = time.monotonic() + 10
                while saved_answers(database) != [("streaming", "Half")]:
                    assert time.monotonic() < deadline, "no checkpoint was saved"
                    await asyncio.sleep(0.01)
                crashing.kill()
            restarted = Daphne(env).start()
            try:
                url = restarted.url
                async with browser.ws_connect(url + "/ws/chat/", origin=url) as tab:
                    await tab.send_json(
                        {"type": "resume", "reply": reply, "after": -1, "render": False}
                    )
                    frames = [await tab.receive_json(timeout=10) for _ in range(3)]
            finally:
                restarted.stop()
    finally:
        crashing.stop()

    assert [frame["type"] for frame in frames] == ["start", "delta", "error"]
    assert frames[1]["content"] == "Half"
    assert (frames[2]["code"], frames[2]["text"], frames[2]["note"]) == (
        "interrupted",
        "Half",
        f"Cut off: {CRASHED}",
    )
    assert saved_answers(database) == [("failed", "Half")]
