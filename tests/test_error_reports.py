"""What Django's debug page shows of the settings: never a password a URL carries."""

import pytest

from chat import views
from chat.models import Conversation, Turn

pytestmark = pytest.mark.django_db

SECRET = "pw-not-for-anyone"


def test_the_debug_page_hides_urls_and_hosts_that_may_carry_passwords(
    client, settings, monkeypatch
):
    settings.DEBUG = True
    settings.STREAMDEMO_BASE_URL = f"https://alice:{SECRET}@api.example.com/v1"
    settings.REDIS_URL = f"redis://:{SECRET}@127.0.0.1:6379/0"
    settings.CHANNEL_LAYERS = {"default": {"CONFIG": {"hosts": [settings.REDIS_URL]}}}
    client.get("/")
    conversation = Conversation.objects.create(
        session_key=client.cookies["sessionid"].value, title="t"
    )
    Turn.objects.create(conversation=conversation, reply_id="r", question="q", answer="a")
    client.raise_request_exception = False

    def broken(turn):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views, "shown_rendering", broken)

    response = client.get(f"/c/{conversation.id}/")

    page = response.content.decode()
    assert response.status_code == 500
    assert "STREAMDEMO_BASE_URL" in page  # the debug page it is, settings and all
    assert SECRET not in page
