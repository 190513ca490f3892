"""The page names its icon, so the browser fetches it instead of a /favicon.ico that 404s.

Chromium asks for /favicon.ico on its own when a page names no icon, but that request is the
browser's, not the page's: Playwright never reports it. What the tests can see, and what stops
the 404 in the server's log, is the page's own `<link rel="icon">` being fetched and decoded.
"""

import pytest
from playwright.sync_api import Page, Request, Response

pytestmark = pytest.mark.browser


def is_icon(response: Response) -> bool:
    return "/static/chat/icon" in response.url


def test_loading_the_page_fetches_its_icon_and_nothing_fails(page: Page):
    failed: list[str] = []

    def note_error(response: Response) -> None:
        if response.status >= 400:
            failed.append(f"HTTP {response.status} {response.url}")

    def note_failure(request: Request) -> None:
        failed.append(f"{request.failure} {request.url}")

    page.on("response", note_error)
    page.on("requestfailed", note_failure)

    # Chromium fetches the icon once the document has loaded, and the page connects its socket
    # once its script has run: with both awaited, everything the page loads has come.
    with page.expect_response(is_icon, timeout=15_000) as icon:
        page.goto("/")
    page.locator("#status[data-state='connected']").wait_for()

    assert icon.value.status == 200
    assert failed == []


def test_the_icon_link_resolves_to_an_svg_the_browser_can_draw(page: Page):
    page.goto("/")
    links = page.locator("link[rel='icon']")
    assert links.count() == 1
    href = links.get_attribute("href")
    assert href is not None

    response = page.request.get(href)

    assert response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    # Served is not enough: a malformed SVG would be served too, and show no icon.
    width = page.evaluate(
        """async (href) => {
          const image = new Image();
          image.src = href;
          await image.decode();
          return image.naturalWidth;
        }""",
        href,
    )
    assert width > 0
