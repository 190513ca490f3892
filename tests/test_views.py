import html
import json
import re

import pytest

from chat.models import Conversation, Turn
from tests.support.websocket import connect, receive_reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def session_key(client):
    """The session the page gives this browser on its first visit."""
    client.get("/")
    return client.cookies["sessionid"].value


def conversation_of(session_key, *turns, title="Sky colour?"):
    conversation = Conversation.objects.create(session_key=session_key, title=title)
    for index, facts in enumerate(turns):
        Turn.objects.create(conversation=conversation, reply_id=f"{title}-{index}", **facts)
    return conversation


def test_the_page_offers_a_question_box_stop_regenerate_and_the_chat_script(client):
    page = client.get("/").content.decode()

    assert 'id="question"' in page
    assert 'id="stop"' in page
    assert 'id="regenerate"' in page
    assert "chat/chat.js" in page


def test_the_first_visit_starts_a_session_for_the_websocket_to_find(client):
    response = client.get("/")

    assert response.cookies["sessionid"].value


def test_the_model_picker_offers_exactly_the_allowed_models(client, settings):
    settings.STREAMDEMO_MODELS = ["gpt-4", "llama3.2"]
    settings.STREAMDEMO_MODEL = "llama3.2"
    settings.STREAMDEMO_PROVIDERS = []

    page = client.get("/").content.decode()

    assert '<option value="gpt-4">gpt-4</option>' in page
    assert '<option value="llama3.2" selected>llama3.2</option>' in page
    assert 'id="provider"' not in page


def test_the_provider_picker_appears_when_providers_are_offered(client, settings):
    settings.STREAMDEMO_PROVIDERS = ["PollinationsAI", "Custom"]

    page = client.get("/").content.decode()

    assert '<option value="">automatic</option>' in page
    assert '<option value="PollinationsAI">PollinationsAI</option>' in page


def test_a_conversation_page_shows_its_history_with_answers_rendered(client, session_key):
    conversation = conversation_of(
        session_key,
        {"question": "Sky colour?", "answer": "**Blue**, mostly.", "status": "done"},
    )

    page = client.get(f"/c/{conversation.id}/").content.decode()

    assert "Sky colour?" in page
    assert "<strong>Blue</strong>, mostly." in page
    assert f'href="/c/{conversation.id}/export.md"' in page


def test_stopped_and_failed_answers_are_kept_and_marked(client, session_key):
    conversation = conversation_of(
        session_key,
        {"question": "One?", "answer": "Half an", "status": "stopped"},
        {"question": "Two?", "answer": "Cut", "status": "failed", "error": "upstream exploded"},
    )

    page = client.get(f"/c/{conversation.id}/").content.decode()

    assert "Half an" in page
    assert "Stopped: the answer so far is kept." in page
    assert "Cut off: upstream exploded" in page


def test_the_stats_of_an_answer_reach_the_page(client, session_key):
    stats = {"first_token_ms": 120, "total_ms": 900, "chunks_per_second": 31.5}
    usage = {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}
    conversation = conversation_of(
        session_key,
        {
            "question": "Hi?",
            "answer": "Hello",
            "status": "done",
            "provider": "Custom",
            "stats": stats,
            "usage": usage,
        },
    )

    page = client.get(f"/c/{conversation.id}/").content.decode()

    assert 'data-provider="Custom"' in page
    # PostgreSQL's jsonb keeps its own key order: compare what the page's script will parse.
    shown = re.search(r'class="stats" data-stats="([^"]*)"', page)[1]
    assert json.loads(html.unescape(shown)) == {**stats, "usage": usage, "usage_reported": False}


def test_a_page_opened_while_the_last_answer_streams_carries_the_reply_to_follow(
    client, session_key
):
    conversation = conversation_of(
        session_key,
        {"question": "One?", "answer": "Done.", "status": "done"},
        {"question": "Two?", "status": "streaming"},
    )

    page = client.get(f"/c/{conversation.id}/").content.decode()

    assert 'data-resume-reply="Sky colour?-1"' in page


def test_a_finished_conversation_has_nothing_to_follow(client, session_key):
    conversation = conversation_of(session_key, {"question": "One?", "status": "done"})

    page = client.get(f"/c/{conversation.id}/").content.decode()

    assert 'data-resume-reply=""' in page


def test_hostile_markup_in_a_stored_answer_is_shown_as_text(client, session_key):
    conversation = conversation_of(
        session_key,
        {"question": "<b>q</b>", "answer": "<script>alert(1)</script>", "status": "done"},
    )

    page = client.get(f"/c/{conversation.id}/").content.decode()

    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>q</b>" not in page


