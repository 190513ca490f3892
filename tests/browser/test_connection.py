import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.actions import ask, last_turn
from tests.browser.conftest import app_env, prepare
from tests.support.daphne import Daphne
from tests.support.upstream import Script

pytestmark = pytest.mark.browser

CHAT_SOCKET = re.compile(r"/ws/chat/$")


def connected(page):
    page.locator("#status[data-state='connected']").wait_for()


def test_a_question_lost_with_the_connection_goes_back_to_the_box_said_once(page, upstream):
    def drop_every_ask(socket):
        server = socket.connect_to_server()

        def from_page(message):
            if json.loads(message).get("type") == "ask":
                socket.close()
                server.close()
            else:
                server.send(message)

        socket.on_message(from_page)

    page.route_web_socket(CHAT_SOCKET, drop_every_ask)
    page.goto("/")
    connected(page)

    ask(page, "Will this arrive?")

    expect(page.get_by_role("alert")).to_contain_text("was not sent")
    expect(page.get_by_label("Your question")).to_have_value("Will this arrive?")
    # No empty turn stays behind, and the reason is said once, not again in the log.
    expect(page.locator("#log .turn")).to_have_count(0)
    expect(page.get_by_text("was not sent")).to_have_count(1)
    assert upstream.exchanges == []


def test_the_page_shows_a_drop_reconnects_and_resumes_the_answer_without_gaps(page, upstream):
    sockets = []

    def record(socket):
        sockets.append((socket, socket.connect_to_server()))

    page.route_web_socket(CHAT_SOCKET, record)
    page.goto("/")
    connected(page)
    chunks = ["Nothing", " is", " lost", " in", " a", " drop."]
    upstream.will_answer(Script(chunks=chunks, gated=True))
    ask(page, "Survive a drop")
    upstream.release(2)
    turn = last_turn(page)
    expect(turn.locator(".answer")).to_have_text("Nothing is lost")

    for side in sockets[0]:
        side.close()

    expect(page.locator("#status")).to_have_attribute("data-state", "offline")
    expect(page.locator("#status")).to_contain_text("reconnecting")
    connected(page)
    upstream.release(4)
    expect(turn).to_have_attribute("data-status", "done")
    expect(turn.locator(".answer")).to_have_text("".join(chunks))
    assert len(upstream.exchanges) == 1


def test_a_question_that_arrived_just_before_a_drop_is_answered_not_marked_unsent(page, upstream):
    dropped = []

    def drop_after_the_first_ask(socket):
        server = socket.connect_to_server()

        def from_page(message):
            server.send(message)
            if json.loads(message).get("type") == "ask" and not dropped:
                # The server has the question; the page loses the socket before `start`.
                dropped.append(True)
                socket.close()
                server.close()

        socket.on_message(from_page)

    upstream.will_answer(Script(chunks=["It", " did", " arrive."], gated=True))
    page.route_web_socket(CHAT_SOCKET, drop_after_the_first_ask)
    page.goto("/")
    connected(page)

    ask(page, "Did it arrive?")
    upstream.release(3)

    turn = last_turn(page)
    expect(turn.locator(".answer")).to_have_text("It did arrive.")
    expect(turn).to_have_attribute("data-status", "done")
    assert len(upstream.exchanges) == 1


def test_an_answer_many_times_the_sockets_window_arrives_whole(chat, upstream):
    # 400 KB against a window of 128 KiB: the server sends the rest only as the page
    # acknowledges what it has received.
    chunks = [f"{n:04} " + "lorem ipsum dolor sit amet " * 150 for n in range(100)]
    upstream.will_answer(Script(chunks=chunks))

    ask(chat, "Say a lot")

    turn = last_turn(chat)
    expect(turn).to_have_attribute("data-status", "done")
    # Too long to render, the answer is shown as plain text, with a Copy button like any block.
    shown = turn.locator(".answer pre").inner_text()
    assert shown == "".join(chunks)


def test_a_tab_beyond_the_sessions_share_of_sockets_says_so(page, upstream, tmp_path):
    env = {**app_env(tmp_path, upstream.base_url), "STREAMDEMO_SESSION_SOCKETS": "1"}
    server = prepare(Daphne(env)).start()
    try:
        page.goto(f"{server.url}/")
        page.locator("#status[data-state='connected']").wait_for()
        second = page.context.new_page()  # the same browser: the same session
        second.goto(f"{server.url}/")

        status = second.locator("#status")
        expect(status).to_have_attribute("data-state", "offline")
        expect(status).to_contain_text("too many connections from this browser or network")
        expect(page.locator("#status")).to_have_attribute("data-state", "connected")
    finally:
        server.stop()
