"""How much markdown an answer may make the server render (README, "Limits").

Past `STREAMDEMO_RENDER_MAX_CHARS` an answer is shown as escaped preformatted text, and past
`STREAMDEMO_RENDER_BLOCK_CHARS` a single block is: rendering costs time in proportion to the
text (up to some 15 µs a character for hostile input), and either limit bounds what one answer
can take. The element says why, for the page to show.
"""

from __future__ import annotations

from django.conf import settings

from chat.rendering.blocks import render_part, render_region, unformatted


def max_chars() -> int:
    return int(settings.STREAMDEMO_RENDER_MAX_CHARS)


def block_chars() -> int:
    return int(settings.STREAMDEMO_RENDER_BLOCK_CHARS)


def too_long(text: str, limit: int) -> tuple[str, ...]:
    """The rendering of an answer over the budget: its text, as it is."""
    note = f"This answer is over {limit:,} characters long: shown as plain text, unformatted."
    return (unformatted(text, note),)


def whole(text: str, limit: int, block_limit: int) -> tuple[str, ...]:
    """The blocks of a whole answer's rendering, within the budget."""
    if len(text) > limit:
        return too_long(text, limit)
    return render_region(text, final=True, block_chars=block_limit).blocks


def whole_part(
    text: str, limit: int, block_limit: int, first: int, part_chars: int
) -> tuple[tuple[str, ...], int | None]:
    """The blocks of `whole`'s rendering from block `first` on, about `part_chars` of the text
    of them, and the block to go on from (None: done); see `blocks.render_part`."""
    if len(text) > limit:
        return too_long(text, limit), None
    return render_part(text, block_chars=block_limit, first=first, part_chars=part_chars)


def render_markdown(text: str) -> str:
    """The whole answer's sanitised HTML, as it is stored once the answer has ended."""
    return "".join(whole(text, max_chars(), block_chars()))
