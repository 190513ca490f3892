"""Checks Django runs before serving (and on `manage.py check`): settings that cannot work,
and what the settings cannot refuse by themselves as they load."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured

from chat.upstream.backends import Backend


@register()
def secret_key_is_set(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Without debug, a secret key must be given: sessions are signed with it."""
    try:
        settings.SECRET_KEY  # noqa: B018 - reading an empty key is what fails
    except ImproperlyConfigured:
        return [
            Error(
                "Set the DJANGO_SECRET_KEY environment variable (50 or more random "
                "characters): DJANGO_DEBUG is off.",
                id="chat.E001",
            )
        ]
    return []


@register()
def backend_is_usable(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """A base URL g4f cannot use would fail every question: say so before serving any."""
    problem = Backend.from_settings().problem()
    if problem is None:
        return []
    return [Error(problem, hint="Fix STREAMDEMO_BASE_URL.", id="chat.E002")]
