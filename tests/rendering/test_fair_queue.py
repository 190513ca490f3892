"""Renderings take turns: whoever has had the least rendering lately goes next."""

import asyncio
import contextlib
import time

import aiohttp
import pytest

from chat.rendering.fair_queue import FairQueue
from tests.support.daphne import serve_app
from tests.support.upstream import Script

ALICE = (("session:alice", 2), ("address:10.0.0.1", 20))
BOB = (("session:bob", 2), ("address:10.0.0.2", 20))


class Renderings:
    """Renderings that each wait for a word to end, recording the order they begin in."""

    def __init__(self, queue: FairQueue) -> None:
        self.queue = queue
        self.begun: list[str] = []
        self._ends: dict[str, asyncio.Event] = {}

    def ask(self, name: str, shares) -> asyncio.Task[str]:
        self._ends[name] = asyncio.Event()

        async def render() -> str:
            self.begun.append(name)
            await self._ends[name].wait()
            return f"<p>{name}</p>"

        return asyncio.create_task(self.queue.run(shares, render))

    async def end(self, name: str) -> None:
        self._ends[name].set()
        for _ in range(5):  # the queue hands the next turn on within a few steps
            await asyncio.sleep(0)


async def test_one_rendering_runs_at_a_time_and_the_one_least_served_goes_next():
    renderings = Renderings(FairQueue())
    first = renderings.ask("alice-1", ALICE)
    alices = [renderings.ask(f"alice-{n}", ALICE) for n in (2, 3, 4)]
    await asyncio.sleep(0)
    bob = renderings.ask("bob-1", BOB)
    await asyncio.sleep(0)
    assert renderings.begun == ["alice-1"]

    await renderings.end("alice-1")
    # Bob came after Alice's three, but has had nothing: his goes before them.
    assert renderings.begun == ["alice-1", "bob-1"]
    await renderings.end("bob-1")
    for n in (2, 3, 4):
        await renderings.end(f"alice-{n}")

    assert renderings.begun == ["alice-1", "bob-1", "alice-2", "alice-3", "alice-4"]
    assert await first == "<p>alice-1</p>"
    assert await bob == "<p>bob-1</p>"
    assert [await alice for alice in alices] == [f"<p>alice-{n}</p>" for n in (2, 3, 4)]


async def test_a_new_session_of_an_address_that_has_had_much_is_no_newcomer():
    queue = FairQueue()
    renderings = Renderings(queue)
    # Twenty sessions of one address have had a second each: the address, twenty, which is
    # two seconds a session's worth; Bob has had half a second.
    for n in range(20):
        queue._done(((f"session:s{n}", 2), ("address:10.0.0.9", 20)), 1.0)
    queue._done(BOB, 0.5)
    blocker = renderings.ask("blocker", ())
    await asyncio.sleep(0)
    fresh = renderings.ask("fresh", (("session:new", 2), ("address:10.0.0.9", 20)))
    bob = renderings.ask("bob", BOB)
    await asyncio.sleep(0)

    await renderings.end("blocker")
    assert renderings.begun == ["blocker", "bob"]
    await renderings.end("bob")
    await renderings.end("fresh")
    await asyncio.gather(blocker, fresh, bob)


async def test_among_sessions_of_one_busy_address_the_one_that_has_had_less_goes_first():
    queue = FairQueue()
    renderings = Renderings(queue)
    # The address has had so much that its share decides both sessions' turns alike; of the
    # two, Carol has had a rendering already and Dave nothing.
    for n in range(20):
        queue._done(((f"session:s{n}", 2), ("address:10.0.0.9", 20)), 1.0)
    carol = (("session:carol", 2), ("address:10.0.0.9", 20))
    dave = (("session:dave", 2), ("address:10.0.0.9", 20))
    queue._done(carol, 1.0)
    blocker = renderings.ask("blocker", ())
    await asyncio.sleep(0)
    first = renderings.ask("carol", carol)
    second = renderings.ask("dave", dave)
    await asyncio.sleep(0)

    await renderings.end("blocker")
    assert renderings.begun == ["blocker", "dave"]
    await renderings.end("dave")
    await renderings.end("carol")
    await asyncio.gather(blocker, first, second)


async def test_what_a_visitor_has_had_halves_every_half_life():
    queue = FairQueue(half_life=60)
    queue._done(ALICE, 8.0)
    now = time.monotonic()

    assert queue.had("session:alice", now=now) == pytest.approx(8.0, rel=1e-3)
    assert queue.had("session:alice", now=now + 60) == pytest.approx(4.0, rel=1e-3)
    assert queue.had("session:alice", now=now + 120) == pytest.approx(2.0, rel=1e-3)
    assert queue.had("session:nobody", now=now) == 0.0


async def test_counting_from_a_new_moment_changes_nothing_of_what_each_has_had():
    queue = FairQueue(half_life=60)
    queue._done(ALICE, 8.0)
    queue._done(BOB, 0.000_1)
    now = time.monotonic()
    before = queue.had("session:alice", now + 600)

    queue._rebase(now + 600)

    assert queue.had("session:alice", now + 600) == pytest.approx(before)
    assert "session:bob" not in queue._scores  # decayed away: forgotten


