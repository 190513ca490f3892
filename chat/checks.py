"""Checks Django runs before serving (and on `manage.py check`): settings that cannot work."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register

from chat.upstream.backends import Backend


@register()
def backend_is_usable(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """A base URL g4f cannot use would fail every question: say so before serving any."""
    problem = Backend.from_settings().problem()
    if problem is None:
        return []
    return [Error(problem, hint="Fix STREAMDEMO_BASE_URL.", id="streamdemo.E001")]
