"""The line under an answer: who answered, when its first token came, its pace, its tokens."""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.actions import ask, last_turn
from tests.browser.sockets import SocketTap
from tests.support.upstream import Script

pytestmark = pytest.mark.browser

RATE = re.compile(r"(\d+\.\d) chunks/s")


def shown_ms(page: Page, ms: int) -> str:
    """Milliseconds as the stats line writes them."""
    return page.evaluate("ms => ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`", ms)


def rate(stats: Locator) -> float:
    return float(RATE.search(stats.text_content())[1])


def test_first_token_counts_from_the_ask_and_a_joining_tab_shows_the_replys_own_pace(
    page, upstream
):
    tap = SocketTap(page)
    page.goto("/")
    page.locator("#status[data-state='connected']").wait_for()
    upstream.will_answer(Script(chunks=["One", " two", " three"], gated=True))
    ask(page, "Count")
    upstream.release()
    expect(last_turn(page).locator(".answer")).to_have_text("One two")
    first_token_ms = tap.frames("start")[0]["stats"]["first_token_ms"]
    first_token = f"first token {shown_ms(page, first_token_ms)}"
    expect(last_turn(page).locator(".stats")).to_contain_text(first_token)

    joining = page.context.new_page()
    joined = SocketTap(joining)
    joining.goto(page.url)

    stats = last_turn(joining).locator(".stats")
    expect(last_turn(joining).locator(".answer")).to_have_text("One two")
    expect(stats).to_contain_text(first_token)
    expect(stats).to_contain_text(RATE)
    start = joined.frames("start")[0]["stats"]
    assert start["first_token_ms"] == first_token_ms
    # Two pieces over at least the time they took before the tab joined. Its catch-up burst
    # came all at once: counted from its own arrival, the rate would be far above this.
    streamed_for = (start["elapsed_ms"] - first_token_ms) / 1000
    assert 0 < rate(stats) <= 2 / streamed_for + 0.05
    upstream.release(2)
    expect(last_turn(joining)).to_have_attribute("data-status", "done")


def test_while_nothing_arrives_the_rate_keeps_falling(chat, upstream):
    upstream.will_answer(Script(chunks=["Slow", " then", " nothing"], gated=True))
    ask(chat, "Stall, please")
    upstream.release()
    stats = last_turn(chat).locator(".stats")
    expect(last_turn(chat).locator(".answer")).to_have_text("Slow then")
    expect(stats).to_contain_text(RATE)
    # Once it has changed with nothing arriving, every change is the clock's alone.
    expect(stats).not_to_have_text(stats.text_content())
    before = rate(stats)

    expect(stats).not_to_have_text(stats.text_content())

    assert rate(stats) < before
    upstream.release(2)
    expect(last_turn(chat)).to_have_attribute("data-status", "done")


def test_a_token_count_the_backend_did_not_send_is_shown_as_an_estimate(chat, upstream):
    upstream.will_answer(Script(chunks=["Counted", " by", " g4f."]))

    ask(chat, "Count my tokens")

    estimate = re.compile(r"≈ \d+ in \+ \d+ out tokens")
    expect(last_turn(chat)).to_have_attribute("data-status", "done")
    expect(last_turn(chat).locator(".stats")).to_contain_text(estimate)
    chat.reload()
    expect(last_turn(chat).locator(".stats")).to_contain_text(estimate)


def test_an_answer_that_never_began_says_so_keeps_who_was_asked_and_offers_no_copy(chat, upstream):
    upstream.will_answer(Script(fault="http_500"))

    ask(chat, "Will this fail?")

    turn = last_turn(chat)
    for _ in range(2):
        expect(turn).to_have_attribute("data-status", "failed")
        expect(turn.locator(".outcome")).to_have_text(re.compile(r"^No answer: .*HTTP 500"))
        expect(turn.locator(".stats")).to_contain_text(upstream.label)
        expect(turn.locator(".stats")).to_contain_text("gpt-4")
        expect(turn.get_by_role("button", name="Copy answer")).to_have_count(0)
        expect(chat.get_by_text("Cut off")).to_have_count(0)
        chat.reload()
        turn = last_turn(chat)
