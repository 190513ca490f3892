"""A conversation as the Markdown document its export link downloads."""

import pytest

from chat.export import export_markdown
from chat.models import Conversation, Turn

pytestmark = pytest.mark.django_db


def conversation_of(*turns, title="Sky colour?"):
    conversation = Conversation.objects.create(session_key="alice", title=title)
    for index, facts in enumerate(turns):
        Turn.objects.create(conversation=conversation, reply_id=f"r{index}", **facts)
    return conversation


def test_the_title_then_each_question_and_its_answer_as_written():
    conversation = conversation_of(
        {"question": " Sky colour?\n", "answer": "**Blue**, mostly.\n\n", "status": "done"},
        {"question": "Why?", "answer": "Rayleigh scattering.", "status": "done"},
    )

    assert export_markdown(conversation) == (
        "# Sky colour?\n"
        "\n## Question\n\nSky colour?\n"
        "\n## Answer\n\n**Blue**, mostly.\n"
        "\n## Question\n\nWhy?\n"
        "\n## Answer\n\nRayleigh scattering.\n"
    )


@pytest.mark.parametrize(
    ("facts", "answer"),
    [
        ({"status": "stopped"}, "Half\n\n*(stopped)*\n"),
        (
            {"status": "failed", "error": "The backend dropped the connection."},
            "Half\n\n*(cut off: The backend dropped the connection.)*\n",
        ),
        ({"status": "failed"}, "Half\n\n*(cut off: the reply failed)*\n"),
        ({"status": "streaming"}, "Half\n\n*(still being written)*\n"),
    ],
    ids=["stopped", "failed", "failed without a reason", "streaming"],
)
def test_an_answer_that_did_not_end_as_written_says_so(facts, answer):
    conversation = conversation_of({"question": "Go on?", "answer": "Half", **facts})

    assert export_markdown(conversation).endswith(f"## Answer\n\n{answer}")
