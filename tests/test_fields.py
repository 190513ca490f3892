"""A text field that keeps whatever text it is given, NUL included, on SQLite and PostgreSQL."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat.fields import ESCAPE, escape_nul, unescape_nul
from chat.models import Conversation, Turn

TRICKY = ["", "plain", "\x00", "a\x00b", ESCAPE, ESCAPE + "0", "\x00" + ESCAPE * 3 + "0\x00", "é😀"]


@given(st.text(alphabet=st.sampled_from(["a", "0", "\x00", ESCAPE, "😀"])) | st.text())
def test_escaping_is_undone_exactly_and_leaves_no_nul(text):
    escaped = escape_nul(text)

    assert "\x00" not in escaped
    assert unescape_nul(escaped) == text


@pytest.mark.django_db
@pytest.mark.parametrize("text", TRICKY, ids=repr)
def test_any_text_is_stored_and_read_back_as_it_was(text):
    conversation = Conversation.objects.create(session_key="s" * 32, title="t")
    Turn.objects.create(
        conversation=conversation, reply_id="r", question=f"q{text}", answer=text, error=text
    )
    Turn.objects.filter(reply_id="r").update(reasoning=text)

    stored = Turn.objects.get(reply_id="r")

    assert (stored.question, stored.answer, stored.reasoning, stored.error) == (
        f"q{text}",
        text,
        text,
        text,
    )
