"""An answer split into top-level blocks, and which of them a streaming answer may keep."""

from html.parser import HTMLParser

from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from chat.rendering.blocks import render_part, render_region
from chat.rendering.markdown import MARKDOWN, sanitise

BIG = 1_000_000


def streamed(text: str) -> list[str]:
    """The blocks a stream of `text`, one character at a time, settled, in order."""
    kept: list[str] = []
    begins = 0
    for end in range(1, len(text) + 1):
        region = render_region(text[begins:end], final=False, block_chars=BIG)
        kept += region.blocks[: region.settled]
        begins += region.settled_chars
    return kept


def test_blocks_are_the_top_level_blocks_each_rendered():
    region = render_region("# Title\n\n- one\n- two\n\nSome *text*.\n", final=True, block_chars=BIG)

    assert region.blocks == (
        "<h1>Title</h1>\n",
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n",
        "<p>Some <em>text</em>.</p>\n",
    )
    assert region.settled == 3


def test_a_block_settles_once_the_next_block_and_its_second_line_are_written():
    assert render_region("One.\n\nTwo", final=False, block_chars=BIG).settled == 0
    assert render_region("One.\n\nTwo\n", final=False, block_chars=BIG).settled == 0
    assert render_region("One.\n\nTwo\nthree", final=False, block_chars=BIG).settled == 0
    region = render_region("One.\n\nTwo\nthree\n", final=False, block_chars=BIG)
    assert (region.settled, region.settled_chars) == (1, len("One.\n\n"))


def test_an_open_fence_never_settles_however_much_follows_inside_it():
    text = "```python\nx = 1\n\n\ny = 2\n\nz\n"

    assert render_region(text, final=False, block_chars=BIG).settled == 0


def test_a_list_the_next_line_may_continue_does_not_settle():
    # "2" may become "2. next", an item of the same list, which then is loose.
    assert render_region("1. first\n\n2", final=False, block_chars=BIG).settled == 0
    assert render_region("- a\n\n  lazy\n", final=False, block_chars=BIG).settled == 0


def test_a_paragraph_above_a_possible_table_header_does_not_settle():
    # The line "| a |" starts a table only if a delimiter row follows it.
    assert render_region("Text\n| a |\n|--", final=False, block_chars=BIG).settled == 0


def test_a_block_too_long_is_escaped_preformatted_text_that_says_why():
    region = render_region("short\n\n" + "<b>" * 10 + "\n", final=True, block_chars=20)

    assert region.blocks[0] == "<p>short</p>\n"
    assert region.blocks[1].startswith('<pre class="unformatted" data-note="This part is over 20')
    assert "&lt;b&gt;" * 10 in region.blocks[1]


def test_reference_links_defined_later_resolve_in_the_final_rendering():
    text = "See [the docs].\n\n[the docs]: https://example.com\n"

    final = render_region(text, final=True, block_chars=BIG)

    link = '<a href="https://example.com" rel="noopener noreferrer nofollow">the docs</a>'
    assert final.blocks == (f"<p>See {link}.</p>\n",)


def test_a_whole_answer_rendered_part_by_part_is_the_same_as_rendered_at_once():
    text = "See [the docs].\n\n" + "".join(f"## {n}\n\nSome *text* {n}.\n\n" for n in range(30))
    text += "[the docs]: https://example.com\n"
    parts, first = [], 0
    while first is not None:
        part, first = render_part(text, block_chars=BIG, first=first, part_chars=100)
        parts.append(part)

    assert len(parts) > 5
    assert all(parts)  # each part renders one block at least
    assert sum(parts, ()) == render_region(text, final=True, block_chars=BIG).blocks
    assert 'href="https://example.com"' in parts[0][0]  # defined at the end, known in part one


def top_level_elements(html: str) -> int:
    class Counter(HTMLParser):
        depth = count = 0

        def handle_starttag(self, tag, attrs):
            if tag not in ("br", "hr"):
                self.depth += 1
            if self.depth == (0 if tag in ("br", "hr") else 1):
                self.count += 1

        def handle_endtag(self, tag):
            self.depth -= 1

    counter = Counter()
    counter.feed(html)
    return counter.count


MARKDOWN_LINES = st.sampled_from([
    "", "", "text", "more *text*", "# Head", "Setext", "===", "---", "- item", "- item two",
    "  continued", "1. one", "2. two", "> quote", "lazy", "```py", "```", "x = 1", "    code",
    "| a | b |", "|---|---|", "| 1 | 2 |", "[ref]: https://example.com/r", "see [ref]",
    "***", "~~~", "1) paren", "+ plus", "<b>raw</b>", "![img](http://i) `code`", "\tindent",
])  # fmt: skip


@hypothesis_settings(max_examples=150, deadline=None)
@given(st.lists(MARKDOWN_LINES, max_size=14))
def test_the_blocks_a_stream_settles_are_those_of_the_whole_answer(lines):
    text = "\n".join(lines)
    whole = render_region(text, final=True, block_chars=BIG)
    kept = streamed(text)

    # What the whole answer renders to, block by block, each block one element.
    assert "".join(whole.blocks) == sanitise(MARKDOWN.render(text))
    assert all(top_level_elements(block) == 1 for block in whole.blocks)
    # Every block kept while streaming is the whole answer's, in order (references defined
    # later aside, which a stream cannot know of).
    if "[ref]:" not in text:
        assert kept == list(whole.blocks[: len(kept)])
