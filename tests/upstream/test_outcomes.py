"""How an answer that streamed to its end ended, judged from what the backend itself said.

The chunks are g4f's own, from a real stream of the test upstream; the exchange is the one the
endpoint's provider filled in while it streamed.
"""

import asyncio

import pytest
from g4f.client import AsyncClient

from chat.upstream.backends import Backend
from chat.upstream.errors import CompletionError
from chat.upstream.outcomes import Outcome, judge_end
from chat.upstream.providers import EXCHANGE, Exchange, provider_for
from tests.support.upstream import Script

QUESTION = [{"role": "user", "content": "Hi?"}]


def streamed(upstream, script: Script) -> tuple[Backend, Exchange, object]:
    """The backend, the exchange and the last chunk of one answer streamed from `script`."""
    backend = Backend(model="gpt-4", base_url=upstream.base_url)
    exchange = Exchange.of(QUESTION)
    upstream.will_answer(script)

    async def last_chunk() -> object:
        chunks = AsyncClient(provider=provider_for(backend)).chat.completions.create(
            messages=QUESTION, model="gpt-4", stream=True, **{EXCHANGE: exchange}
        )
        return [chunk async for chunk in chunks][-1]

    return backend, exchange, asyncio.run(last_chunk())


def test_an_answer_the_backend_finished_is_done_with_its_reason_and_count(upstream):
    usage = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
    backend, exchange, last = streamed(upstream, Script(finish_reason="length", usage=usage))

    outcome = judge_end(backend, exchange, last, answered=True)

    assert outcome == Outcome(
        provider=upstream.label,
        model="gpt-4",
        finish_reason="length",
        usage=usage,
        usage_reported=True,
    )


def test_an_endpoint_that_never_said_it_finished_cut_the_answer_off(upstream):
    backend, exchange, last = streamed(upstream, Script(fault="truncate"))

    # g4f's last chunk says "stop" all the same: only the exchange knows the backend did not.
    assert last.choices[0].finish_reason == "stop"
    with pytest.raises(CompletionError) as raised:
        judge_end(backend, exchange, last, answered=True)

    assert raised.value.code == "truncated"


def test_an_answer_without_text_is_never_done(upstream):
    backend, exchange, last = streamed(upstream, Script(chunks=[]))

    with pytest.raises(CompletionError) as raised:
        judge_end(backend, exchange, last, answered=False)

    assert raised.value.code == "empty_answer"
    assert "start a new conversation" in str(raised.value)


def test_from_g4fs_own_providers_the_last_chunk_is_taken_at_its_word(upstream):
    # Without an exchange (a provider of g4f's own), nothing tells a real end from g4f's.
    backend, _, last = streamed(upstream, Script(fault="truncate"))

    outcome = judge_end(backend, None, last, answered=True)

    assert (outcome.finish_reason, outcome.usage_reported) == ("stop", False)
