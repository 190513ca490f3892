"""Which g4f provider answers for a backend: g4f's own by name, or one built for an endpoint."""

import copy
import socket

import pytest
from g4f.client import AsyncClient
from g4f.client.factory import create_custom_provider
from g4f.Provider import ProviderUtils

from chat.upstream.backends import Backend
from chat.upstream.errors import CompletionError
from chat.upstream.providers import EXCHANGE, Exchange, provider_for
from tests.support.upstream import Script

QUESTION = [{"role": "user", "content": "Hi"}]
# What g4f rewrites before it sends: a question asked again (it drops the repeat, the newest
# question), trailing spaces and blank lines in a long message, more than 40 messages.
REWRITTEN_BY_G4F = [
    {"role": "system", "content": "Answer in one line."},
    *[
        {"role": role, "content": f"{role} turn {index}"}
        for index in range(22)
        for role in ("user", "assistant")
    ],
    {"role": "user", "content": "def f():   \n\n\n\n    return 1   \n" + "# padding " * 8},
    {"role": "assistant", "content": "It returns 1."},
    {"role": "user", "content": "user turn 0"},
]


def endpoint(upstream) -> Backend:
    return Backend(model="gpt-4", base_url=upstream.base_url)


@pytest.fixture
def offline(monkeypatch):
    """No connection can be opened, and no host name looked up."""

    def refuse(*args, **kwargs):
        raise AssertionError("the network was used")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_an_unknown_provider_name_is_refused_without_asking_the_network(offline):
    backend = Backend(model="gpt-4", provider="NoSuchProvider")

    with pytest.raises(CompletionError) as raised:
        provider_for(backend)

    assert raised.value.code == "unknown_provider"
    assert (
        str(raised.value) == "g4f provider NoSuchProvider: g4f has no provider named NoSuchProvider"
    )


def test_a_provider_named_is_g4fs_provider_of_that_name(offline):
    # g4f's names may be aliases: "PollinationsAI" is its class Pollinations.
    provider = provider_for(Backend(model="gpt-4", provider="PollinationsAI"))

    assert provider is ProviderUtils.convert["PollinationsAI"]


def test_with_neither_a_provider_nor_an_endpoint_g4f_chooses(offline):
    assert provider_for(Backend(model="gpt-4")) is None


def test_an_endpoint_gets_an_openai_compatible_provider_naming_the_model(offline):
    backend = Backend(
        model="llama3.2", provider="PollinationsAI", base_url="http://127.0.0.1:11434/v1/"
    )

    provider = provider_for(backend)

    assert provider.__name__ == "OpenAICompatible"
    assert provider.base_url == "http://127.0.0.1:11434/v1"
    assert (provider.models, provider.default_model) == (["llama3.2"], "llama3.2")


async def test_the_endpoints_provider_asks_it_for_the_model_without_listing_models_first(
    upstream,
):
    provider = provider_for(Backend(model="other-model", base_url=upstream.base_url))

    chunks = AsyncClient(provider=provider).chat.completions.create(
        messages=QUESTION, model="other-model", stream=True, **{EXCHANGE: Exchange.of(QUESTION)}
    )
    text = "".join([chunk.choices[0].delta.content or "" async for chunk in chunks])

    assert text == "Hello, world!"
    assert upstream.exchanges[0].body["model"] == "other-model"
    assert upstream.model_lists == 0


def canary_provider(upstream):
    """The provider g4f itself makes for an endpoint, for checks on what g4f does unaided."""
    return create_custom_provider(
        upstream.base_url, name="Plain", models=["gpt-4"], default_model="gpt-4"
    )


async def stream_text(provider, messages, **extra) -> str:
    chunks = AsyncClient(provider=provider).chat.completions.create(
        messages=messages, model="gpt-4", stream=True, **extra
    )
    return "".join([chunk.choices[0].delta.content or "" async for chunk in chunks])


async def test_the_endpoint_receives_the_exchanges_messages_not_the_ones_g4f_rewrote(upstream):
    exchange = Exchange.of(REWRITTEN_BY_G4F)

    await stream_text(
        provider_for(endpoint(upstream)), copy.deepcopy(REWRITTEN_BY_G4F), **{EXCHANGE: exchange}
    )

    assert upstream.exchanges[0].messages == REWRITTEN_BY_G4F


async def test_g4f_still_rewrites_what_a_provider_of_its_own_sends(upstream):
    # The day this fails, g4f changed what it does to messages: the exchange may no longer be
    # needed, or may need to do more. The test above must hold whatever this one finds.
    await stream_text(canary_provider(upstream), copy.deepcopy(REWRITTEN_BY_G4F))

    assert upstream.exchanges[0].messages != REWRITTEN_BY_G4F
    assert upstream.exchanges[0].messages[-1] != REWRITTEN_BY_G4F[-1]


async def test_the_exchange_records_the_backends_own_finish_reason_and_usage(upstream):
    usage = {"prompt_tokens": 5, "completion_tokens": 2}  # no total: g4f would ignore it
    upstream.will_answer(Script(finish_reason="length", usage=usage), Script(fault="truncate"))
    said, silent = Exchange.of(QUESTION), Exchange.of(QUESTION)

    await stream_text(provider_for(endpoint(upstream)), QUESTION, **{EXCHANGE: said})
    await stream_text(provider_for(endpoint(upstream)), QUESTION, **{EXCHANGE: silent})

    assert (said.finish_reason, said.usage) == ("length", usage)
    assert (silent.finish_reason, silent.usage) == (None, None)


async def test_the_first_pieces_leading_whitespace_is_kept(upstream):
    upstream.will_answer(Script(chunks=["\n", "    indented", " code"]))

    text = await stream_text(
        provider_for(endpoint(upstream)), QUESTION, **{EXCHANGE: Exchange.of(QUESTION)}
    )

    assert text == "\n    indented code"


async def test_a_conversation_the_backend_returns_is_never_sent_with_a_later_request(upstream):
    # g4f caches it by the earlier messages and sends it with the next request that has the
    # same ones, whoever asks: one user's conversation would reach another's request.
    upstream.will_answer(Script(conversation={"session": "alice"}), Script())
    alice = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "alice"}]
    bob = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "bob"}]

    for messages in (alice, bob):
        await stream_text(
            provider_for(endpoint(upstream)), messages, **{EXCHANGE: Exchange.of(messages)}
        )

    assert "conversation" not in upstream.exchanges[1].body


async def test_the_provider_answers_only_a_request_that_carries_an_exchange(upstream):
    with pytest.raises(TypeError, match="carry an exchange"):
        await stream_text(provider_for(endpoint(upstream)), QUESTION)
    assert upstream.exchanges == []


def test_a_base_url_that_is_not_http_is_refused_before_any_request(offline):
    backend = Backend(model="gpt-4", base_url="127.0.0.1:8100/v1")

    with pytest.raises(CompletionError) as raised:
        provider_for(backend)

    assert raised.value.code == "invalid_base_url"
    assert "must start with http:// or https://" in str(raised.value)
    assert "http://127.0.0.1:8100/v1" in str(raised.value)
