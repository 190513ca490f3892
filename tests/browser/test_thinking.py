"""What a reasoning model thinks before it answers, in its own block above the answer."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.actions import ask, last_turn
from tests.support.upstream import Script

pytestmark = pytest.mark.browser

THOUGHT_FOR = re.compile(r"^Thought for \d+(\.\d)? s$")


def test_the_thinking_streams_folds_once_the_answer_begins_and_comes_back_after_a_reload(
    chat, upstream
):
    upstream.will_answer(
        Script(
            reasoning=["Let me", " think about", " <b>this</b>."],
            reasoning_as="reasoning",
            chunks=["The", " answer."],
            gated=True,
        )
    )

    ask(chat, "Think first")

    turn = last_turn(chat)
    thinking, thought = turn.locator(".thinking"), turn.locator(".thought")
    expect(thought).to_have_text("Let me")
    expect(thinking).to_have_attribute("open", "")
    expect(thinking.locator("summary")).to_have_text("Thinking…")
    upstream.release()
    expect(thought).to_have_text("Let me think about")
    upstream.release()
    expect(thought).to_have_text("Let me think about <b>this</b>.")
    expect(thought.locator("b")).to_have_count(0)  # model output, shown as the text it is
    expect(turn.locator(".answer")).to_have_text("")

    upstream.release()

    expect(turn.locator(".answer")).to_have_text("The")
    expect(thinking).not_to_have_attribute("open", "")
    expect(thinking.locator("summary")).to_have_text(THOUGHT_FOR)
    upstream.release(2)
    expect(turn).to_have_attribute("data-status", "done")
    expect(turn.locator(".answer")).to_have_text("The answer.")
    expect(thought).not_to_be_visible()
    thinking.locator("summary").click()
    expect(thought).to_be_visible()
    expect(thought).to_have_text("Let me think about <b>this</b>.")

    chat.reload()

    turn = last_turn(chat)
    expect(turn.locator(".answer")).to_have_text("The answer.")
    expect(turn.locator(".thinking summary")).to_have_text(THOUGHT_FOR)
    expect(turn.locator(".thought")).not_to_be_visible()
    turn.locator(".thinking summary").click()
    expect(turn.locator(".thought")).to_have_text("Let me think about <b>this</b>.")


def test_a_reload_while_it_thinks_picks_the_thinking_up_and_stop_keeps_it(chat, upstream):
    upstream.will_answer(
        Script(reasoning=["Step one.", " Step two."], chunks=["Never shown."], gated=True)
    )
    ask(chat, "Think hard")
    expect(last_turn(chat).locator(".thought")).to_have_text("Step one.")

    chat.reload()

    turn = last_turn(chat)
    expect(turn.locator(".thought")).to_have_text("Step one.")
    expect(turn).to_have_attribute("data-status", "streaming")
    upstream.release()
    expect(turn.locator(".thought")).to_have_text("Step one. Step two.")
    chat.get_by_role("button", name="Stop").click()
    expect(turn).to_have_attribute("data-status", "stopped")
    expect(turn.locator(".thought")).to_have_text("Step one. Step two.")
    expect(turn.locator(".thought")).to_be_visible()
    expect(turn.locator(".answer")).to_have_text("")
    expect(turn.get_by_role("button", name="Copy answer")).to_have_count(0)
