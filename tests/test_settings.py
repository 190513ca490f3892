"""Settings: what `check --deploy` says of production settings, and the headers the page gets."""

import os
import secrets

import pytest

from tests.support.console import manage

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_SECURE": "true",
    "DJANGO_ALLOWED_HOSTS": "example.com",
}


def check(*args: str, **settings: str):
    """`manage.py check ARGS` with only the DJANGO_* settings given here."""
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    return manage("check", *args, env={**inherited, **settings})


def test_check_deploy_is_clean_with_production_settings():
    result = check("--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_is_off_unless_asked_for():
    unsaid = {key: value for key, value in PRODUCTION.items() if key != "DJANGO_DEBUG"}

    result = check("--deploy", "--fail-level", "WARNING", **unsaid)

    assert result.returncode == 0, result.stderr
    assert "security.W018" not in result.stderr  # "DEBUG set to True in deployment"
    assert "security.W018" in check("--deploy", **{**unsaid, "DJANGO_DEBUG": "true"}).stderr


def test_check_deploy_warns_about_https_until_django_secure_is_set():
    result = check("--deploy", **{**PRODUCTION, "DJANGO_SECURE": "false"})

    for warning in ("W004", "W008", "W012", "W016"):
        assert f"security.{warning}" in result.stderr


def test_behind_https_the_cookies_are_ones_no_plain_http_page_can_plant():
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    shown = (
        "from django.conf import settings as s; print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME)"
    )

    result = manage("shell", "--verbosity", "0", "-c", shown, env={**inherited, **PRODUCTION})

    assert result.stdout.split() == ["__Host-sessionid", "__Host-csrftoken"], result.stderr


def test_without_debug_the_secret_key_must_come_from_the_environment():
    result = check(DJANGO_ALLOWED_HOSTS="example.com")

    assert result.returncode != 0
    assert "chat.E001" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_the_page_forbids_inline_script_and_framing(client):
    response = client.get("/")

    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
