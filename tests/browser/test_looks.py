import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.actions import ask, last_turn
from tests.support.upstream import Script

pytestmark = pytest.mark.browser

SHOWCASE = [
    "Here is a small **Python** function and how it behaves:\n\n",
    "```python\n",
    "def fizzbuzz(n: int) -> str:\n",
    '    """FizzBuzz for one number."""\n',
    '    return "Fizz" * (n % 3 == 0) + "Buzz" * (n % 5 == 0) or str(n)\n',
    "```\n\n",
    "| n | result |\n|---:|---|\n| 3 | Fizz |\n| 5 | Buzz |\n| 15 | FizzBuzz |\n\n",
    "- multiples of 3 say *Fizz*\n- multiples of 5 say *Buzz*\n",
]
WIDE = [
    "A_very_long_unbroken_identifier_that_would_push_the_page_sideways_if_it_could\n\n",
    "```\n" + "x = " + "1 + " * 60 + "1\n```\n\n",
    "| " + " | ".join(f"column {i}" for i in range(12)) + " |\n",
    "|" + "---|" * 12 + "\n",
    "| " + " | ".join(f"value {i}" for i in range(12)) + " |\n",
]


def background_brightness(page: Page) -> float:
    """Mean of the page background's red, green and blue, 0 (black) to 255 (white)."""
    return page.evaluate(
        """() => {
          const colour = getComputedStyle(document.body).backgroundColor;
          const [r, g, b] = colour.match(/\\d+/g).map(Number);
          return (r + g + b) / 3;
        }"""
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_page_follows_the_systems_colour_scheme(page, upstream, artifacts, scheme):
    page.set_viewport_size({"width": 1100, "height": 800})
    page.emulate_media(color_scheme=scheme)
    page.goto("/")
    page.locator("#status[data-state='connected']").wait_for()
    # Paced like a real model, so the stats in the screenshot read like a real answer's.
    usage = {"prompt_tokens": 18, "completion_tokens": 82, "total_tokens": 100}
    upstream.will_answer(Script(chunks=SHOWCASE, interval=0.04, usage=usage))

    ask(page, "Show me FizzBuzz in Python, with a table of examples")

    expect(last_turn(page)).to_have_attribute("data-status", "done")
    expect(last_turn(page).locator("table")).to_be_visible()
    if scheme == "dark":
        assert background_brightness(page) < 60
    else:
        assert background_brightness(page) > 200
    page.screenshot(path=artifacts / f"answer-{scheme}.png")


def test_at_375_pixels_wide_nothing_overflows_and_everything_stays_reachable(page, upstream):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/")
    page.locator("#status[data-state='connected']").wait_for()
    upstream.will_answer(Script(chunks=WIDE))

    ask(page, "Something wide")

    expect(last_turn(page)).to_have_attribute("data-status", "done")
    expect(last_turn(page).locator("table")).to_be_visible()
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    for name in ["Send", "Stop", "Regenerate", "Chats"]:
        expect(page.get_by_role("button", name=name, exact=True)).to_be_in_viewport()
    page.get_by_role("button", name="Chats").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Something wide")).to_be_in_viewport()
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="Something wide")).not_to_be_in_viewport()
    expect(page.get_by_role("button", name="Chats")).to_be_focused()


def test_the_question_box_does_not_move_while_an_answer_streams(chat, upstream):
    upstream.will_answer(Script(chunks=["Line\n\n"] * 30, gated=True))
    box = chat.get_by_label("Your question")
    before = box.bounding_box()

    ask(chat, "Make it long")
    upstream.release(29)
    expect(last_turn(chat).locator(".answer")).to_have_text(re.compile(r"^(Line\s*){30}$"))
    during = box.bounding_box()
    upstream.release()
    expect(last_turn(chat)).to_have_attribute("data-status", "done")

    assert during == before
    assert box.bounding_box() == before


def test_the_controls_are_reachable_with_the_keyboard(chat, upstream):
    upstream.will_answer(Script(chunks=["Done."]))
    ask(chat, "Hello")
    expect(last_turn(chat)).to_have_attribute("data-status", "done")

    reached = set()
    for _ in range(20):
        chat.keyboard.press("Tab")
        reached.add(chat.evaluate("(el => el.id || el.textContent)(document.activeElement)"))

    assert {"question", "model", "regenerate", "send", "Copy answer", "+ New chat"} <= reached


def test_at_375_pixels_a_wide_table_scrolls_sideways_and_breaks_no_word(page, upstream):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/")
    page.locator("#status[data-state='connected']").wait_for()
    words = ["neighbourhood", "extraordinary", "understanding", "international", "colourfulness"]
    upstream.will_answer(
        Script(
            chunks=[
                "| " + " | ".join(words) + " |\n",
                "|---" * len(words) + "|\n",
                "| a | b | c | d | e |\n",
            ]
        )
    )

    ask(page, "A wide table")

    table = last_turn(page).locator("table")
    expect(table).to_be_visible()
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")
    for cell in table.locator("th").all():
        lines = cell.evaluate(
            """th => { const range = document.createRange(); range.selectNodeContents(th);
                     return range.getClientRects().length; }"""
        )
        assert lines == 1, cell.text_content()
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
