"""A question in, the answer out, through g4f's two clients and the test upstream.

Every way the backend can fail ends the stream with one `CompletionError` that names the
backend and says what happened; the text already streamed stays streamed.
"""

import asyncio
import copy
import socket

import pytest

from chat.upstream.backends import Backend
from chat.upstream.chunks import Piece
from chat.upstream.completions import (
    AsyncAnswerStream,
    astream_answer,
)
from chat.upstream.errors import CompletionError
from tests.support.answers import QUESTION, answered, endpoint
from tests.support.faults import FAULTS, closed_port_url, label_of
from tests.support.upstream import REASONING_WAYS, Script, Upstream


async def answer(
    stream: AsyncAnswerStream, upstream: Upstream | None = None
) -> tuple[list[str], CompletionError | None]:
    """The deltas the stream yields, and the error that ended it, if one did.

    Given the test upstream, lets a gated script go on after each delta.
    """
    deltas: list[str] = []
    try:
        async for piece in stream:
            deltas.append(piece.text)
            if upstream is not None:
                upstream.release()
    except CompletionError as error:
        return deltas, error
    return deltas, None


def ask(base_url: str | None = None, provider: str | None = None) -> AsyncAnswerStream:
    return astream_answer(QUESTION, Backend(model="gpt-4", provider=provider, base_url=base_url))


async def assert_the_next_answer_streams(upstream: Upstream) -> None:
    upstream.will_answer(Script(chunks=["Yes", " now"]))
    assert await answer(ask(upstream.base_url)) == (["Yes", " now"], None)


@pytest.mark.parametrize("name", FAULTS)
async def test_an_upstream_fault_is_one_error_naming_the_backend_and_the_next_answer_streams(
    upstream, name
):
    fault = FAULTS[name]
    if fault.script is not None:
        upstream.will_answer(fault.script)
    backend = fault.backend(upstream)

    deltas, error = await answer(ask(backend), upstream)

    assert deltas == fault.kept
    assert error is not None
    assert error.code == fault.code
    assert str(error).startswith(f"{label_of(backend)}: ")
    assert fault.says in str(error)
    await assert_the_next_answer_streams(upstream)


async def test_no_first_token_within_the_timeout_is_an_error_and_closes_the_upstream_request(
    upstream, settings
):
    settings.STREAMDEMO_FIRST_TOKEN_TIMEOUT = 0.3
    upstream.will_answer(Script(chunks=[], fault="stall"))

    deltas, error = await answer(ask(upstream.base_url))

    assert deltas == []
    assert (error.code, str(error)) == (
        "first_token_timeout",
        f"{upstream.label}: no answer began within 0.3 s",
    )
    assert await asyncio.to_thread(upstream.exchanges[0].closed.wait, 1)
    await assert_the_next_answer_streams(upstream)


async def test_a_stall_mid_answer_keeps_the_text_sent_and_closes_the_upstream_request(
    upstream, settings
):
    settings.STREAMDEMO_IDLE_TIMEOUT = 0.3
    upstream.will_answer(Script(chunks=["Started", " then"], fault="stall"))

    deltas, error = await answer(ask(upstream.base_url))

    assert deltas == ["Started", " then"]
    assert (error.code, str(error)) == (
        "stalled",
        f"{upstream.label}: the answer stalled: nothing for 0.3 s",
    )
    assert await asyncio.to_thread(upstream.exchanges[0].closed.wait, 1)
    assert not upstream.exchanges[0].finished
    await assert_the_next_answer_streams(upstream)


async def test_closing_the_stream_mid_answer_closes_the_upstream_request(upstream):
    upstream.will_answer(Script(chunks=["partial", " never"], gated=True))
    stream = ask(upstream.base_url)

    assert (await anext(aiter(stream))).text == "partial"
    await stream.aclose()

    assert await asyncio.to_thread(upstream.exchanges[0].closed.wait, 5)
    assert (upstream.exchanges[0].sent, upstream.exchanges[0].finished) == (1, False)


async def test_the_question_and_model_are_what_the_backend_receives(upstream):
    stream = astream_answer(
        [{"role": "user", "content": "Why?"}],
        Backend(model="other-model", base_url=upstream.base_url),
    )

    assert await answer(stream) == (["Hello", ",", " world", "!"], None)

    body = upstream.exchanges[0].body
    assert (body["model"], body["messages"], body["stream"]) == (
        "other-model",
        [{"role": "user", "content": "Why?"}],
        True,
    )


async def test_once_ended_the_stream_says_how_and_which_candidate_answered(upstream):
    usage = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
    upstream.will_answer(Script(chunks=["Cut", " short"], finish_reason="length", usage=usage))
    dead = closed_port_url()
    stream = ask(f"{dead},{upstream.base_url}")

    assert await answer(stream) == (["Cut", " short"], None)

    assert stream.used.base_url == upstream.base_url
    outcome = stream.outcome
    assert (outcome.provider, outcome.model, outcome.finish_reason) == (
        upstream.label,
        "gpt-4",
        "length",
    )
    assert outcome.usage == usage


# -- both clients: what the model receives, and what comes back ----------------------------


@pytest.fixture(params=["sync", "async"])
def client(request) -> str:
    return request.param


