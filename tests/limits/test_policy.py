"""What one visitor may do, across its sockets: a person is never stopped, a flood always is, and
whatever one client does, another visitor is still served.

Every socket here comes from an address (`client`) and a session; the limits' clock is held
still unless a test moves it, so no allowance refills behind a test's back. In the services run
the same tests count in Redis.
"""

import asyncio
import json
import os

import aiohttp
import pytest
from yarl import URL

from chat.limits import get_limits
from tests.support.daphne import Daphne, migrate
from tests.support.unread import Unread
from tests.support.upstream import Script
from tests.support.websocket import connect, new_session, receive, receive_reply, text_of

pytestmark = pytest.mark.django_db(transaction=True)

ATTACKER = "203.0.113.66"
BYSTANDER = "198.51.100.7"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    held = Clock()
    get_limits().clock = held
    return held


async def ask(socket, question: str = "q") -> list[dict]:
    """Ask, and every frame up to the reply's end, or the one error that refused the ask."""
    await socket.send_json_to({"type": "ask", "question": question, "render": False})
    return await receive_reply(socket)


async def assert_others_are_served() -> None:
    """Another visitor, from another address, asks and gets the whole answer."""
    other = await connect(client=BYSTANDER)
    frames = await ask(other, "Am I served?")
    assert (frames[-1]["type"], text_of(frames)) == ("done", "Hello, world!")
    await other.disconnect()


async def test_a_person_asking_as_fast_as_answers_come_is_never_refused(upstream, clock):
    socket = await connect()
    ended = []
    # Thirty questions, a second apart, each asked once the last answer has ended: faster than
    # anyone reads.
    for number in range(30):
        ended.append((await ask(socket, f"question {number}"))[-1]["type"])
        clock.now += 1.0

    assert ended == ["done"] * 30
    await socket.disconnect()


async def test_a_flood_of_asks_from_reconnecting_sockets_stops_at_the_burst(upstream, clock):
    session = await new_session()
    outcomes = []
    for number in range(25):
        socket = await connect(session, client=ATTACKER)  # a new socket for every ask
        frames = await ask(socket, f"flood {number}")
        outcomes.append(frames[-1]["type"] if frames[-1]["type"] == "done" else frames[0]["code"])
        await socket.disconnect()

    assert outcomes == ["done"] * 20 + ["rate_limited"] * 5
    assert len(upstream.exchanges) == 20
    await assert_others_are_served()


async def test_many_sessions_from_one_address_share_its_allowance(upstream, settings, clock):
    settings.STREAMDEMO_ASK_BURST = 1
    settings.STREAMDEMO_PER_ADDRESS = 3
    outcomes = []
    for _ in range(4):
        socket = await connect(client=ATTACKER)  # a new session each time
        frames = await ask(socket)
        outcomes.append(frames[-1]["type"] if frames[-1]["type"] == "done" else frames[0]["code"])
        await socket.disconnect()

    assert outcomes == ["done", "done", "done", "rate_limited"]
    await assert_others_are_served()


async def test_the_allowance_refills_with_time(upstream, settings, clock):
    settings.STREAMDEMO_ASK_BURST = 1
    settings.STREAMDEMO_ASKS_PER_MINUTE = 6
    socket = await connect()

    first = await ask(socket)
    refused = await ask(socket)
    clock.now += 10.0
    again = await ask(socket)

    assert (first[-1]["type"], refused[0]["code"], again[-1]["type"]) == (
        "done",
        "rate_limited",
        "done",
    )
    await socket.disconnect()


async def test_a_session_runs_at_most_two_replies_at_once_whatever_its_sockets(upstream, clock):
    upstream.will_answer(*(Script(chunks=["held", " back"], gated=True) for _ in range(2)))
    session = await new_session()
    sockets = [await connect(session, client=ATTACKER) for _ in range(3)]
    for socket in sockets[:2]:
        await socket.send_json_to({"type": "ask", "question": "q", "render": False})
        assert (await receive(socket))["type"] == "start"

    refused = await ask(sockets[2])
    await assert_others_are_served()
    upstream.release(4)  # both replies' last deltas and ends
    for socket in sockets[:2]:
        assert (await receive_reply(socket))[-1]["type"] == "done"
    allowed = await ask(sockets[2])

    assert (refused[0]["code"], refused[0]["reply"]) == ("busy", None)
    assert "Too many of your answers are being written" in refused[0]["message"]
    assert allowed[-1]["type"] == "done"
    for socket in sockets:
        await socket.disconnect()


