from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.actions import ask, last_turn
from tests.support.upstream import Script

pytestmark = pytest.mark.browser

# Each would set window.pwned, open a dialog or fetch from evil.example if it ever ran.
HOSTILE_CHUNKS = [
    "<script>window.pwned = 1; alert('script')</script>\n\n",
    "<img src=https://evil.example/x.png onerror=\"window.pwned = 1; alert('img')\">\n\n",
    '<svg onload="window.pwned = 1"></svg>\n\n',
    "[click me](javascript:window.pwned=1) and <a href=\"javascript:alert('a')\">me</a>\n\n",
    '<iframe src="https://evil.example/frame"></iframe>\n\n',
    '<p style="background:url(https://evil.example/bg.png)">styled</p>\n\n',
    "![pixel](https://evil.example/pixel.png)\n\n",
    "![inline](data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGBgAAAABQABh6FO1AAAAABJRU5ErkJggg==)\n\n",
    "[data page](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)\n\n",
    "| table | <img src=x onerror=alert('cell')> |\n|---|---|\n| [x](javascript:alert(1)) | ok |\n",
]


def test_every_hostile_payload_in_an_answer_stays_inert(chat, upstream, base_url):
    dialogs, foreign = [], []
    chat.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    own_host = urlsplit(base_url).netloc
    chat.on(
        "request",
        lambda request: (
            foreign.append(request.url) if urlsplit(request.url).netloc != own_host else None
        ),
    )
    upstream.will_answer(Script(chunks=HOSTILE_CHUNKS))

    ask(chat, "Show me some HTML")

    turn = last_turn(chat)
    expect(turn).to_have_attribute("data-status", "done")
    answer = turn.locator(".answer")
    # What a model writes as HTML is shown as text, so the reader sees what was written.
    expect(answer).to_contain_text("<script>window.pwned = 1;")
    expect(answer.locator("table")).to_be_visible()
    expect(answer.locator("script, img, svg, iframe, object, embed, [style]")).to_have_count(0)
    for href in answer.locator("a[href]").evaluate_all("links => links.map(a => a.href)"):
        assert href.startswith(("https://", "http://", "mailto:")), href
    # Following every link the answer holds that is not an ordinary web address runs nothing.
    for link in answer.locator("a:not([href^='http'])").all():
        link.click()
    assert chat.evaluate("window.pwned") is None
    assert dialogs == []
    assert foreign == []
