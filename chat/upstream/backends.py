"""Who answers a question: a model, and a g4f provider or an OpenAI-compatible endpoint.

A backend may name several providers, or several base URLs, comma-separated: they are
candidates tried in order until one starts streaming.

Visitors see a backend's `label`, never its base URL: a URL may carry a user, a password or a
key. The label is `STREAMDEMO_BACKEND_LABEL` (one per base URL, comma-separated), or else the
URL's host and port alone.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from urllib.parse import parse_qsl, unquote, urlsplit

from django.conf import settings


@dataclass(frozen=True)
class Backend:
    model: str
    provider: str | None = None
    base_url: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    # What visitors are shown for each base URL (comma-separated, in the same order).
    name: str | None = None

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
            "name": settings.STREAMDEMO_BACKEND_LABEL,
        }
        chosen = {key: value for key, value in overrides.items() if value}
        if chosen.get("provider") and not chosen.get("base_url"):
            values["base_url"] = values["api_key"] = values["name"] = None
        values.update(chosen)
        return cls(**values)

    def candidates(self) -> list[Backend]:
        """One backend per base URL or provider named, in the order to try them."""
        return self._candidates

    # Worked out once per backend: a reply asks for its candidates and its label several times.
    @cached_property
    def _candidates(self) -> list[Backend]:
        if self.base_url:
            urls, names = _split(self.base_url), _split(self.name or "")
            return [
                replace(self, base_url=url, name=names[index] if index < len(names) else None)
                for index, url in enumerate(urls)
            ]
        if self.provider:
            return [replace(self, provider=name) for name in _split(self.provider)]
        return [self]

    @cached_property
    def label(self) -> str | None:
        """The provider as visitors see it (frames, the page, errors); None while g4f chooses."""
        if self.base_url:
            return ", ".join(
                candidate.name or _host(candidate.base_url or "") for candidate in self.candidates()
            )
        return self.provider or None

    def secrets(self) -> list[str]:
        """What must never be shown: the key, and the password and query of each URL."""
        found = [self.api_key or ""]
        for url in _split(self.base_url or ""):
            parts = urlsplit(url)
            found += [parts.password or "", parts.query]
            found += [value for _, value in parse_qsl(parts.query)]
            if parts.password:
                # g4f sends them as HTTP Basic credentials, which a backend's error may echo;
                # and a password written %-encoded in the URL is sent decoded.
                password = unquote(parts.password)
                basic = f"{unquote(parts.username or '')}:{password}".encode()
                found += [password, base64.b64encode(basic).decode()]
        return sorted({secret for secret in found if secret}, key=len, reverse=True)

    def problem(self) -> str | None:
        """What is wrong with the backend as configured, in a sentence; None when nothing is."""
        for url in _split(self.base_url or ""):
            parsed = urlsplit(url)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                # Quoted as written, without credentials or query (it may carry keys).
                shown = re.sub(r"^([^/]*//)?[^/@]*@", r"\1", url.split("?")[0])
                example = shown.split("//", 1)[-1]
                return (
                    f"The base URL {shown!r} must start with http:// or https:// "
                    f"(for instance http://{example})."
                )
        return None

    def describe(self) -> str:
        if self.base_url:
            return self.label or ""
        if self.provider:
            return f"g4f provider {self.provider}"
        return "g4f (automatic provider)"


@lru_cache(maxsize=64)
def _host(url: str) -> str:
    """The host and port of a URL, without anything else it carries."""
    parts = urlsplit(url if "://" in url else f"//{url}")
    try:
        port = parts.port
    except ValueError:
        port = None
    host = parts.hostname or "the configured endpoint"
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{port}" if port else host


def _split(names: str) -> list[str]:
    return [name.strip() for name in names.split(",") if name.strip()]
