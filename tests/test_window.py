"""What one socket may leave unread: acks counted and checked, and a server that stays within
its bounds however many clients stop reading."""

import asyncio
import functools

import psutil
import pytest

from chat.protocol import ProtocolError
from chat.window import Window
from tests.support.acknowledging import read_acknowledging
from tests.support.daphne import serve_app
from tests.support.twisted_transport import Channel, Transport
from tests.support.unread import browser_with_session, unread_sending
from tests.support.upstream import Script


def test_the_window_fills_with_what_is_sent_and_empties_with_what_is_acknowledged():
    window = Window(100)
    for size in (40, 30, 30):
        window.sending(size)

    assert (window.sent, window.unacked, window.full) == (3, 100, True)
    window.ack(1)
    assert (window.acked, window.unacked, window.full) == (1, 60, False)
    window.ack(3)
    assert window.unacked == 0


@pytest.mark.parametrize(
    ("frames", "says"),
    [(4, "has sent 3"), (0, "1 were acknowledged already")],
)
def test_an_ack_of_frames_never_sent_or_going_backwards_is_refused(frames, says):
    window = Window(100)
    for size in (40, 30, 30):
        window.sending(size)
    window.ack(1)

    with pytest.raises(ProtocolError) as refused:
        window.ack(frames)

    assert refused.value.code == "invalid_ack"
    assert says in refused.value.message
    assert (window.acked, window.unacked) == (1, 60)


async def test_a_connection_that_holds_too_much_unsent_closes_the_window_whatever_is_acked():
    window, channel = Window(100), Channel()
    transport = Transport(channel)
    protocol = type("Protocol", (), {"transport": transport})()
    assert window.pressure.attach(functools.partial(print, protocol))

    transport.overflow()
    window.ack(0)  # what a client that acknowledges frames it never read may say
    assert window.full
    waiting = asyncio.create_task(window.until_open())
    await asyncio.sleep(0)
    assert not waiting.done()
    transport.drain()
    await asyncio.wait_for(waiting, 5)

    assert channel.calls == ["pause", "resume"]  # daphne's channel is told as before
    window.pressure.detach()
    assert transport.producer is channel


async def test_a_window_sent_while_the_connection_holds_too_much_unsent_is_overrun():
    window, channel = Window(100), Channel()
    transport = Transport(channel)
    protocol = type("Protocol", (), {"transport": transport})()
    window.pressure.attach(functools.partial(print, protocol))
    transport.overflow()

    for _ in range(3):
        window.sending(40)
        window.ack(window.sent)  # what a client that acknowledges frames it never read says
    assert window.overrun
    transport.drain()
    assert not window.overrun  # all of it has gone out: the client was reading after all


async def test_an_answer_waits_for_the_connection_to_drain_and_for_no_ack():
    window, channel = Window(100), Channel()
    transport = Transport(channel)
    protocol = type("Protocol", (), {"transport": transport})()
    window.pressure.attach(functools.partial(print, protocol))
    window.sending(500)  # far beyond the window, never acknowledged
    await window.until_drained()  # the connection has room: no wait

    transport.overflow()
    draining = asyncio.create_task(window.until_drained())
    await asyncio.sleep(0)
    assert not draining.done()
    transport.drain()
    await asyncio.wait_for(draining, 5)


def test_a_client_far_behind_in_its_acks_is_not_overrun_while_its_connection_drains():
    window = Window(100)
    window.sending(1000)  # a catch-up, sent while the client's acks wait to be read

    assert window.full
    assert not window.overrun


async def test_a_sender_waits_while_the_window_is_full_and_goes_on_at_the_ack_that_opens_it():
    window = Window(100)
    await window.until_open()  # not full: no wait
    window.sending(60)
    window.sending(60)
    waiting = asyncio.create_task(window.until_open())
    await asyncio.sleep(0)

    window.ack(0)  # acknowledges nothing new: still full
    await asyncio.sleep(0)
    assert not waiting.done()
    window.ack(1)
    await asyncio.wait_for(waiting, 5)


# -- a real server, and clients that never read ---------------------------------------------

WINDOW = 256 * 1024
SOCKETS = 50
# What the server may grow by for them, at most: three windows a socket, plus its own slack.
BOUND = SOCKETS * WINDOW * 3 + 48 * 1024 * 1024


