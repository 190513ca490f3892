"""The g4f provider that answers for a backend: one of g4f's own, or any OpenAI-compatible URL."""

from __future__ import annotations

from functools import lru_cache

from g4f.client.factory import create_custom_provider
from g4f.Provider import ProviderUtils
from g4f.providers.types import ProviderType

from chat.upstream.backends import Backend
from chat.upstream.errors import CompletionError


def provider_for(backend: Backend) -> ProviderType | None:
    if backend.base_url:
        return _openai_compatible(backend.base_url, backend.api_key, backend.model)
    if backend.provider is None:
        return None
    if backend.provider not in ProviderUtils.convert:
        # Asked for an unknown name, g4f would fetch a list of providers from the internet.
        raise CompletionError(
            "unknown_provider", f"g4f has no provider named {backend.provider}", backend
        )
    return ProviderUtils.convert[backend.provider]


@lru_cache(maxsize=64)
def _openai_compatible(base_url: str, api_key: str | None, model: str) -> ProviderType:
    # Naming the model spares g4f a blocking GET /models inside the event loop.
    return create_custom_provider(
        base_url, api_key=api_key, name="OpenAICompatible", models=[model], default_model=model
    )
