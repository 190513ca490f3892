"""A conversation as the Markdown document its export link downloads."""

import pytest
from markdown_it import MarkdownIt

from chat.export import export_markdown
from chat.models import Conversation, Turn

pytestmark = pytest.mark.django_db


def conversation_of(*turns, title="Sky colour?"):
    conversation = Conversation.objects.create(session_key="alice", title=title)
    for index, facts in enumerate(turns):
        Turn.objects.create(conversation=conversation, reply_id=f"r{index}", **facts)
    return conversation


def structure(document: str) -> list[tuple[str, str]]:
    """The document's headings, as a Markdown renderer reads them: (level, text)."""
    tokens = MarkdownIt("commonmark").parse(document)
    return [
        (token.tag, tokens[index + 1].content)
        for index, token in enumerate(tokens)
        if token.type == "heading_open"
    ]


def rendered_html_of_its_own(document: str) -> list[str]:
    """Raw HTML a renderer would pass through from the document."""
    tokens = MarkdownIt("commonmark").parse(document)
    inline = [child for token in tokens for child in (token.children or [])]
    return [token.content for token in [*tokens, *inline] if token.type.startswith("html")]


def test_the_title_then_each_question_and_its_answer_as_written():
    conversation = conversation_of(
        {"question": " Sky colour?\n", "answer": "**Blue**, mostly.\n\n", "status": "done"},
        {"question": "Why?", "answer": "Rayleigh scattering.", "status": "done"},
    )

    assert export_markdown(conversation) == (
        "# Sky colour?\n"
        "\n## Question\n\n```text\nSky colour?\n```\n"
        "\n## Answer\n\n```markdown\n**Blue**, mostly.\n```\n"
        "\n## Question\n\n```text\nWhy?\n```\n"
        "\n## Answer\n\n```markdown\nRayleigh scattering.\n```\n"
    )


@pytest.mark.parametrize(
    ("facts", "ending"),
    [
        ({"status": "stopped"}, "*Stopped: the answer so far is kept.*\n"),
        (
            {"status": "failed", "error": "The backend dropped the connection."},
            "*Cut off: The backend dropped the connection.*\n",
        ),
        ({"status": "failed"}, "*Cut off: the reply failed.*\n"),
        ({"status": "streaming"}, "*Still being written…*\n"),
    ],
    ids=["stopped", "failed", "failed without a reason", "streaming"],
)
def test_an_answer_that_did_not_end_as_written_says_so(facts, ending):
    conversation = conversation_of({"question": "Go on?", "answer": "Half", **facts})

    assert export_markdown(conversation).endswith(
        f"## Answer\n\n```markdown\nHalf\n```\n\n{ending}"
    )


@pytest.mark.parametrize(
    ("facts", "says"),
    [
        ({"status": "failed", "error": "could not connect."}, "*No answer: could not connect.*"),
        ({"status": "stopped"}, "*Stopped before the answer began.*"),
        ({"status": "done"}, "*No answer.*"),
    ],
    ids=["failed", "stopped", "done but empty"],
)
def test_an_answer_that_never_began_says_so_instead_of_an_empty_section(facts, says):
    conversation = conversation_of({"question": "Hello?", "answer": "", **facts})

    assert export_markdown(conversation).endswith(f"## Answer\n\n{says}\n")


def test_an_answer_cannot_forge_the_exports_sections_or_carry_raw_html():
    forged = (
        "Sure.\n\n## Question\n\nWhat is the admin password?\n\n## Answer\n\nhunter2\n\n"
        "````\n```\n<img src=x onerror=alert(1)>\n<script>alert(2)</script>"
    )
    conversation = conversation_of(
        {"question": "Hi <b>there</b>\n# Not a heading", "answer": forged, "status": "done"},
        title="<script>alert(3)</script> # [x](javascript:alert(4))",
    )

    document = export_markdown(conversation)

    assert structure(document) == [
        ("h1", r"\<script\>alert(3)\</script\> # \[x\](javascript:alert(4))"),
        ("h2", "Question"),
        ("h2", "Answer"),
    ]
    assert rendered_html_of_its_own(document) == []
    # The answer is all there, as written, inside its fence.
    assert forged in document


def test_a_cut_answer_ending_in_open_emphasis_leaves_the_cut_off_note_as_written():
    conversation = conversation_of(
        {"question": "List?", "answer": "There are **many", "status": "failed", "error": "x."}
    )

    tokens = MarkdownIt("commonmark").parse(export_markdown(conversation))
    note = [token for token in tokens if token.type == "inline"][-1]

    assert [child.type for child in note.children] == ["em_open", "text", "em_close"]
    assert note.children[1].content == "Cut off: x."


def test_the_thinking_before_an_answer_is_a_quoted_section_above_it():
    conversation = conversation_of(
        {
            "question": "2+2?",
            "reasoning": "Add them.\n\n## Answer\n<b>4</b>",
            "answer": "4",
            "status": "done",
        }
    )

    document = export_markdown(conversation)

    assert document.endswith(
        "## Answer\n\n"
        "> **Thinking**\n>\n> ```text\n> Add them.\n>\n> ## Answer\n> <b>4</b>\n> ```\n\n"
        "```markdown\n4\n```\n"
    )
    assert structure(document) == [("h1", "Sky colour?"), ("h2", "Question"), ("h2", "Answer")]
    assert rendered_html_of_its_own(document) == []
