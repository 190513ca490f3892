"""The server serving the page restarts mid-answer: the page keeps what it showed, and says so."""

import pytest
from playwright.sync_api import expect

from chat.endings import RESTARTED
from tests.browser.actions import ask, last_turn
from tests.browser.conftest import app_env, prepare
from tests.support.daphne import Daphne
from tests.support.upstream import Script

pytestmark = pytest.mark.browser


def test_a_restart_mid_answer_keeps_the_text_shown_and_marks_it_with_the_servers_note(
    page, upstream, tmp_path
):
    env = app_env(tmp_path, upstream.base_url)
    server = prepare(Daphne(env)).start()
    try:
        upstream.will_answer(Script(chunks=["Kept", " across", " a", " restart", "."], gated=True))
        page.goto(f"{server.url}/")
        page.locator("#status[data-state='connected']").wait_for()
        ask(page, "Survive a restart")
        upstream.release(2)
        turn = last_turn(page)
        expect(turn.locator(".answer")).to_have_text("Kept across a")

        server.stop()  # SIGTERM: the server ends the reply as interrupted, with its text saved
        expect(page.locator("#status")).to_have_attribute("data-state", "offline")
        server = Daphne(env, port=server.port).start()
        page.evaluate("window.dispatchEvent(new Event('online'))")  # no need to wait it out

        for _ in range(2):  # picked up by the page's socket, then on a reload
            expect(turn).to_have_attribute("data-status", "failed")
            expect(turn.locator(".outcome")).to_have_text(f"Cut off: {RESTARTED}")
            expect(turn.locator(".answer")).to_have_text("Kept across a")
            page.reload()
            turn = last_turn(page)
        assert len(upstream.exchanges) == 1
    finally:
        server.stop()
