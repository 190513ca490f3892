"""System checks for what the settings cannot refuse by themselves as they load."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured


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
