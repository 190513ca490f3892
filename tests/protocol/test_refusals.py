"""A refusal is answered with an error frame that says what and why, for the reply if any."""

from chat.protocol import ProtocolError, Refusal


def test_a_refusal_becomes_an_error_frame_with_its_code_message_and_reply():
    refusal = Refusal("not_found", "There is no such reply.", "ab" * 16)

    assert refusal.frame() == {
        "type": "error",
        "reply": "ab" * 16,
        "code": "not_found",
        "message": "There is no such reply.",
    }
    assert str(refusal) == "There is no such reply."


def test_a_broken_rule_is_a_refusal_of_no_reply():
    refusal = ProtocolError("invalid_json", "That message is not valid JSON.")

    assert isinstance(refusal, Refusal)
    assert refusal.frame()["reply"] is None
