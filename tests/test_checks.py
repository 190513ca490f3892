"""What Django's checks say of the settings before the server answers anyone."""

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError


def test_without_debug_a_missing_secret_key_is_an_error_that_says_what_to_set(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = ""

    errors = [message for message in run_checks() if message.id == "chat.E001"]

    assert len(errors) == 1
    assert "DJANGO_SECRET_KEY" in errors[0].msg


def test_a_secret_key_given_passes(settings):
    settings.SECRET_KEY = "k" * 50

    assert not [message for message in run_checks() if message.id == "chat.E001"]


def test_a_base_url_without_a_scheme_stops_the_server_before_it_starts(settings):
    settings.STREAMDEMO_BASE_URL = "127.0.0.1:11434/v1"

    with pytest.raises(SystemCheckError) as raised:
        call_command("check")

    assert "(chat.E002) The base URL '127.0.0.1:11434/v1' must start with http://" in str(
        raised.value
    )
    assert "(for instance http://127.0.0.1:11434/v1)" in str(raised.value)
    assert "HINT: Fix STREAMDEMO_BASE_URL." in str(raised.value)


def test_a_usable_backend_passes(settings):
    settings.STREAMDEMO_BASE_URL = "http://127.0.0.1:11434/v1"

    assert not [message for message in run_checks() if message.id == "chat.E002"]