def test_the_sidebar_lists_only_this_browsers_conversations_newest_first(client, session_key):
    older = conversation_of(session_key, title="Older")
    newer = conversation_of(session_key, title="Newer")
    conversation_of("someone-else", title="Not yours")

    page = client.get("/").content.decode()

    assert page.index(f"/c/{newer.id}/") < page.index(f"/c/{older.id}/")
    assert "Not yours" not in page


def test_another_browsers_conversation_is_not_found(client):
    foreign = conversation_of("someone-else", {"question": "Secret?", "status": "done"})

    assert client.get(f"/c/{foreign.id}/").status_code == 404
    assert client.get(f"/c/{foreign.id}/export.md").status_code == 404


def test_an_unknown_conversation_is_not_found_with_a_way_back_to_a_new_chat(client, settings):
    settings.DEBUG = False

    response = client.get("/c/00000000-0000-0000-0000-000000000000/")

    assert response.status_code == 404
    assert "belongs to another browser" in response.content.decode()
    assert 'href="/"' in response.content.decode()


def test_a_conversation_exports_as_a_markdown_download(client, session_key):
    conversation = conversation_of(
        session_key,
        {"question": "Sky colour?", "answer": "**Blue**.", "status": "done"},
    )

    response = client.get(f"/c/{conversation.id}/export.md")

    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="sky-colour.md"'
    assert response.content.decode().startswith("# Sky colour?\n")
    assert "**Blue**." in response.content.decode()


def test_the_page_knows_the_longest_question_the_server_accepts(client, settings):
    settings.STREAMDEMO_MAX_QUESTION_CHARS = 1234

    page = client.get("/").content.decode()

    assert 'data-max-question-chars="1234"' in page


def turn_articles(page):
    """The opening tags of the page's turns, without the empty one its script copies."""
    log = page.split('id="turn-template"')[0]
    return re.findall(r'<article class="turn"[^>]*>', log)


def test_the_turns_the_latest_question_went_without_are_marked(client, session_key):
    conversation = conversation_of(
        session_key,
        {"question": "One?", "answer": "1", "status": "done"},
        {"question": "Two?", "answer": "2", "status": "done", "left_out": 0},
        {"question": "Three?", "answer": "3", "status": "done", "left_out": 1},
    )

    page = client.get(f"/c/{conversation.id}/").content.decode()

    marked = ["data-left-out" in article for article in turn_articles(page)]
    assert marked == [True, False, False]


def test_a_turns_thinking_is_shown_as_text_above_its_answer(client, session_key):
    conversation = conversation_of(
        session_key,
        {
            "question": "Think?",
            "reasoning": "Maybe <b>this</b>.",
            "answer": "Yes.",
            "status": "done",
            "stats": {"thinking_ms": 2500},
        },
        {"question": "Quick?", "answer": "No.", "status": "done"},
    )

    page = client.get(f"/c/{conversation.id}/").content.decode()

    first, second = page.split('<article class="turn"')[1:3]
    assert '<details class="thinking">' in first
    assert "Maybe &lt;b&gt;this&lt;/b&gt;." in first
    assert first.index("Maybe") < first.index("Yes.")
    assert '<details class="thinking" hidden>' in second


def test_an_answer_with_no_text_offers_nothing_to_copy(client, session_key):
    conversation = conversation_of(
        session_key,
        {"question": "Fail?", "status": "failed", "error": "upstream exploded"},
        {"question": "Work?", "answer": "Yes.", "status": "done"},
    )

    page = client.get(f"/c/{conversation.id}/").content.decode()

    log = page.split('id="turn-template"')[0]
    buttons = re.findall(r'<button class="copy-answer"[^>]*>', log)
    assert ["hidden" in button for button in buttons] == [True, False]


@pytest.mark.django_db(transaction=True)
async def test_the_page_names_the_backend_by_its_host_never_its_credentials(
    async_client, upstream, settings
):
    secret = "pw-not-for-visitors"
    settings.STREAMDEMO_BASE_URL = f"http://alice:{secret}@127.0.0.1:{upstream.port}/v1"
    await async_client.get("/")
    socket = await connect(async_client.cookies["sessionid"].value)
    await socket.send_json_to({"type": "ask", "question": "Which?", "render": False})
    frames = await receive_reply(socket)
    await socket.disconnect()

    page = (await async_client.get(f"/c/{frames[0]['conversation']}/")).content.decode()

    assert f'data-provider="{upstream.label}"' in page
    assert secret not in page
