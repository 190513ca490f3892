"""All of a process's sockets together: what they may have unread, drawn on one budget."""

import asyncio

import psutil
import pytest

from chat.unread_budget import FLOOR, UnreadBudget
from chat.window import Window
from tests.support.acknowledging import read_acknowledging
from tests.support.daphne import serve_app
from tests.support.unread import browser_with_session, unread_sending, unsent_bytes
from tests.support.upstream import Script

MiB = 1024 * 1024


def test_a_socket_may_fill_its_window_while_the_budget_has_room():
    budget = UnreadBudget(4 * MiB)
    window = Window(MiB, budget)
    window.sending(MiB - 1)

    assert not window.full
    assert budget.unacked == MiB - 1


def test_while_the_budget_is_spent_a_socket_past_its_floor_is_full_and_one_below_it_is_not():
    budget = UnreadBudget(2 * MiB)
    stuck = [Window(MiB, budget) for _ in range(2)]
    for window in stuck:
        window.sending(MiB - 1)
    stuck[0].sending(2)  # the budget is spent now
    past, below = Window(MiB, budget), Window(MiB, budget)
    past.sending(FLOOR)
    below.sending(FLOOR - 1)

    assert budget.spent
    assert past.full
    assert not below.full


async def test_an_ack_on_another_socket_that_gives_the_budget_room_lets_a_waiting_one_go_on():
    budget = UnreadBudget(2 * MiB)
    reader, waiting = Window(2 * MiB, budget), Window(MiB, budget)
    reader.sending(2 * MiB - FLOOR)
    waiting.sending(FLOOR)
    assert waiting.full
    assert budget.spent

    sender = asyncio.create_task(waiting.until_open())
    await asyncio.sleep(0)
    assert not sender.done()
    reader.ack(1)

    await asyncio.wait_for(sender, 5)
    assert not budget.spent


async def test_a_socket_that_goes_gives_back_all_it_had_unacknowledged():
    budget = UnreadBudget(2 * MiB)
    gone, waiting = Window(2 * MiB, budget), Window(MiB, budget)
    gone.sending(2 * MiB - FLOOR)
    waiting.sending(FLOOR)
    sender = asyncio.create_task(waiting.until_open())
    await asyncio.sleep(0)

    gone.close()

    await asyncio.wait_for(sender, 5)
    assert budget.unacked == FLOOR


# -- a real server, and a hundred clients that never read ----------------------------------

SOCKETS = 100
WINDOW = 2 * MiB
BUDGET = 8 * MiB
# What the server may grow by for them, its process and what the kernel holds for its
# connections: three times the budget and a floor a socket, plus its own slack. Without the
# budget, each socket would have its window unread: 200 MiB.
BOUND = 3 * (BUDGET + SOCKETS * FLOOR) + 48 * MiB


@pytest.fixture
def server(upstream_server, tmp_path):
    started = serve_app(
        upstream_server.base_url,
        tmp_path / "db.sqlite3",
        STREAMDEMO_SOCKET_WINDOW_BYTES=str(WINDOW),
        STREAMDEMO_UNREAD_BYTES=str(BUDGET),
        # One visitor holds every socket here: its share is not what this test is about.
        STREAMDEMO_SESSION_SOCKETS=str(SOCKETS + 1),
        STREAMDEMO_RESUME_BURST=str(SOCKETS + 1),
        STREAMDEMO_MESSAGES_PER_SECOND="100000",
        STREAMDEMO_MAX_ANSWER_BYTES=str(4 * MiB),
    )
    yield started
    started.stop()


async def test_a_hundred_sockets_that_never_read_hold_the_server_to_its_budget(server, upstream):
    # 3 MB, more than each socket's window, resumed from its start by sockets that read nothing.
    chunks = [f"{n:05}" + "x" * 995 for n in range(3000)]
    upstream.will_answer(Script(chunks=chunks))
    async with browser_with_session(server.url) as (browser, session):
        async with browser.ws_connect(server.url + "/ws/chat/", origin=server.url) as tab:
            await tab.send_json({"type": "ask", "question": "Say a lot", "render": False})
            # Up to its last piece: the final frame, carrying 3 MB, is more than daphne sends.
            asked = await read_acknowledging(tab, lambda frame: frame.get("seq") == 2999)
        resume = {"type": "resume", "reply": asked[0]["reply"], "after": -1, "render": False}
        process = psutil.Process(server.process.pid)
        before = process.memory_info().rss

        unread = await unread_sending(server.port, session, SOCKETS, resume)
        # A socket that reads gets the whole answer meanwhile, acknowledging as the page does.
        async with browser.ws_connect(server.url + "/ws/chat/", origin=server.url) as tab:
            await tab.send_json(resume)
            resumed = await read_acknowledging(tab, lambda frame: frame.get("seq") == 2999)
        grown = process.memory_info().rss - before + unsent_bytes(server.port)
        for socket in unread:
            socket.close()

    assert "".join(f["content"] for f in resumed if f["type"] == "delta") == "".join(chunks)
    assert grown < BOUND, f"the server grew by {grown / MiB:.0f} MiB"
