"""The answers' markdown dialect: what becomes HTML, and that nothing unsafe does."""

from html.parser import HTMLParser

import pytest

from chat.rendering import render_markdown


def test_headings_lists_emphasis_and_inline_code_become_html():
    html = render_markdown("# Title\n\n- one\n- **two**\n\nUse `pip` *now*.")

    assert "<h1>Title</h1>" in html
    assert "<li><strong>two</strong></li>" in html
    assert "<code>pip</code>" in html
    assert "<em>now</em>" in html


def test_a_fenced_block_is_highlighted_with_its_language_as_a_class():
    html = render_markdown("```python\ndef add(a, b):\n    return a + b\n```\n")

    assert '<pre><code class="language-python">' in html
    assert '<span class="k">def</span>' in html
    assert '<span class="nf">add</span>' in html


def test_a_fence_in_an_unknown_language_is_plain_escaped_code():
    html = render_markdown("```nosuchlanguage\nx < y\n```")

    assert '<code class="language-nosuchlanguage">x &lt; y\n</code>' in html
    assert "<span" not in html


def test_an_unclosed_fence_renders_as_the_code_written_so_far():
    html = render_markdown("Here:\n\n```python\nimport os\nprint(os.")

    assert '<pre><code class="language-python">' in html
    assert "print" in html
    assert "</code></pre>" in html
    assert "```" not in html


def test_a_table_renders_with_its_alignment_as_classes():
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |\n")

    assert '<th class="align-left">a</th>' in html
    assert '<td class="align-right">2</td>' in html
    assert "style" not in html


def test_a_table_whose_delimiter_row_is_half_written_already_shows_its_header():
    html = render_markdown("Results:\n\n| name | score |\n|---|-")

    assert "<th>name</th>" in html
    assert "<th>score</th>" in html
    assert "|" not in html


def test_a_table_missing_rows_renders_the_rows_so_far():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n| 3")

    assert html.count("<tr>") == 3
    assert "<td>3</td>" in html


def test_a_new_row_of_a_finished_table_is_not_mistaken_for_a_delimiter_row():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n|")

    assert "---" not in html


def test_a_pipe_line_after_a_paragraph_is_not_turned_into_a_table():
    assert "<table>" not in render_markdown("just text\n|-")


def test_links_keep_http_https_and_mailto_and_are_marked_untrusted():
    html = render_markdown("[a](https://example.com/x) [b](http://example.com) [c](mailto:x@y.z)")

    assert html.count('rel="noopener noreferrer nofollow"') == 3
    assert 'href="https://example.com/x"' in html
    assert 'href="mailto:x@y.z"' in html


def test_an_image_becomes_a_link_so_the_page_never_fetches_it():
    html = render_markdown("![a chart](https://example.com/chart.png)")

    assert "<img" not in html
    assert (
        '<a href="https://example.com/chart.png" rel="noopener noreferrer nofollow">a chart</a>'
        in (html)
    )


HOSTILE = {
    "script": "<script>alert(1)</script>",
    "img onerror": "<img src=x onerror=alert(1)>",
    "javascript link": "[x](javascript:alert(1))",
    "javascript link, mixed case": "[x](JaVaScRiPt:alert(1))",
    "iframe": '<iframe src="https://example.com/"></iframe>',
    "style attribute": '<p style="background:url(https://example.com/x)">styled</p>',
    "style element": "<style>body{display:none}</style>",
    "data link": "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data image": "![d](data:image/png;base64,iVBORw0KGgo=)",
    "vbscript link": "[v](vbscript:msgbox(1))",
    "relative link": "[r](//example.com/x)",
    "autolink": "<javascript:alert(1)>",
    "svg": "<svg onload=alert(1)></svg>",
    "fence info": '```"><script>alert(1)</script>\ncode\n```',
    "html in a table": "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
}


@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_markup_arrives_inert(payload):
    elements = Elements()
    elements.feed(render_markdown(payload))

    assert {tag for tag, _ in elements.found} <= {
        "p", "a", "pre", "code", "table", "thead", "tbody", "tr", "th", "td"
    }  # fmt: skip
    for tag, attributes in elements.found:
        assert set(attributes) <= {"href", "rel", "class"}, tag
        assert attributes.get("href", "https://").startswith(("http://", "https://", "mailto:"))


class Elements(HTMLParser):
    """Every element of a fragment, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def test_raw_html_written_by_the_model_is_shown_as_text():
    html = render_markdown("Use <script>alert(1)</script> carefully")

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
