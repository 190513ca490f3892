"""The system checks the settings cannot make for themselves as they load."""

from django.core.checks import run_checks


def test_without_debug_a_missing_secret_key_is_an_error_that_says_what_to_set(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = ""

    errors = [message for message in run_checks() if message.id == "chat.E001"]

    assert len(errors) == 1
    assert "DJANGO_SECRET_KEY" in errors[0].msg


def test_a_secret_key_given_passes(settings):
    settings.SECRET_KEY = "k" * 50

    assert not [message for message in run_checks() if message.id == "chat.E001"]
