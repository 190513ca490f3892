"""A question in, the answer's text out, through g4f's AsyncClient and the test upstream.

Every way the backend can fail ends the stream with one `CompletionError` that names the
backend and says what happened; the text already streamed stays streamed.
"""

import asyncio

import pytest

from chat.upstream.backends import Backend
from chat.upstream.completions import AsyncAnswerStream, astream_answer
from chat.upstream.errors import CompletionError
from tests.support.faults import FAULTS, closed_port_url
from tests.support.upstream import Script, Upstream

QUESTION = [{"role": "user", "content": "Will this work?"}]


async def answer(
    stream: AsyncAnswerStream, upstream: Upstream | None = None
) -> tuple[list[str], CompletionError | None]:
    """The deltas the stream yields, and the error that ended it, if one did.

    Given the test upstream, lets a gated script go on after each delta.
    """
    deltas: list[str] = []
    try:
        async for content in stream:
            deltas.append(content)
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
    assert str(error).startswith(f"{backend}: ")
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
        f"{upstream.base_url}: no answer began within 0.3 s",
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
        f"{upstream.base_url}: the answer stalled: nothing for 0.3 s",
    )
    assert await asyncio.to_thread(upstream.exchanges[0].closed.wait, 1)
    assert not upstream.exchanges[0].finished
    await assert_the_next_answer_streams(upstream)


async def test_closing_the_stream_mid_answer_closes_the_upstream_request(upstream):
    upstream.will_answer(Script(chunks=["partial", " never"], gated=True))
    stream = ask(upstream.base_url)

    assert await anext(aiter(stream)) == "partial"
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
        upstream.base_url,
        "gpt-4",
        "length",
    )
    assert outcome.usage == usage


async def test_when_every_candidate_fails_the_error_names_each_of_them(upstream):
    upstream.will_answer(Script(fault="http_500"))
    dead = closed_port_url()

    deltas, error = await answer(ask(f"{dead},{upstream.base_url}"))

    assert deltas == []
    assert error.code == "upstream_unavailable"
    assert f"{dead}: could not connect: connection refused" in str(error)
    assert f"{upstream.base_url}: the backend failed (HTTP 500)" in str(error)


async def test_several_provider_names_are_each_tried_and_each_named_when_all_fail(upstream):
    deltas, error = await answer(ask(provider="NoSuchProvider,NorThisOne"))

    assert (deltas, error.code) == ([], "unknown_provider")
    assert "g4f provider NoSuchProvider: g4f has no provider named NoSuchProvider" in str(error)
    assert "g4f provider NorThisOne: g4f has no provider named NorThisOne" in str(error)
    assert upstream.exchanges == []


async def test_once_text_has_flowed_a_failure_ends_the_answer_without_trying_the_next(upstream):
    upstream.will_answer(Script(chunks=["Half", " of it"], fault="malformed"))

    deltas, error = await answer(ask(f"{upstream.base_url},{upstream.base_url}"))

    assert deltas == ["Half", " of it"]
    assert error.code == "malformed"
    assert len(upstream.exchanges) == 1
