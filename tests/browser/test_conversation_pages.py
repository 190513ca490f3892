import re

import pytest
from playwright.sync_api import expect

from tests.browser.actions import ask, last_turn
from tests.support.upstream import Script

pytestmark = pytest.mark.browser

CONVERSATION_URL = re.compile(r"/c/[0-9a-f-]{36}/$")


def test_a_reload_shows_the_conversation_with_its_rendered_history(chat, upstream):
    upstream.will_answer(Script(chunks=["The sky is **blue**", " because of Rayleigh scattering."]))
    ask(chat, "Why is the sky blue?")
    expect(last_turn(chat)).to_have_attribute("data-status", "done")
    expect(chat).to_have_url(CONVERSATION_URL)

    chat.reload()

    turn = last_turn(chat)
    expect(turn.locator(".question")).to_have_text("Why is the sky blue?")
    expect(turn.locator(".answer strong")).to_have_text("blue")
    expect(turn.locator(".answer")).to_have_text("The sky is blue because of Rayleigh scattering.")
    expect(turn.locator(".stats")).to_contain_text("gpt-4")
    expect(chat.locator("#conversations a[aria-current='page']")).to_have_text(
        "Why is the sky blue?"
    )


def test_later_questions_send_the_earlier_turns_as_context(chat, upstream):
    upstream.will_answer(Script(chunks=["Blue."]), Script(chunks=["Green."]))
    ask(chat, "Name a colour.")
    expect(last_turn(chat)).to_have_attribute("data-status", "done")

    ask(chat, "Another one?")

    expect(last_turn(chat).locator(".answer")).to_have_text("Green.")
    assert upstream.exchanges[1].messages == [
        {"role": "user", "content": "Name a colour."},
        {"role": "assistant", "content": "Blue."},
        {"role": "user", "content": "Another one?"},
    ]


def test_new_chat_starts_afresh_and_the_sidebar_keeps_both_newest_first(chat, upstream):
    upstream.will_answer(Script(chunks=["One."]), Script(chunks=["Two."]))
    ask(chat, "First conversation")
    expect(last_turn(chat)).to_have_attribute("data-status", "done")

    chat.get_by_role("link", name="+ New chat").click()
    expect(chat.locator("#log .turn")).to_have_count(0)
    ask(chat, "Second conversation")
    expect(last_turn(chat)).to_have_attribute("data-status", "done")

    expect(chat.locator("#conversations a")).to_have_text(
        ["Second conversation", "First conversation"]
    )
    chat.get_by_role("link", name="First conversation").click()
    expect(last_turn(chat).locator(".answer")).to_have_text("One.")


def test_a_stopped_answer_is_still_marked_stopped_after_a_reload(chat, upstream):
    upstream.will_answer(Script(chunks=["Only", " this"], gated=True))
    ask(chat, "Go on and on")
    upstream.release()
    expect(last_turn(chat).locator(".answer")).to_have_text("Only this")
    chat.get_by_role("button", name="Stop").click()
    expect(last_turn(chat)).to_have_attribute("data-status", "stopped")

    chat.reload()

    expect(last_turn(chat)).to_have_attribute("data-status", "stopped")
    expect(last_turn(chat).locator(".answer")).to_have_text("Only this")
    expect(last_turn(chat).locator(".outcome")).to_have_text("Stopped: the answer so far is kept.")


def test_a_reload_mid_answer_picks_the_answer_up_and_shows_it_whole_once(chat, upstream):
    chunks = ["Resumed", " answers", " arrive", " whole", " once."]
    upstream.will_answer(Script(chunks=chunks, gated=True))
    ask(chat, "Survive a reload")
    upstream.release(2)
    expect(last_turn(chat).locator(".answer")).to_have_text("Resumed answers arrive")

    chat.reload()

    turn = last_turn(chat)
    expect(turn.locator(".answer")).to_have_text("Resumed answers arrive")
    expect(turn).to_have_attribute("data-status", "streaming")
    upstream.release(3)
    expect(turn).to_have_attribute("data-status", "done")
    expect(turn.locator(".answer")).to_have_text("".join(chunks))
    expect(chat.locator("#log .turn")).to_have_count(1)