async def test_a_rendering_whose_caller_goes_before_its_turn_never_runs():
    renderings = Renderings(FairQueue())
    first = renderings.ask("first", ALICE)
    gone = renderings.ask("gone", ALICE)
    after = renderings.ask("after", ALICE)
    await asyncio.sleep(0)

    gone.cancel()
    await renderings.end("first")
    await renderings.end("after")

    assert renderings.begun == ["first", "after"]
    assert gone.cancelled()
    await asyncio.gather(first, after)


async def test_a_rendering_under_way_when_its_caller_goes_finishes_before_the_next_begins():
    renderings = Renderings(FairQueue())
    going = renderings.ask("going", ALICE)
    waiting = renderings.ask("waiting", BOB)
    await asyncio.sleep(0)

    going.cancel()
    await asyncio.sleep(0)
    assert renderings.begun == ["going"]  # a process cannot be interrupted: it is let finish
    await renderings.end("going")

    assert renderings.begun == ["going", "waiting"]
    await renderings.end("waiting")
    assert await waiting == "<p>waiting</p>"


async def test_a_rendering_that_fails_raises_for_its_caller_and_the_next_goes_on():
    queue = FairQueue()

    async def failing() -> str:
        raise ValueError("cannot render that")

    async def rendering() -> str:
        return "<p>next</p>"

    with pytest.raises(ValueError, match="cannot render that"):
        await queue.run(ALICE, failing)
    assert await queue.run(BOB, rendering) == "<p>next</p>"


# -- a real server: visitors whose answers are costly to render, and one whose answer is not --

# Two blocks of 15,000 characters that markdown-it takes about 11 µs a character to parse.
COSTLY = "\n\n".join(["![" * 7500] * 2)
ORDINARY = "Here is **an answer**, with `code` in it.\n\n" * 40  # about 1,700 characters
ATTACKERS = 5


@pytest.fixture
def server(upstream_server, tmp_path):
    started = serve_app(
        upstream_server.base_url,
        tmp_path / "db.sqlite3",
        # As deployed: long texts rendered in the rendering process, one at a time.
        DJANGO_SETTINGS_MODULE="streamdemo.settings",
        STREAMDEMO_RENDER_PROCESS="true",
    )
    yield started
    started.stop()


async def visitor(stack: contextlib.AsyncExitStack, url: str) -> aiohttp.ClientWebSocketResponse:
    """A new visitor's socket: its own session, from loading the page."""
    browser = await stack.enter_async_context(
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    )
    await browser.get(url + "/")
    return await stack.enter_async_context(browser.ws_connect(url + "/ws/chat/", origin=url))


async def until_done(socket, name: str, done: list[str], streamed: asyncio.Event) -> str:
    """Read a reply's frames to its end; note when all of a costly text has come, and the end."""
    text = ""
    while True:
        frame = await socket.receive_json(timeout=60)
        if frame["type"] == "delta":
            text += frame["content"]
            if text == COSTLY:
                streamed.set()
        elif frame["type"] == "done":
            done.append(name)
            return frame["text"]


async def test_an_answer_is_rendered_before_the_costly_renderings_of_visitors_who_asked_first(
    server, upstream
):
    chunks = [COSTLY[n : n + 1000] for n in range(0, len(COSTLY), 1000)]
    done: list[str] = []
    async with contextlib.AsyncExitStack() as stack:
        # The visitor's page and socket are open before: from the moment every costly text is
        # in, the only wait left in its ask is for its renderings' turns.
        victim = await visitor(stack, server.url)
        readers, texts_in = [], []
        for n in range(ATTACKERS):
            upstream.will_answer(Script(chunks=chunks))
            socket = await visitor(stack, server.url)
            await socket.send_json({"type": "ask", "question": "Draw", "render": "changes"})
            assert (await socket.receive_json(timeout=60))["type"] == "start"
            texts_in.append(asyncio.Event())
            readers.append(
                asyncio.create_task(until_done(socket, f"costly {n}", done, texts_in[-1]))
            )
        # Every costly answer has streamed: what is left of each is its renderings, queued.
        await asyncio.wait_for(asyncio.gather(*(event.wait() for event in texts_in)), 60)
        assert done == []
        upstream.will_answer(Script(chunks=[ORDINARY[n : n + 100] for n in range(0, 1700, 100)]))
        await victim.send_json({"type": "ask", "question": "Explain", "render": "changes"})
        answered = await until_done(victim, "ordinary", done, asyncio.Event())
        costly = await asyncio.gather(*readers)

    assert answered == ORDINARY[:1700]
    assert costly == [COSTLY] * ATTACKERS
    # Each of its two renderings (one while it streams, the final one) waits at most for the
    # one under way when it was asked for: not for all of theirs.
    assert done.index("ordinary") <= 2, done
