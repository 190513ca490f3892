"""What a person does on the chat page, in the words the tests use."""

from playwright.sync_api import Locator, Page


def ask(page: Page, question: str) -> None:
    """Type a question and press Enter, as a person would."""
    page.get_by_label("Your question").fill(question)
    page.get_by_label("Your question").press("Enter")


def last_turn(page: Page) -> Locator:
    return page.locator("#log .turn").last
