"""What a client's frame means, and what it gets wrong."""

import pytest

from chat.protocol import Ack, Ask, ProtocolError, Resume, Stop, Watch, parse

OTHER = "f" * 32
REPLY = "0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def offered(settings):
    settings.STREAMDEMO_MODELS = ["gpt-4", "other-model"]
    settings.STREAMDEMO_PROVIDERS = ["PollinationsAI"]
    settings.STREAMDEMO_MAX_QUESTION_CHARS = 16_000


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("this is not json", "invalid_json"),
        ('["a", "list"]', "invalid_frame"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "ask"}', "missing_question"),
        ('{"type": "ask", "question": 7}', "invalid_question"),
        ('{"type": "ask", "question": "a\\u0000b"}', "invalid_question"),
        ('{"type": "ask", "question": "hi", "conversation": "a\\u0000b"}', "invalid_conversation"),
        ('{"type": "ask", "question": "%s"}' % ("x" * 16_001), "question_too_long"),
        ('{"type": "ask", "question": "hi", "provider": "NotOffered"}', "provider_not_allowed"),
        ('{"type": "resume"}', "invalid_resume"),
        ('{"type": "resume", "reply": "r", "after": -2}', "invalid_resume"),
        ('{"type": "resume", "reply": "r", "after": true}', "invalid_resume"),
        ('{"type": "ask", "question": "hi", "reply": "not-hex"}', "invalid_reply"),
        ('{"type": "ask", "question": "   "}', "empty_question"),
        ('{"type": "ask", "question": "hi", "model": "not-offered"}', "model_not_allowed"),
        ('{"type": "stop", "reply": 7}', "invalid_reply"),
        ('{"type": "watch"}', "invalid_watch"),
        ('{"type": "watch", "conversation": "c", "after": "not-hex"}', "invalid_after"),
        # A bare true would replace whatever turn is last, though another tab may have asked.
        ('{"type": "ask", "question": "hi", "regenerate": true}', "invalid_regenerate"),
        ('{"type": "ask", "question": "hi", "regenerate": "not-hex"}', "invalid_regenerate"),
        ('{"type": "ack"}', "invalid_ack"),
        ('{"type": "ack", "frames": "3"}', "invalid_ack"),
        ('{"type": "ack", "frames": 2.5}', "invalid_ack"),
        ('{"type": "ack", "frames": false}', "invalid_ack"),
        ('{"type": "ack", "frames": -1}', "invalid_ack"),
    ],
)
def test_a_frame_that_breaks_the_rules_is_refused_with_a_code_and_a_sentence(text, code):
    with pytest.raises(ProtocolError) as refused:
        parse(text)

    frame = refused.value.frame()
    assert (frame["type"], frame["reply"], frame["code"]) == ("error", None, code)
    assert frame["message"]


def test_the_length_limit_is_named_when_a_question_is_too_long(settings):
    settings.STREAMDEMO_MAX_QUESTION_CHARS = 1_000

    with pytest.raises(ProtocolError) as refused:
        parse('{"type": "ask", "question": "%s"}' % ("x" * 1_001))

    assert refused.value.message == "The question is 1,001 characters long; the limit is 1,000."


def test_an_ask_with_every_field_parses_into_an_ask():
    text = (
        '{"type": "ask", "question": "Why?", "model": "other-model", "provider": "PollinationsAI",'
        f' "conversation": "c-1", "regenerate": "{OTHER}", "render": false, "reply": "{REPLY}"}}'
    )

    assert parse(text) == Ask(
        "Why?",
        model="other-model",
        provider="PollinationsAI",
        conversation="c-1",
        regenerate=OTHER,
        render=False,
        reply=REPLY,
    )


def test_an_ask_with_only_a_question_takes_the_defaults():
    # Empty strings are as good as absent, as is `false`; only `false` stops rendering.
    text = '{"type": "ask", "question": "Why?", "model": "", "regenerate": false, "render": 0}'

    assert parse(text) == Ask("Why?", regenerate=None, render=True)


def test_a_watch_names_the_conversation_and_the_last_reply_the_client_has():
    assert parse('{"type": "watch", "conversation": "c-1"}') == Watch("c-1")
    assert parse(
        f'{{"type": "watch", "conversation": "c-1", "after": "{REPLY}", "render": false}}'
    ) == Watch("c-1", REPLY, render=False)


def test_stop_and_resume_parse_into_their_commands():
    assert parse('{"type": "stop"}') == Stop()
    assert parse(f'{{"type": "stop", "reply": "{REPLY}"}}') == Stop(REPLY)
    assert parse(f'{{"type": "resume", "reply": "{REPLY}"}}') == Resume(REPLY, -1)
    assert parse(f'{{"type": "resume", "reply": "{REPLY}", "after": 4, "render": false}}') == (
        Resume(REPLY, 4, render=False)
    )


def test_an_ack_says_how_many_frames_the_client_has_received():
    assert parse('{"type": "ack", "frames": 0}') == Ack(0)
    assert parse('{"type": "ack", "frames": 12345}') == Ack(12345)
