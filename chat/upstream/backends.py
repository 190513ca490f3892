"""Who answers a question: a model, and a g4f provider or an OpenAI-compatible endpoint.

A backend may name several providers, or several base URLs, comma-separated: they are
candidates tried in order until one starts streaming.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from django.conf import settings


@dataclass(frozen=True)
class Backend:
    model: str
    provider: str | None = None
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, **overrides: str | None) -> Backend:
        """The backend the `STREAMDEMO_*` settings name, with any non-empty override applied.

        A provider asked for by name replaces the configured endpoint and its key: the base URL
        would otherwise answer instead of the provider chosen, and the key is that endpoint's,
        not to be sent to anyone else.
        """
        values = {
            "model": settings.STREAMDEMO_MODEL,
            "provider": settings.STREAMDEMO_PROVIDER,
            "base_url": settings.STREAMDEMO_BASE_URL,
            "api_key": settings.STREAMDEMO_API_KEY,
        }
        chosen = {key: value for key, value in overrides.items() if value}
        if chosen.get("provider") and not chosen.get("base_url"):
            values["base_url"] = values["api_key"] = None
        values.update(chosen)
        return cls(**values)

    def candidates(self) -> list[Backend]:
        """One backend per base URL or provider named, in the order to try them."""
        if self.base_url:
            return [replace(self, base_url=url) for url in _split(self.base_url)]
        if self.provider:
            return [replace(self, provider=name) for name in _split(self.provider)]
        return [self]

    @property
    def label(self) -> str | None:
        """The provider as frames report it; None while g4f will choose."""
        return self.base_url or self.provider or None

    def problem(self) -> str | None:
        """What is wrong with the backend as configured, in a sentence; None when nothing is."""
        for url in _split(self.base_url or ""):
            parsed = urlsplit(url)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                return (
                    f"The base URL {url!r} must start with http:// or https:// "
                    f"(for instance http://{url.split('://')[-1]})."
                )
        return None

    def describe(self) -> str:
        if self.base_url:
            return self.base_url
        if self.provider:
            return f"g4f provider {self.provider}"
        return "g4f (automatic provider)"


def _split(names: str) -> list[str]:
    return [name.strip() for name in names.split(",") if name.strip()]