async def test_an_address_runs_at_most_its_share_of_replies_at_once(upstream, settings, clock):
    settings.STREAMDEMO_SESSION_REPLIES = 1
    settings.STREAMDEMO_PER_ADDRESS = 2
    upstream.will_answer(*(Script(chunks=["held"], gated=True) for _ in range(2)))
    sockets = [await connect(client=ATTACKER) for _ in range(3)]  # three sessions
    for socket in sockets[:2]:
        await socket.send_json_to({"type": "ask", "question": "q", "render": False})
        assert (await receive(socket))["type"] == "start"

    refused = await ask(sockets[2])

    assert refused[0]["code"] == "busy"
    await assert_others_are_served()
    upstream.release(2)
    for socket in sockets:
        await socket.disconnect()


async def closed_at_once(socket) -> int | None:
    """The close code of a socket the server closed right after accepting it, else None."""
    output = await socket.receive_output(timeout=5)
    return output["code"] if output["type"] == "websocket.close" else None


async def test_a_session_holds_at_most_its_share_of_sockets(upstream, settings):
    settings.STREAMDEMO_SESSION_SOCKETS = 2
    session = await new_session()
    held = [await connect(session, client=ATTACKER) for _ in range(2)]

    extra = await connect(session, client=ATTACKER)
    assert await closed_at_once(extra) == 4013
    await assert_others_are_served()
    await held.pop().disconnect()
    replacement = await connect(session, client=ATTACKER)
    frames = await ask(replacement)

    assert frames[-1]["type"] == "done"
    for socket in [*held, replacement]:
        await socket.disconnect()


async def test_an_address_holds_at_most_its_share_of_sockets_with_or_without_sessions(
    upstream, settings
):
    settings.STREAMDEMO_SESSION_SOCKETS = 1
    settings.STREAMDEMO_PER_ADDRESS = 3
    held = [await connect(cookie="", client=ATTACKER) for _ in range(2)]
    held.append(await connect(client=ATTACKER))

    extra = await connect(client=ATTACKER)

    assert await closed_at_once(extra) == 4013
    await assert_others_are_served()
    for socket in held:
        await socket.disconnect()


async def test_a_socket_whose_consumer_the_server_cancels_no_longer_counts(upstream, settings):
    settings.STREAMDEMO_SESSION_SOCKETS = 1
    session = await new_session()
    killed = await connect(session, client=ATTACKER)

    # What daphne does to a consumer still busy ten seconds after its client went.
    killed.future.cancel()
    await asyncio.gather(killed.future, return_exceptions=True)
    replacement = await connect(session, client=ATTACKER)

    assert (await ask(replacement))[-1]["type"] == "done"
    await replacement.disconnect()


async def test_a_flood_of_watches_stops_at_the_resume_burst(upstream, clock):
    session = await new_session()
    socket = await connect(session, client=ATTACKER)
    conversation = (await ask(socket))[0]["conversation"]
    codes = []
    for _ in range(32):
        await socket.send_json_to({"type": "watch", "conversation": conversation})
        frame = await receive(socket)
        while frame["type"] not in ("watching", "error"):
            frame = await receive(socket)
        codes.append(frame.get("code"))

    assert codes == [None] * 30 + ["rate_limited"] * 2
    await assert_others_are_served()
    await socket.disconnect()


async def test_a_flood_of_resumes_stops_at_the_burst_and_says_which_was_refused(upstream, clock):
    socket = await connect(client=ATTACKER)
    codes = []
    for number in range(32):
        await socket.send_json_to({"type": "resume", "reply": f"{number:032x}", "after": -1})
        frame = await receive(socket)
        codes.append((frame["code"], frame["reply"]))

    assert codes[:30] == [("not_found", f"{n:032x}") for n in range(30)]
    assert codes[30:] == [("rate_limited", f"{n:032x}") for n in (30, 31)]
    await assert_others_are_served()
    await socket.disconnect()


async def test_busy_counts_the_reply_a_socket_asked_not_the_one_it_follows(upstream, clock):
    session = await new_session()
    socket = await connect(session)
    old = (await ask(socket, "an old question"))[0]["reply"]
    upstream.will_answer(Script(chunks=["still", " going"], gated=True))
    await socket.send_json_to({"type": "ask", "question": "a long one", "render": False})
    assert (await receive(socket))["type"] == "start"
    assert (await receive(socket))["content"] == "still"

    # Following an old reply that has ended must not free the socket to ask again.
    await socket.send_json_to({"type": "resume", "reply": old, "after": -1, "render": False})
    assert (await receive_reply(socket))[-1]["type"] == "done"
    refused = await ask(socket, "and another")

    assert refused[0]["code"] == "busy"
    assert len(upstream.exchanges) == 2
    upstream.release(2)
    await socket.disconnect()


