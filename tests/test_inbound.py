"""What the server takes in of what a client sends: as fast as it handles it, within a share."""

import asyncio

import aiohttp
import psutil
import pytest

from chat import inbound
from chat.inbound import Inbound
from chat.limits import Visitor
from tests.support.daphne import serve_app
from tests.support.upstream import Script


class Reading:
    """The connection's reading, as the transport pressure holds it (a stand-in of ours)."""

    def __init__(self) -> None:
        self.reading_held = False
        self.changed = asyncio.Event()

    def hold_reading(self, held: bool) -> None:
        if held != self.reading_held:
            self.reading_held = held
            self.changed.set()


def message(text: str = '{"type": "ack", "frames": 0}') -> dict:
    return {"type": "websocket.receive", "text": text}


@pytest.fixture(autouse=True)
def fresh_budgets():
    inbound._budgets.clear()


async def test_reading_stops_while_many_messages_wait_and_goes_on_once_few_do():
    queue: asyncio.Queue = asyncio.Queue()
    for _ in range(20):
        queue.put_nowait(message())
    receive, reading = Inbound(queue.get), Reading()
    receive.pressure = reading

    held = []
    for _ in range(20):
        await receive()
        held.append(reading.reading_held)

    # 19 waiting after the first: held until no more than four wait.
    assert held == [True] * 15 + [False] * 5


async def test_a_visitor_sending_faster_than_its_share_is_read_more_slowly(settings):
    settings.STREAMDEMO_MESSAGES_PER_SECOND = 50
    queue: asyncio.Queue = asyncio.Queue()
    receive, reading = Inbound(queue.get), Reading()
    receive.pressure, receive.visitor = reading, Visitor("alice", "10.0.0.1")
    burst = 50 * inbound.BURST_SECONDS

    for _ in range(burst):
        queue.put_nowait(message())
        await receive()
    assert not reading.reading_held
    queue.put_nowait(message())
    await receive()
    assert reading.reading_held
    reading.changed.clear()

    # In debt by one message: read again a fiftieth of a second later.
    await asyncio.wait_for(reading.changed.wait(), 5)
    assert not reading.reading_held


async def test_a_visitors_sockets_share_one_budget_and_big_messages_spend_it_faster(settings):
    settings.STREAMDEMO_MESSAGE_BYTES_PER_SECOND = 256 * 1024
    alice = Visitor("alice", "10.0.0.1")
    sockets = [Inbound(asyncio.Queue().get) for _ in range(2)]
    for socket in sockets:
        socket.pressure, socket.visitor = Reading(), alice
    big = message("x" * 64 * 1024)

    first, second = sockets
    for socket, count in ((first, 8), (second, 9)):  # a megabyte, and one message more
        for _ in range(count):
            socket._queue.put_nowait(big)
            await socket()

    assert (first.pressure.reading_held, second.pressure.reading_held) == (False, True)
    other = Inbound(asyncio.Queue().get)
    other.pressure, other.visitor = Reading(), Visitor("bob", "10.0.0.2")
    other._queue.put_nowait(big)
    await other()
    assert not other.pressure.reading_held
    for socket in [*sockets, other]:
        socket.close()


# -- a real server, and a client that sends as fast as it can ----------------------------------


@pytest.fixture
def server(upstream_server, tmp_path):
    started = serve_app(upstream_server.base_url, tmp_path / "db.sqlite3")
    yield started
    started.stop()


async def test_a_client_sending_as_fast_as_it_can_leaves_the_server_bounded_and_others_served(
    server, upstream
):
    frame = "x" * 60_000  # not JSON: each one refused
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as flooder:
        await flooder.get(server.url + "/")
        process = psutil.Process(server.process.pid)
        before = process.memory_info().rss
        async with flooder.ws_connect(server.url + "/ws/chat/", origin=server.url) as socket:

            async def flood() -> None:
                for _ in range(2_000):  # 120 MB, which a server that read it all would hold
                    await socket.send_str(frame)

            async def read() -> None:
                async for _ in socket:
                    pass

            reading = asyncio.create_task(read())
            flooding = asyncio.create_task(flood())
            # As long as the attacker cares to go on: it has sent all, or been made to wait.
            await asyncio.wait({flooding}, timeout=3)
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as other:
                await other.get(server.url + "/")
                async with other.ws_connect(server.url + "/ws/chat/", origin=server.url) as tab:
                    upstream.will_answer(Script(chunks=["Served", " all", " the", " same"]))
                    await tab.send_json({"type": "ask", "question": "Am I?", "render": False})
                    frames = [await tab.receive_json(timeout=30)]
                    while frames[-1]["type"] not in ("done", "error"):
                        frames.append(await tab.receive_json(timeout=30))
            grown = process.memory_info().rss - before
            flooded = flooding.done()
            flooding.cancel()
            reading.cancel()
            await asyncio.gather(flooding, reading, return_exceptions=True)

    assert (frames[-1]["type"], frames[-1]["text"]) == ("done", "Served all the same")
    assert not flooded, "the server took in all the attacker sent, as fast as it came"
    assert grown < 64 * 1024 * 1024, f"the server grew by {grown / 2**20:.0f} MiB"
