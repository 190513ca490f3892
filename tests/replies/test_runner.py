"""What a reply does whoever follows it: asks upstream, logs each delta, ends, and is saved.

These drive the process's `Replies` as the consumer does, on the log it picks (Redis in the
services run) and against the test upstream, and read what a follower would read: the log.
"""

import asyncio
import uuid

import aiohttp
import pytest
from django.conf import settings

from chat.conversations import find_turn
from chat.protocol import Ask, Refusal
from chat.replies import get_replies
from chat.replies.log import End
from tests.support.acknowledging import read_acknowledging
from tests.support.daphne import serve_app
from tests.support.faults import closed_port_url
from tests.support.upstream import Script

pytestmark = pytest.mark.django_db(transaction=True)

SESSION = "runner-session"
USAGE = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}


async def start(question: str = "q", session: str = SESSION, **fields) -> str:
    return await get_replies().start(Ask(question, **fields), session)


async def follow(reply: str, *, after: int = -1, until: int | None = None):
    """The reply's deltas after `after` as its log has them, then its `Ending` (None when it
    stops reading at `until` deltas)."""
    deltas = []

    async def read():
        async for entry in get_replies().log.entries(reply, after):
            if isinstance(entry, End):
                return entry.ending
            deltas.append(entry.content)
            if until is not None and len(deltas) == until:
                return None

    return deltas, await asyncio.wait_for(read(), 10)


async def saved(reply: str):
    """How the reply's turn was saved, once its task is over."""
    await asyncio.wait_for(get_replies().until_idle(), 10)
    return (await find_turn(reply)).ending


async def test_an_answer_is_logged_delta_by_delta_and_its_ending_saved_as_it_was(upstream):
    upstream.will_answer(Script(chunks=["Use", " os.walk"], usage=USAGE))

    reply = await start("How?")
    deltas, ending = await follow(reply)

    assert deltas == ["Use", " os.walk"]
    assert (ending.status, ending.text, ending.finish_reason) == ("done", "Use os.walk", "stop")
    assert (ending.model, ending.provider, ending.usage) == ("gpt-4", upstream.label, USAGE)
    assert ending.stats["chunks"] == 2
    assert upstream.exchanges[0].messages == [{"role": "user", "content": "How?"}]
    assert await saved(reply) == ending


async def test_a_stop_ends_the_reply_stopped_closes_upstream_and_saves_the_text_so_far(upstream):
    upstream.will_answer(Script(chunks=["partial", " never"], gated=True))
    reply = await start()
    assert (await follow(reply, until=1))[0] == ["partial"]

    await get_replies().stop(reply)
    rest, ending = await follow(reply, after=0)

    assert rest == []
    assert (ending.status, ending.finish_reason, ending.text) == ("stopped", "stopped", "partial")
    assert ending.stats["chunks"] == 1
    assert await asyncio.to_thread(upstream.exchanges[0].closed.wait, 5)
    assert upstream.exchanges[0].sent == 1
    assert await saved(reply) == ending


async def test_a_reply_nobody_follows_for_the_grace_period_ends_and_closes_upstream(
    upstream, settings
):
    settings.STREAMDEMO_REPLY_GRACE_SECONDS = 1
    upstream.will_answer(Script(chunks=["one", " never"], gated=True))
    log = get_replies().log
    reply = await start()
    await log.join(reply)
    assert (await follow(reply, until=1))[0] == ["one"]

    await log.leave(reply)
    rest, ending = await follow(reply, after=0)

    assert rest == []

    assert (ending.status, ending.text) == ("stopped", "one")
    assert await asyncio.to_thread(upstream.exchanges[0].closed.wait, 5)
    assert not upstream.exchanges[0].finished
    assert await saved(reply) == ending
    assert get_replies().running() == 0


async def test_a_failure_mid_answer_ends_the_reply_failed_and_saves_the_text_so_far(upstream):
    upstream.will_answer(Script(chunks=["Half", " of it"], fault="malformed"))

    reply = await start()
    deltas, ending = await follow(reply)

    assert deltas == ["Half", " of it"]
    assert (ending.status, ending.error_code, ending.text) == ("failed", "malformed", "Half of it")
    assert ending.error_message.startswith(f"{upstream.label}: ")
    assert await saved(reply) == ending


async def test_an_answer_that_grows_past_the_limit_is_cut_off_there_and_upstream_closed(
    upstream, settings
):
    settings.STREAMDEMO_MAX_ANSWER_BYTES = 25
    upstream.will_answer(Script(chunks=["0123456789"] * 10, gated=True))

    reply = await start()
    upstream.release(3)
    deltas, ending = await follow(reply)

    assert deltas == ["0123456789", "0123456789", "01234"]
    assert (ending.status, ending.error_code) == ("failed", "answer_too_long")
    assert ending.text == "0123456789" * 2 + "01234"
    assert ending.note == "Cut off: the answer grew past this server's limit of 25 bytes."
    assert await asyncio.to_thread(upstream.exchanges[0].closed.wait, 5)
    assert not upstream.exchanges[0].finished
    assert await saved(reply) == ending