CONVERSATIONS = {
    # Asked again: g4f would drop the newest question as a repeat of the first.
    "repeated question": [
        {"role": "user", "content": "Tell me a joke."},
        {"role": "assistant", "content": "Why did the chicken cross the road?"},
        {"role": "user", "content": "Why?"},
        {"role": "assistant", "content": "To get to the other side."},
        {"role": "user", "content": "Tell me a joke."},
    ],
    # Code with trailing spaces and blank lines, in a message long enough for g4f to tidy.
    "code": [
        {
            "role": "user",
            "content": "Why does this fail?\n\n```python\ndef f():   \n\n\n\n    return 1   \n```",
        }
    ],
    # More turns than the 40 g4f keeps.
    "45 turns": [
        {"role": role, "content": f"{role} {index}"}
        for index in range(22)
        for role in ("user", "assistant")
    ]
    + [{"role": "user", "content": "And now?"}],
}


@pytest.mark.parametrize("conversation", CONVERSATIONS)
def test_the_model_receives_the_conversation_byte_for_byte(upstream, client, conversation):
    messages = CONVERSATIONS[conversation]
    kept = copy.deepcopy(messages)

    result = answered(client, messages, endpoint(upstream))

    assert result.error is None
    assert upstream.exchanges[0].messages == kept
    assert messages == kept  # and g4f never had the caller's own list to rewrite


@pytest.mark.parametrize("way", REASONING_WAYS)
def test_thinking_comes_apart_from_the_answer_whichever_way_it_is_sent(upstream, client, way):
    upstream.will_answer(
        Script(
            reasoning=["Two", " and two", " make four."], chunks=["It is", " 4."], reasoning_as=way
        )
    )

    result = answered(client, QUESTION, endpoint(upstream))

    assert result.error is None
    # Piece by piece as sent, the thinking first and never inside the answer.
    assert result.pieces == [
        Piece("Two", reasoning=True),
        Piece(" and two", reasoning=True),
        Piece(" make four.", reasoning=True),
        Piece("It is"),
        Piece(" 4."),
    ]


def test_usage_the_backend_reported_is_told_from_g4fs_estimate(upstream, client):
    usage = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
    upstream.will_answer(Script(usage=usage), Script(usage=None))

    reported = answered(client, QUESTION, endpoint(upstream)).stream.outcome
    estimated = answered(client, QUESTION, endpoint(upstream)).stream.outcome

    assert (reported.usage, reported.usage_reported) == (usage, True)
    assert estimated.usage is not None  # g4f's guess, at about four bytes a token
    assert estimated.usage_reported is False


def test_an_answer_keeps_the_whitespace_it_begins_with(upstream, client):
    upstream.will_answer(Script(chunks=["\n", "    indented", " code"]))

    assert answered(client, QUESTION, endpoint(upstream)).text == "\n    indented code"


def test_a_stream_that_just_ends_is_truncated_with_its_text_kept(upstream, client):
    upstream.will_answer(Script(chunks=[f" {n}" for n in range(20)], fault="truncate"))

    result = answered(client, QUESTION, endpoint(upstream))

    assert result.text == "".join(f" {n}" for n in range(20))
    assert result.error.code == "truncated"
    assert result.stream.outcome is None


def test_an_answer_that_only_thought_is_empty(upstream, client):
    upstream.will_answer(Script(reasoning=["Hmm."], chunks=[]))

    result = answered(client, QUESTION, endpoint(upstream))

    assert result.thinking == "Hmm."
    assert result.error.code == "empty_answer"


@pytest.fixture
def no_internet(monkeypatch):
    """No host name resolves, as on a machine with no network."""

    def unresolvable(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unresolvable)


@pytest.mark.usefixtures("no_internet")
def test_with_no_backend_named_and_no_internet_the_error_says_what_to_do(client):
    result = answered(client, QUESTION, Backend(model="gpt-4"))

    assert result.error.code == "unreachable"
    assert "g4f could not fetch its list of providers from g4f.dev" in str(result.error)
    assert "STREAMDEMO_BASE_URL" in str(result.error)


def test_a_character_whose_bytes_arrive_in_two_network_writes_is_read_whole(upstream, client):
    upstream.will_answer(
        Script(chunks=["Smile 😀", " and 🎉, é"], split_characters=True, interval=0.05)
    )

    result = answered(client, QUESTION, endpoint(upstream))

    assert result.error is None
    assert result.text == "Smile 😀 and 🎉, é"


def test_a_character_whose_two_utf16_halves_come_in_two_events_is_joined(upstream, client):
    # Some servers cut text by UTF-16 units: each event then holds half of an emoji, as JSON's
    # "\ud83d" and "\ude00" escapes.
    upstream.will_answer(
        Script(
            reasoning=["Think \ud83e", "\udd14 hard"],
            chunks=["Done \ud83d", "\ude00!", " Lone \udc00 and \ud800"],
        )
    )

    result = answered(client, QUESTION, endpoint(upstream))

    assert result.error is None
    assert result.thinking == "Think 🤔 hard"
    assert result.text == "Done 😀! Lone \ufffd and \ufffd"
    assert result.stream.outcome.finish_reason == "stop"
