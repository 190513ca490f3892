"""An answer's markdown as top-level blocks, and which of them can no longer change.

markdown-it parses blocks (paragraphs, headings, lists, quotes, fences, tables) with the lines
each spans. A block is *settled* once nothing written after it can change it: then it is
rendered once and kept, and later renderings start where it ends. Each block's HTML is exactly
one top-level element, so a client can keep the first blocks it has and replace the rest.

When is a block settled? markdown-it decides where a block ends from the line that follows it
(the line starts another block, or a blank line came before it), and a table's header line
interrupts a paragraph only once the delimiter row under it is there: one line of lookahead.
So a block is settled when the line that starts the next block, and the line after that, are
both complete (ended by a line break). An open fence, a list or quote that the next line may
continue (lazily or indented), a paragraph that an underline may turn into a heading, a table
that may gain rows: each is the last block, or the line after it is not written yet.
Reference definitions later in the text are not known while streaming: the final rendering,
of the whole text at once, has them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from html import escape

from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType

from chat.rendering.markdown import MARKDOWN, complete_partial_table, sanitise

_LINE_BREAK = re.compile(r"\r\n?|\n")
# The core rules after the block parser: inline parsing and what follows it, in order.
_INLINE_RULES = [
    rule.fn for rule in MARKDOWN.core.ruler.__rules__ if rule.name not in ("normalize", "block")
]
_NORMALIZE = next(rule.fn for rule in MARKDOWN.core.ruler.__rules__ if rule.name == "normalize")


@dataclass(frozen=True)
class Region:
    """A text rendered block by block."""

    blocks: tuple[str, ...]
    # How many of the leading blocks can no longer change, and where in the text the first
    # block that may still change begins (the whole text's length when all are settled).
    settled: int
    settled_chars: int


def render_region(text: str, *, final: bool, block_chars: int) -> Region:
    """Render `text`, which begins a block, block by block; with `final`, the text is whole.

    A block longer than `block_chars` is shown as escaped preformatted text: rendering it could
    cost too much, and it is not worth a reader's while as markdown.
    """
    source = text if final else complete_partial_table(text)
    state = StateCore(source, MARKDOWN, {})
    _NORMALIZE(state)  # line breaks as "\n", NUL as U+FFFD; the lines stay the same lines
    MARKDOWN.block.parse(state.src, MARKDOWN, state.env, state.tokens)
    starts = [0, *(match.end() for match in _LINE_BREAK.finditer(text))]
    # A text ending in "\r" may go on with "\n": that line break is not sure yet.
    complete = len(starts) - 1 - (1 if text.endswith("\r") else 0)

    def offset(line: int) -> int:
        return starts[line] if line < len(starts) else len(text)

    groups = list(top_level(state.tokens))
    lines = [_lines(group) for group in groups]
    settled = len(groups)
    if not final:
        settled = 0
        while settled + 1 < len(groups) and lines[settled + 1][0] + 1 < complete:
            settled += 1
    blocks = []
    for group, (first, end) in zip(groups, lines, strict=True):
        length = offset(end) - offset(first)
        if length > block_chars:
            blocks.append(
                unformatted(text[offset(first) : offset(end)], too_long_note(block_chars))
            )
        else:
            blocks.append(_render(group, state.env))
    # What comes before the first block may still become part of it: kept until that settles.
    settled_chars = len(text) if final else offset(lines[settled][0]) if settled else 0
    return Region(tuple(blocks), settled, settled_chars)


def top_level(tokens: Sequence[Token]) -> Iterator[Sequence[Token]]:
    """The tokens of each top-level block, in order."""
    begins = 0
    for index, token in enumerate(tokens):
        if token.level == 0 and token.nesting <= 0:
            yield tokens[begins : index + 1]
            begins = index + 1


def _lines(group: Sequence[Token]) -> tuple[int, int]:
    first = group[0].map
    assert first is not None  # every top-level block token says which lines it spans
    return first[0], first[1]


def _render(group: Sequence[Token], env: EnvType) -> str:
    state = StateCore("", MARKDOWN, env)
    state.tokens = list(group)
    for rule in _INLINE_RULES:
        rule(state)
    return sanitise(MARKDOWN.renderer.render(state.tokens, MARKDOWN.options, env))


def unformatted(text: str, note: str) -> str:
    """`text` as it is, escaped, in one preformatted element that says why (NUL shown as
    U+FFFD, as markdown-it and browsers do)."""
    shown = escape(text.replace("\0", "\ufffd"))
    return f'<pre class="unformatted" data-note="{escape(note)}">{shown}</pre>\n'


def too_long_note(limit: int) -> str:
    return f"This part is over {limit:,} characters long: shown as plain text, unformatted."
