"""The page keeps an answer's rendering up to date from frames that carry only what changed,
and ends with exactly the rendering the server stored."""

import sqlite3
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.actions import ask, last_turn
from tests.browser.sockets import SocketTap
from tests.support.upstream import Script

pytestmark = pytest.mark.browser

CHUNKS = [
    "## Steps\n\nFirst, install *both*:\n\n```bash\npip ins",
    "tall x\npip install y\n```\n\n1. one\n2. tw",
    "o, with `code`\n\n- a\n- b\n\n| name | score |\n|---|",
    "--:|\n| ann | 3 |\n| bob ",
    "| 4 |\n\n> quoted\n> more\n\n```python\ndef f():\n    return 1\n",
    "```\n\nDone.",
]

# The page's rendering with the Copy buttons it adds taken out, beside the stored HTML as the
# browser reads it.
AS_STORED = """([rendered, stored]) => {
  const live = rendered.cloneNode(true);
  for (const block of live.querySelectorAll(".code-block")) {
    block.replaceWith(block.querySelector("pre"));
  }
  const saved = document.createElement("div");
  saved.innerHTML = stored;
  return [live.innerHTML, saved.innerHTML];
}"""


def stored_rendering(app_server) -> str:
    database = urlparse(app_server.env["DATABASE_URL"]).path
    with sqlite3.connect(database) as connection:
        row = connection.execute("SELECT rendered FROM chat_turn ORDER BY id DESC LIMIT 1")
        return row.fetchone()[0]


def test_a_streamed_answer_ends_as_the_stored_rendering_and_a_reload_shows_the_same(
    page, upstream, app_server
):
    tap = SocketTap(page)
    page.goto("/")
    page.locator("#status[data-state='connected']").wait_for()
    upstream.will_answer(Script(chunks=CHUNKS, interval=0.6))

    ask(page, "Steps?")

    turn = last_turn(page)
    expect(turn).to_have_attribute("data-status", "done")
    renderings = tap.frames("html")
    assert any(frame.get("from", 0) > 0 for frame in renderings), renderings
    stored = stored_rendering(app_server)
    live, saved = page.evaluate(AS_STORED, [turn.locator(".rendered").element_handle(), stored])
    assert live == saved
    for element in ("<table>", "<ol>", "<ul>", "<blockquote>", 'class="language-python"'):
        assert element in saved
    shown = turn.locator(".rendered").inner_html()

    page.reload()
    page.locator("#status[data-state='connected']").wait_for()

    assert last_turn(page).locator(".rendered").inner_html() == shown


def test_a_block_too_long_to_render_shows_as_plain_text_and_says_so(chat, upstream):
    paragraph = "*not emphasis* " * 1400  # over STREAMDEMO_RENDER_BLOCK_CHARS
    upstream.will_answer(Script(chunks=["# Heading\n\n", paragraph, "\n\n**After.**"]))

    ask(chat, "A long paragraph?")

    turn = last_turn(chat)
    expect(turn).to_have_attribute("data-status", "done")
    plain = turn.locator(".rendered pre.unformatted")
    expect(plain).to_contain_text("*not emphasis* *not emphasis*")
    note = plain.evaluate("pre => getComputedStyle(pre, '::before').content")
    assert note == '"This part is over 20,000 characters long: shown as plain text, unformatted."'
    expect(turn.locator(".rendered h1")).to_have_text("Heading")
    expect(turn.locator(".rendered strong")).to_have_text("After.")
