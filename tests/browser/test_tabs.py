"""Two tabs of one browser on one conversation: in step, and never overwriting each other."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.actions import ask, last_turn
from tests.browser.sockets import SocketTap, wait_until
from tests.support.upstream import Script

pytestmark = pytest.mark.browser


def connected(page: Page) -> None:
    page.locator("#status[data-state='connected']").wait_for()


def open_beside(page: Page) -> tuple[Page, SocketTap]:
    """A second tab on the conversation `page` shows, once its socket shows it too."""
    other = page.context.new_page()
    tap = SocketTap(other)
    other.goto(page.url)
    # Its socket asks to show the conversation; the server says once it does.
    wait_until(other, lambda: tap.frames("watching"), "the second tab to show the conversation")
    return other, tap


def done(page: Page) -> None:
    expect(last_turn(page)).to_have_attribute("data-status", "done")


def test_a_second_tab_shows_answers_asked_in_the_first_live_and_their_regenerations(chat, upstream):
    upstream.will_answer(
        Script(chunks=["First."]),
        Script(chunks=["**Live**", " from", " the", " first", " tab."], gated=True),
        Script(chunks=["Asked", " again."]),
    )
    ask(chat, "One?")
    done(chat)
    second, _ = open_beside(chat)

    ask(chat, "Two?")

    turn = last_turn(second)
    expect(turn.locator(".question")).to_have_text("Two?")
    expect(turn.locator(".answer")).to_have_text("Live")
    expect(turn).to_have_attribute("data-status", "streaming")
    shown = "Live"
    for chunk in [" from", " the", " first", " tab."]:
        upstream.release()
        shown += chunk
        expect(turn.locator(".answer")).to_have_text(shown)
    upstream.release()
    done(second)
    expect(turn.locator(".rendered strong")).to_have_text("Live")  # rendered as in the first tab
    expect(second.locator("#log .question")).to_have_text(["One?", "Two?"])

    chat.get_by_role("button", name="Regenerate").click()

    expect(last_turn(second).locator(".answer")).to_have_text("Asked again.")
    done(second)
    expect(second.locator("#log .question")).to_have_text(["One?", "Two?"])
    expect(second.locator("#log .answer")).to_have_text(["First.", "Asked again."])


def fall_behind(page: Page, tap: SocketTap) -> Page:
    """`page` goes offline; another tab of the same browser opens its conversation meanwhile."""
    tap.go_offline()
    expect(page.locator("#status")).to_have_attribute("data-state", "offline")
    other = page.context.new_page()
    other.goto(page.url)
    connected(other)
    return other


def back_online(page: Page, tap: SocketTap) -> None:
    tap.go_online()
    wait_until(page, lambda: tap.routes, "the page to connect again")
    connected(page)


def back_online_unaware(page: Page, tap: SocketTap) -> None:
    """Back online, but as a page that never heard of what the other tab asked: its request to
    show the conversation is lost, as when the two tabs ask in the same instant."""
    tap.drop("watch")
    back_online(page, tap)


def test_a_tab_back_online_shows_the_turns_asked_meanwhile_and_follows_the_running_one(
    page, upstream
):
    tap = SocketTap(page)
    page.goto("/")
    connected(page)
    upstream.will_answer(
        Script(chunks=["Answer one."]), Script(chunks=["Answer", " two."], gated=True)
    )
    ask(page, "Question one?")
    done(page)
    other = fall_behind(page, tap)
    ask(other, "Question two?")
    expect(last_turn(other).locator(".answer")).to_have_text("Answer")

    back_online(page, tap)

    expect(page.locator("#log .question")).to_have_text(["Question one?", "Question two?"])
    expect(last_turn(page).locator(".answer")).to_have_text("Answer")
    upstream.release(2)
    expect(last_turn(page).locator(".answer")).to_have_text("Answer two.")
    done(page)


def test_a_regenerate_from_a_tab_that_missed_a_newer_question_replaces_nothing(page, upstream):
    tap = SocketTap(page)
    page.goto("/")
    connected(page)
    upstream.will_answer(Script(chunks=["Answer one."]), Script(chunks=["Answer two."]))
    ask(page, "Question one?")
    done(page)
    other = fall_behind(page, tap)
    ask(other, "Question two?")
    done(other)
    back_online_unaware(page, tap)
    expect(page.locator("#log .turn")).to_have_count(1)

    page.get_by_role("button", name="Regenerate").click()

    expect(page.get_by_role("alert")).to_contain_text("has changed since this page showed it")
    expect(page.locator("#log .question")).to_have_text(["Question one?", "Question two?"])
    expect(page.locator("#log .answer")).to_have_text(["Answer one.", "Answer two."])
    expect(page.get_by_label("Your question")).to_have_value("Question one?")
    assert len(upstream.exchanges) == 2
    other.reload()
    expect(other.locator("#log .answer")).to_have_text(["Answer one.", "Answer two."])


def test_a_question_asked_while_another_tab_is_answered_is_kept_and_the_reason_said(page, upstream):
    tap = SocketTap(page)
    page.goto("/")
    connected(page)
    upstream.will_answer(
        Script(chunks=["Answer one."]), Script(chunks=["Still", " going"], gated=True)
    )
    ask(page, "Question one?")
    done(page)
    other = fall_behind(page, tap)
    ask(other, "Question two?")
    expect(last_turn(other).locator(".answer")).to_have_text("Still")
    back_online_unaware(page, tap)

    ask(page, "Question three?")

    expect(page.get_by_role("alert")).to_contain_text("still answering another question")
    expect(page.get_by_text("still answering another question")).to_have_count(1)
    expect(page.get_by_label("Your question")).to_have_value("Question three?")
    expect(page.locator("#log .question")).to_have_text(["Question one?"])
    upstream.release(2)
    done(other)
    assert len(upstream.exchanges) == 2
