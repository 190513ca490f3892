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
    parsed = _Parsed(text, final)
    groups, lines = parsed.groups, parsed.lines
    settled = len(groups)
    if not final:
        settled = 0
        while settled + 1 < len(groups) and lines[settled + 1][0] + 1 < parsed.complete:
            settled += 1
    blocks = [parsed.render(index, block_chars) for index in range(len(groups))]
    # What comes before the first block may still become part of it: kept until that settles.
    settled_chars = len(text) if final else parsed.offset(lines[settled][0]) if settled else 0
    return Region(tuple(blocks), settled, settled_chars)


def render_part(
    text: str, *, block_chars: int, first: int, part_chars: int
) -> tuple[tuple[str, ...], int | None]:
    """The blocks of the whole `text`'s rendering from block `first` on, as `render_region`
    with `final` renders them, until they span `part_chars` of the text (one at least); and
    the index of the block to render next, None after the last. A long answer rendered part
    by part takes several shorter turns (`fair_queue`) instead of one long one."""
    parsed = _Parsed(text, final=True)
    blocks: list[str] = []
    spanned, index = 0, first
    while index < len(parsed.groups) and (not blocks or spanned < part_chars):
        begins, ends = parsed.lines[index]
        spanned += parsed.offset(ends) - parsed.offset(begins)
        blocks.append(parsed.render(index, block_chars))
        index += 1
    return tuple(blocks), index if index < len(parsed.groups) else None


class _Parsed:
    """A text parsed into top-level blocks (markdown-it's block rules), each rendered on
    demand (its inline rules: most of the cost)."""

    def __init__(self, text: str, final: bool) -> None:
        self.text = text
        source = text if final else complete_partial_table(text)
        state = StateCore(source, MARKDOWN, {})
        _NORMALIZE(state)  # line breaks as "\n", NUL as U+FFFD; the lines stay the same lines
        MARKDOWN.block.parse(state.src, MARKDOWN, state.env, state.tokens)
        self.env = state.env
        self._starts = [0, *(match.end() for match in _LINE_BREAK.finditer(text))]
        # A text ending in "\r" may go on with "\n": that line break is not sure yet.
        self.complete = len(self._starts) - 1 - (1 if text.endswith("\r") else 0)
        self.groups = list(top_level(state.tokens))
        self.lines = [_lines(group) for group in self.groups]

    def offset(self, line: int) -> int:
        return self._starts[line] if line < len(self._starts) else len(self.text)

    def render(self, index: int, block_chars: int) -> str:
        first, end = self.lines[index]
        begins, ends = self.offset(first), self.offset(end)
        if ends - begins > block_chars:
            return unformatted(self.text[begins:ends], too_long_note(block_chars))
        return _render(self.groups[index], self.env)


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