# -- a real server behind a proxy: an attacker tries everything, then a bystander is served ----


@pytest.fixture
def proxied_server(upstream_server, tmp_path):
    """daphne as behind a proxy on 127.0.0.1, which names each client in X-Forwarded-For."""
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "",
        "STREAMDEMO_BASE_URL": upstream_server.base_url,
        "STREAMDEMO_TRUSTED_PROXIES": "127.0.0.1",
        "STREAMDEMO_ASK_BURST": "3",
        "STREAMDEMO_ASKS_PER_MINUTE": "0.001",
        "STREAMDEMO_SESSION_SOCKETS": "2",
        "STREAMDEMO_PER_ADDRESS": "2",
    }
    migrate({**os.environ, **env})
    server = Daphne(env).start()
    yield server
    server.stop()


class Client:
    """A browser at one address, as the proxy forwards it."""

    def __init__(self, server: Daphne, address: str) -> None:
        self.server = server
        self.headers = {"X-Forwarded-For": address}
        self.browser = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def visit(self) -> int:
        async with self.browser.get(self.server.url + "/", headers=self.headers) as page:
            return page.status

    async def socket(self):
        url = self.server.url + "/ws/chat/"
        return await self.browser.ws_connect(url, origin=self.server.url, headers=self.headers)

    async def reconnected(self):
        """A new socket once the server has let the one just closed go (that takes a moment)."""
        for _ in range(100):
            tab = await self.socket()
            await tab.send_json({"type": "stop"})  # a socket let in answers; one refused closes
            if (await tab.receive(timeout=10)).type == aiohttp.WSMsgType.TEXT:
                return tab
            await tab.close()
        raise AssertionError("never let in again")

    async def ask(self, tab, frame: str | None = None) -> dict:
        await tab.send_str(frame or json.dumps({"type": "ask", "question": "q", "render": False}))
        reply = await tab.receive_json(timeout=10)
        while reply["type"] not in ("done", "error"):
            reply = await tab.receive_json(timeout=10)
        return reply


async def test_whatever_an_attacker_tries_another_visitor_is_served(proxied_server, upstream):
    attacker = Client(proxied_server, ATTACKER)
    bystander = Client(proxied_server, BYSTANDER)
    try:
        await attacker.visit()
        # Sockets until refused: two for the session, four for the address.
        held = [await attacker.socket() for _ in range(2)]
        extra = await attacker.socket()
        assert (await extra.receive(timeout=10)).data == 4013
        # Asks until refused, the sockets reconnecting in between.
        codes = []
        for _ in range(4):
            codes.append((await attacker.ask(held[0])).get("code"))
            await held[0].close()
            held[0] = await attacker.reconnected()
        assert codes == [None, None, None, "rate_limited"]
        # Frames that once closed the socket with a traceback.
        for hostile in ("[" * 30_000 + "]" * 30_000, '{"type": "ask", "question": "\\ud800"}'):
            assert (await attacker.ask(held[1], hostile))["type"] == "error"
        # A new session for every ask gets the address no further than its allowance.
        others = Client(proxied_server, ATTACKER)
        await others.visit()
        more = await others.socket()  # the address's third socket of four
        # The address had six, the attacker's first session took three.
        assert [(await others.ask(more)).get("code") for _ in range(4)] == [
            None,
            None,
            None,
            "rate_limited",
        ]
        await more.close()
        await others.browser.close()

        assert await bystander.visit() == 200
        tab = await bystander.socket()
        answered = await bystander.ask(tab)
        assert (answered["type"], answered["text"]) == ("done", "Hello, world!")
        await tab.close()
        for socket in held:
            await socket.close()
    finally:
        await attacker.browser.close()
        await bystander.browser.close()


async def test_sockets_that_vanish_behind_a_queue_of_frames_stop_counting(proxied_server, upstream):
    attacker = Client(proxied_server, ATTACKER)
    try:
        await attacker.visit()
        tab = await attacker.socket()
        await tab.send_json({"type": "ask", "question": "q", "render": False})
        conversation = (await tab.receive_json(timeout=10))["conversation"]
        await tab.close()
        session = attacker.browser.cookie_jar.filter_cookies(URL(proxied_server.url))["sessionid"]
        session = session.value
        held = [await Unread.open(proxied_server.port, session) for _ in range(2)]
        watch = {"type": "watch", "conversation": conversation, "render": False}
        for socket in held:
            # Each would cost the server a look in the database, one after the other.
            for _ in range(1500):
                await socket.send_json(watch)
            socket.reset()

        # Let in again once the server has let them go: they must not count for good.
        tab = await attacker.reconnected()
        await tab.close()
    finally:
        await attacker.browser.close()
