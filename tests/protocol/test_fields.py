"""The fields of a client's frame: what each may hold, and the code for one that is wrong."""

import pytest

from chat.protocol.fields import optional_text, regenerate, render_of, reply_id
from chat.protocol.refusals import ProtocolError

REPLY = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("", None), ("c1", "c1")])
def test_an_optional_text_may_be_absent_or_empty(value, expected):
    assert optional_text({"conversation": value}, "conversation") == expected


@pytest.mark.parametrize("value", [7, ["a"], "a\u0000b", "\ud800"])
def test_an_optional_text_that_is_not_clean_text_is_refused_with_its_own_code(value):
    with pytest.raises(ProtocolError) as refused:
        optional_text({"model": value}, "model")

    assert refused.value.code == "invalid_model"


def test_a_reply_id_is_32_lowercase_hex_digits():
    assert reply_id({"reply": REPLY}) == REPLY
    with pytest.raises(ProtocolError) as refused:
        reply_id({"after": REPLY.upper()}, "after")
    assert refused.value.code == "invalid_after"


def test_regenerate_names_a_reply_and_is_never_a_bare_true():
    assert regenerate({}) is None
    assert regenerate({"regenerate": False}) is None
    assert regenerate({"regenerate": REPLY}) == REPLY
    with pytest.raises(ProtocolError) as refused:
        regenerate({"regenerate": True})
    assert refused.value.code == "invalid_regenerate"


@pytest.mark.parametrize(
    ("frame", "render"),
    [
        ({}, True),
        ({"render": False}, False),
        ({"render": "changes"}, "changes"),
        ({"render": 1}, True),
    ],
)
def test_render_is_whole_renderings_unless_false_or_changes(frame, render):
    assert render_of(frame) == render