@pytest.mark.timeout(120)
async def test_an_answer_longer_than_daphne_sends_at_once_still_gets_its_final_frame(
    upstream_server, upstream, tmp_path
):
    # 1.5 MB of answer: its final frame, carrying the whole text, would be over the 1 MiB that
    # daphne sends in one message, and would never arrive.
    chunks = [f"{n:05}" + "x" * 995 for n in range(1500)]
    upstream.will_answer(Script(chunks=chunks))
    server = await asyncio.to_thread(serve_app, upstream_server.base_url, tmp_path / "db")
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
            await browser.get(server.url + "/")
            async with browser.ws_connect(server.url + "/ws/chat/", origin=server.url) as tab:
                await tab.send_json({"type": "ask", "question": "Say a lot", "render": False})
                frames = await read_acknowledging(tab, lambda f: f["type"] in ("done", "error"))
    finally:
        await asyncio.to_thread(server.stop)

    final, pieces = frames[-1], [f["content"] for f in frames if f["type"] == "delta"]
    assert (final["type"], final["code"]) == ("error", "answer_too_long")
    assert final["text"] == "".join(pieces)
    assert "".join(chunks).startswith(final["text"])
    assert len(final["text"]) == settings.STREAMDEMO_MAX_ANSWER_BYTES


async def test_beyond_the_process_limit_a_start_is_refused_busy_and_the_reply_goes_on(
    upstream, settings
):
    settings.STREAMDEMO_MAX_REPLIES = 1
    upstream.will_answer(Script(chunks=["slow"], gated=True))
    first = await start("one")

    with pytest.raises(Refusal) as refused:
        await start("two")
    upstream.release()

    deltas, ending = await follow(first)

    assert refused.value.code == "busy"
    assert (deltas, ending.status) == (["slow"], "done")
    assert len(upstream.exchanges) == 1


async def test_a_reply_id_the_client_chose_names_the_reply_and_is_refused_a_second_time(upstream):
    chosen = uuid.uuid4().hex

    assert await start(reply=chosen) == chosen
    assert (await follow(chosen))[1].status == "done"
    with pytest.raises(Refusal) as refused:
        await start("again", reply=chosen)

    assert (refused.value.code, refused.value.reply) == ("duplicate_reply", chosen)
    assert len(upstream.exchanges) == 1


async def test_the_model_asked_for_is_the_model_requested_upstream(upstream):
    reply = await start(model="other-model")
    _, ending = await follow(reply)

    assert upstream.exchanges[0].body["model"] == "other-model"
    assert (await get_replies().log.info(reply)).model == "other-model"
    assert ending.model == "other-model"


async def test_when_the_first_candidate_fails_the_reply_names_the_one_that_answered(
    upstream, settings
):
    settings.STREAMDEMO_BASE_URL = f"{closed_port_url()},{upstream.base_url}"

    reply = await start()
    deltas, ending = await follow(reply)

    assert "".join(deltas) == "Hello, world!"
    # What the `start` frame of every follower names.
    assert (await get_replies().log.info(reply)).provider == upstream.label
    assert ending.provider == upstream.label


async def test_a_provider_picked_answers_instead_of_the_configured_endpoint(upstream, settings):
    settings.STREAMDEMO_PROVIDERS = ["NoSuchProvider"]

    reply = await start(provider="NoSuchProvider")
    _, ending = await follow(reply)

    assert (await get_replies().log.info(reply)).provider == "NoSuchProvider"
    assert ending.status == "failed"
    assert ending.error_message.startswith("g4f provider NoSuchProvider:")
    assert upstream.exchanges == []


async def test_a_conversation_of_another_session_is_not_found(upstream):
    reply = await start("mine", session="alice")
    await follow(reply)
    conversation = (await get_replies().log.info(reply)).conversation

    with pytest.raises(Refusal) as refused:
        await start("theirs", session="mallory", conversation=conversation)

    assert refused.value.code == "not_found"
    assert len(upstream.exchanges) == 1


async def test_an_ending_the_log_cannot_take_is_still_saved_and_the_failure_logged(
    upstream, monkeypatch, caplog
):
    async def lost(reply, ending):
        raise ConnectionError("the reply log went away")

    monkeypatch.setattr(get_replies().log, "close", lost)

    reply = await start("q")

    assert (await saved(reply)).status == "done"
    assert "the reply log went away" in caplog.text
