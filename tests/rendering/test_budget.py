"""The rendering budget: a long answer, or a long block, is shown as plain text that says so."""

from chat.rendering import render_markdown


def test_an_answer_within_the_budget_is_rendered(settings):
    settings.STREAMDEMO_RENDER_MAX_CHARS = 100

    assert (
        render_markdown("**bold** " * 10)
        == "<p>" + "<strong>bold</strong> " * 9 + "<strong>bold</strong></p>\n"
    )


def test_an_answer_over_the_budget_is_escaped_preformatted_text_that_says_why(settings):
    settings.STREAMDEMO_RENDER_MAX_CHARS = 100
    text = "**<b>bold</b>** " * 10

    html = render_markdown(text)

    assert html.startswith(
        '<pre class="unformatted" data-note="This answer is over 100 characters long: '
        'shown as plain text, unformatted.">'
    )
    assert "**&lt;b&gt;bold&lt;/b&gt;** " * 10 in html
    assert "<strong>" not in html


def test_a_block_over_its_budget_is_plain_text_and_the_rest_is_rendered(settings):
    settings.STREAMDEMO_RENDER_BLOCK_CHARS = 50

    html = render_markdown("# Title\n\n" + "![" * 40 + "\n\n*after*\n")

    assert html.startswith(
        '<h1>Title</h1>\n<pre class="unformatted" data-note="This part is over 50'
    )
    assert "![" * 40 in html
    assert html.endswith("<p><em>after</em></p>\n")
