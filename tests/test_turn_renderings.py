"""An answer's final rendering: made once when its reply ends, stored with its turn, and what
resumes and page loads show, without rendering it again."""

import pytest

from chat.models import Conversation, Turn
from chat.rendering import blocks, budget, live
from chat.replies import get_replies
from tests.support.upstream import Script
from tests.support.websocket import connect, new_session, receive_reply

pytestmark = pytest.mark.django_db(transaction=True)

ANSWER = [
    "## Plan\n\n",
    "1. *one*\n2. two\n\n",
    "```python\nprint(1)\n```\n\n",
    "| a |\n|---|\n| 1 |\n",
]


@pytest.fixture
def renderings(monkeypatch, settings):
    """Every text handed to the markdown renderer, in this process."""
    settings.STREAMDEMO_RENDER_PROCESS = False
    texts: list[str] = []
    region, whole = blocks.render_region, budget.whole

    def counted_region(text, **options):
        texts.append(text)
        return region(text, **options)

    def counted_whole(text, *limits):
        texts.append(text)
        return whole(text, *limits)

    monkeypatch.setattr(live, "render_region", counted_region)
    monkeypatch.setattr(budget, "whole", counted_whole)
    return texts


def last_html(frames):
    return [frame for frame in frames if frame["type"] == "html"][-1]


async def asked(session, upstream, render="changes"):
    upstream.will_answer(Script(chunks=ANSWER))
    tab = await connect(session)
    await tab.send_json_to({"type": "ask", "question": "Plan?", "render": render})
    frames = await receive_reply(tab)
    await tab.disconnect()
    return frames


async def resumed(session, reply, render="changes"):
    tab = await connect(session)
    await tab.send_json_to({"type": "resume", "reply": reply, "after": -1, "render": render})
    frames = await receive_reply(tab)
    await tab.disconnect()
    return frames


async def test_the_final_rendering_is_stored_with_the_turn(upstream):
    session = await new_session()

    frames = await asked(session, upstream, render=True)

    turn = await Turn.objects.aget(reply_id=frames[0]["reply"])
    assert turn.rendered == budget.render_markdown("".join(ANSWER))
    assert last_html(frames)["html"] == turn.rendered


async def test_a_second_socket_resuming_gets_the_same_final_html_without_rendering(
    upstream, renderings
):
    session = await new_session()
    first = await asked(session, upstream)
    reply = first[0]["reply"]
    rendered_before = len(renderings)

    second = await resumed(session, reply)

    assert len(renderings) == rendered_before
    assert last_html(second) == {
        "type": "html",
        "reply": reply,
        "upto": 3,
        "html": budget.render_markdown("".join(ANSWER)),
        "from": 0,
    }
    assert [frame["type"] for frame in second][-2:] == ["html", "done"]


async def test_resumes_of_a_hostile_answer_render_nothing_and_its_stream_little(
    upstream, renderings
):
    hostile = ["![" * 500] * 59  # the 59 KB answer that took 0.9 s each time it was rendered
    session = await new_session()
    upstream.will_answer(Script(chunks=hostile))
    tab = await connect(session)
    await tab.send_json_to({"type": "ask", "question": "Brackets?", "render": "changes"})
    reply = (await receive_reply(tab))[0]["reply"]
    await tab.disconnect()
    streamed = sum(map(len, renderings))

    finals = [last_html(await resumed(session, reply)) for _ in range(5)]

    assert sum(map(len, renderings)) == streamed  # nothing rendered again
    assert streamed <= 5 * len("".join(hostile))  # the stream and its final rendering
    assert all(final == finals[0] for final in finals)
    assert finals[0]["html"].startswith('<pre class="unformatted"')


async def test_a_resume_from_the_database_sends_the_stored_rendering(upstream, renderings):
    session = await new_session()
    reply = (await asked(session, upstream))[0]["reply"]
    await get_replies().log.forget(reply)
    stored = (await Turn.objects.aget(reply_id=reply)).rendered
    renderings.clear()

    frames = await resumed(session, reply)

    assert [frame["type"] for frame in frames] == ["start", "delta", "html", "done"]
    assert frames[2] == {"type": "html", "reply": reply, "upto": 0, "html": stored, "from": 0}
    assert renderings == []


async def test_without_render_a_resume_from_the_database_sends_no_html(upstream):
    session = await new_session()
    reply = (await asked(session, upstream))[0]["reply"]
    await get_replies().log.forget(reply)

    frames = await resumed(session, reply, render=False)

    assert [frame["type"] for frame in frames] == ["start", "delta", "done"]


def long_conversation(session_key, turns):
    conversation = Conversation.objects.create(session_key=session_key, title="Long")
    for index in range(turns):
        answer = f"Answer **{index}**\n\n" + "- item\n" * 50
        Turn.objects.create(
            conversation=conversation,
            reply_id=f"reply-{index}",
            question=f"Question {index}?",
            answer=answer,
            status=Turn.Status.DONE,
            rendered=budget.render_markdown(answer),
        )
    return conversation


@pytest.mark.django_db
def test_a_page_load_of_a_long_conversation_renders_nothing(client, renderings):
    client.get("/")
    conversation = long_conversation(client.cookies["sessionid"].value, 60)
    renderings.clear()

    page = client.get(f"/c/{conversation.id}/").content.decode()

    assert renderings == []
    assert page.count("<strong>") == 60
    assert "<strong>59</strong>" in page


@pytest.mark.django_db
def test_a_turn_stored_without_a_rendering_gets_one_when_first_shown(client, monkeypatch):
    client.get("/")
    conversation = long_conversation(client.cookies["sessionid"].value, 1)
    Turn.objects.update(rendered=None)

    first = client.get(f"/c/{conversation.id}/").content.decode()
    monkeypatch.setattr("chat.turn_renderings.render_markdown", lambda text: "not again")
    second = client.get(f"/c/{conversation.id}/").content.decode()

    assert "<strong>0</strong>" in first
    assert "<strong>0</strong>" in second
    assert Turn.objects.get().rendered.startswith("<p>Answer <strong>0</strong></p>")


@pytest.mark.django_db
def test_a_turn_still_streaming_shows_its_saved_text_as_text(client):
    client.get("/")
    conversation = Conversation.objects.create(
        session_key=client.cookies["sessionid"].value, title="t"
    )
    Turn.objects.create(conversation=conversation, reply_id="r", question="q", answer="**so far**")

    page = client.get(f"/c/{conversation.id}/").content.decode()

    assert '<span class="tail">**so far**</span>' in page
    assert "<strong>" not in page
