"""The frames the server sends: the final one carries how the reply ended, whole."""

import pytest

from chat.endings import Ending
from chat.protocol import final, html_fits

REPLY = "0123456789abcdef0123456789abcdef"
FACTS = {"model": "gpt-4", "provider": "127.0.0.1:8080", "stats": {"chunks": 2}}


@pytest.mark.parametrize(
    ("ending", "frame"),
    [
        (
            Ending(status="done", text="All of it", finish_reason="stop", **FACTS),
            {"type": "done", "finish_reason": "stop", "note": ""},
        ),
        (
            Ending(status="stopped", text="Half", finish_reason="stopped", **FACTS),
            {
                "type": "done",
                "finish_reason": "stopped",
                "note": "Stopped: the answer so far is kept.",
            },
        ),
        (
            Ending(
                status="failed",
                text="Half",
                error_code="connection_lost",
                error_message="the connection was lost",
                **FACTS,
            ),
            {
                "type": "error",
                "code": "connection_lost",
                "message": "the connection was lost",
                "note": "Cut off: the connection was lost",
            },
        ),
    ],
    ids=["done", "stopped", "failed"],
)
def test_the_final_frame_carries_the_whole_text_and_how_the_reply_ended(ending, frame):
    sent = final(REPLY, ending)

    assert sent == {
        **frame,
        "reply": REPLY,
        "provider": ending.provider,
        "model": "gpt-4",
        "usage": None,
        "usage_reported": False,
        "stats": {"chunks": 2},
        "text": ending.text,
        "reasoning": "",
    }


def test_an_html_frame_fits_what_daphne_sends_once_escaped_to_json():
    assert html_fits("<p>" + "a" * 900_000 + "</p>")
    assert not html_fits("a" * 1_100_000)
    # Short in characters, long in JSON: each one is escaped to six.
    assert not html_fits("\u4e2d" * 200_000)
