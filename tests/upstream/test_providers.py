"""Which g4f provider answers for a backend: g4f's own by name, or one built for an endpoint."""

import socket

import pytest
from g4f.client import AsyncClient
from g4f.Provider import ProviderUtils

from chat.upstream.backends import Backend
from chat.upstream.errors import CompletionError
from chat.upstream.providers import provider_for


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
        messages=[{"role": "user", "content": "Hi"}], model="other-model", stream=True
    )
    text = "".join([chunk.choices[0].delta.content or "" async for chunk in chunks])

    assert text == "Hello, world!"
    assert upstream.exchanges[0].body["model"] == "other-model"
    assert upstream.model_lists == 0