@pytest.fixture
def server(upstream_server, tmp_path):
    started = serve_app(
        upstream_server.base_url,
        tmp_path / "db.sqlite3",
        STREAMDEMO_SOCKET_WINDOW_BYTES=str(WINDOW),
        # One visitor holds every socket here: its share is not what this test is about.
        STREAMDEMO_SESSION_SOCKETS="100",
        STREAMDEMO_RESUME_BURST="100",
        STREAMDEMO_ASK_BURST="100",
        STREAMDEMO_MESSAGES_PER_SECOND="100000",
        # The window bounds what a socket holds however long an answer is; the 2 MB answer
        # here is four times what the server lets one grow to by default.
        STREAMDEMO_MAX_ANSWER_BYTES=str(3 * 1024 * 1024),
    )
    yield started
    started.stop()


async def read_answer(socket, last: int) -> list[dict]:
    """Every frame up to the piece `last`. (Not the final frame: carrying the whole answer, over
    1 MiB here, it is more than daphne sends.)"""
    return await read_acknowledging(socket, lambda frame: frame.get("seq") == last)


@pytest.mark.parametrize("acks", ["none", "lying"])
async def test_fifty_sockets_that_resume_a_long_answer_and_never_read_leave_the_server_bounded(
    server, upstream, acks
):
    # 2 MB, resumed from its start by fifty sockets that read nothing.
    chunks = [f"{n:05}" + "x" * 995 for n in range(2000)]
    upstream.will_answer(Script(chunks=chunks))
    async with browser_with_session(server.url) as (browser, session):
        async with browser.ws_connect(server.url + "/ws/chat/", origin=server.url) as tab:
            await tab.send_json({"type": "ask", "question": "Say a lot", "render": False})
            asked = await read_answer(tab, last=len(chunks) - 1)
        reply = asked[0]["reply"]
        resume = {"type": "resume", "reply": reply, "after": -1, "render": False}
        process = psutil.Process(server.process.pid)
        before = process.memory_info().rss

        unread = await unread_sending(server.port, session, SOCKETS, resume)
        if acks == "lying":
            # Each says it has read every frame the server could have sent it, and more: an
            # ack beyond what was sent is refused, and the refusal is one more frame sent.
            for frames in range(1, 80):
                for socket in unread:
                    await socket.send_json({"type": "ack", "frames": frames})
                    await socket.send_json({"type": "ack", "frames": frames})
        # A socket that reads gets the whole answer meanwhile: the server serves it, and by
        # then it has served the others what it would.
        async with browser.ws_connect(server.url + "/ws/chat/", origin=server.url) as tab:
            await tab.send_json(resume)
            resumed = await read_answer(tab, last=len(chunks) - 1)
        grown = process.memory_info().rss - before
        for socket in unread:
            socket.close()

    assert "".join(f["content"] for f in resumed if f["type"] == "delta") == "".join(chunks)
    assert grown < BOUND, f"the server grew by {grown / 2**20:.0f} MiB"


def is_done(frame: dict) -> bool:
    return frame["type"] == "done"


async def test_fifty_sockets_that_watch_a_long_conversation_and_never_read_leave_the_server_bounded(
    server, upstream
):
    # Thirty-two answers of 128 KB in one conversation: 4 MB, and as much again rendered.
    turns = 32
    answers = [[f"{turn:02}{n:03}" + "y" * 995 for n in range(128)] for turn in range(turns)]
    async with browser_with_session(server.url) as (browser, session):
        conversation, received = None, 0
        async with browser.ws_connect(server.url + "/ws/chat/", origin=server.url) as tab:
            for chunks in answers:
                upstream.will_answer(Script(chunks=chunks))
                ask = {"type": "ask", "question": "More", "render": False}
                await tab.send_json(ask | ({"conversation": conversation} if conversation else {}))
                asked = await read_acknowledging(tab, is_done, received)
                received += len(asked)
                conversation = asked[0]["conversation"]
        watch = {"type": "watch", "conversation": conversation, "render": False}
        process = psutil.Process(server.process.pid)
        before = process.memory_info().rss

        unread = await unread_sending(server.port, session, SOCKETS, watch)
        # A socket that reads is caught up on the whole conversation meanwhile.
        async with browser.ws_connect(server.url + "/ws/chat/", origin=server.url) as tab:
            await tab.send_json(watch)
            caught_up = await read_acknowledging(tab, lambda frame: frame["type"] == "watching")
        grown = process.memory_info().rss - before
        for socket in unread:
            socket.close()

    assert [f["text"] for f in caught_up if f["type"] == "done"] == [
        "".join(chunks) for chunks in answers
    ]
    assert grown < BOUND, f"the server grew by {grown / 2**20:.0f} MiB"