def test_the_export_link_downloads_the_conversation_as_markdown(chat, upstream):
    upstream.will_answer(Script(chunks=["**Blue**", ", mostly."]))
    ask(chat, "Sky colour?")
    expect(last_turn(chat)).to_have_attribute("data-status", "done")

    with chat.expect_download() as download:
        chat.get_by_role("link", name="Export .md").click()

    assert download.value.suggested_filename == "sky-colour.md"
    with open(download.value.path(), encoding="utf-8") as exported:
        # Each text fenced: nothing an answer holds can pass for the export's own structure.
        assert exported.read().endswith(
            "## Question\n\n```text\nSky colour?\n```\n\n"
            "## Answer\n\n```markdown\n**Blue**, mostly.\n```\n"
        )


def test_a_second_tab_follows_the_answer_live_and_can_stop_it(chat, upstream):
    upstream.will_answer(Script(chunks=["Two", " tabs", " one", " answer"], gated=True))
    ask(chat, "Watch from two tabs")
    upstream.release()
    expect(last_turn(chat).locator(".answer")).to_have_text("Two tabs")

    second = chat.context.new_page()
    second.goto(chat.url)
    following = last_turn(second)
    expect(following.locator(".answer")).to_have_text("Two tabs")
    upstream.release()
    expect(following.locator(".answer")).to_have_text("Two tabs one")
    expect(last_turn(chat).locator(".answer")).to_have_text("Two tabs one")
    second.get_by_role("button", name="Stop").click()

    expect(following).to_have_attribute("data-status", "stopped")
    expect(last_turn(chat)).to_have_attribute("data-status", "stopped")
    expect(last_turn(chat).locator(".answer")).to_have_text("Two tabs one")
    assert upstream.exchanges[0].closed.wait(10)


def test_another_browser_cannot_open_the_conversation(chat, upstream, browser):
    upstream.will_answer(Script(chunks=["Private."]))
    ask(chat, "Just for me")
    expect(last_turn(chat)).to_have_attribute("data-status", "done")

    stranger = browser.new_context().new_page()
    response = stranger.goto(chat.url)

    assert response.status == 404
    expect(stranger.get_by_text("Private.")).to_have_count(0)
    expect(stranger.get_by_text("belongs to another browser")).to_be_visible()
    stranger.context.close()


def test_turns_left_out_of_the_models_context_are_marked_live_and_after_a_reload(chat, upstream):
    # 1,200 characters: two such turns outgrow the 2,000 the test server gives the context.
    long = "word " * 240
    upstream.will_answer(Script(chunks=[long]), Script(chunks=[long]), Script(chunks=["Short."]))
    ask(chat, "First?")
    expect(last_turn(chat)).to_have_attribute("data-status", "done")
    ask(chat, "Second?")
    expect(last_turn(chat)).to_have_attribute("data-status", "done")
    turns = chat.locator("#log .turn")
    expect(turns.nth(0)).not_to_have_attribute("data-left-out", "")

    ask(chat, "Third?")

    expect(last_turn(chat)).to_have_attribute("data-status", "done")
    for _ in range(2):  # live, then as the server shows it
        expect(turns.nth(0)).to_have_attribute("data-left-out", "")
        expect(turns.nth(0).get_by_text("Left out of what the model received")).to_be_visible()
        expect(turns.nth(1).get_by_text("Left out of what the model received")).to_be_hidden()
        expect(turns.nth(2)).not_to_have_attribute("data-left-out", "")
        chat.reload()
    assert upstream.exchanges[2].messages[0] == {"role": "user", "content": "Second?"}
