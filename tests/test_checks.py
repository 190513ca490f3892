"""What Django's checks say of the settings before the server answers anyone."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError


def test_a_base_url_without_a_scheme_stops_the_server_before_it_starts(settings):
    settings.STREAMDEMO_BASE_URL = "127.0.0.1:11434/v1"

    with pytest.raises(SystemCheckError) as raised:
        call_command("check")

    assert "(streamdemo.E001) The base URL '127.0.0.1:11434/v1' must start with http://" in str(
        raised.value
    )
    assert "HINT: Fix STREAMDEMO_BASE_URL." in str(raised.value)


def test_a_usable_backend_passes(settings):
    settings.STREAMDEMO_BASE_URL = "http://127.0.0.1:11434/v1"

    call_command("check")
