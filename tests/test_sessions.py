"""Whose conversations a page or a socket may see: only a live session's, never a cookie's word.

A made-up, deleted or expired key, or a cookie that could not be a key at all, gets the page a
new session of its own (and its cookie), and gets a socket no session: it may store nothing.
"""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.contrib.sessions.models import Session
from django.utils import timezone

from chat.models import Conversation
from tests.support.websocket import connect, new_session, receive, receive_reply, text_of

pytestmark = pytest.mark.django_db(transaction=True)

MADE_UP = "k" * 32


def expired(key: str) -> str:
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(days=1))
    return key


def deleted(key: str) -> str:
    Session.objects.filter(session_key=key).delete()
    return key


def started_session(client) -> str:
    client.get("/")
    return client.cookies["sessionid"].value


@pytest.mark.parametrize(
    "cookie",
    [
        lambda client: MADE_UP,
        lambda client: deleted(started_session(client)),
        lambda client: expired(started_session(client)),
        lambda client: "x" * 41,
        lambda client: "../../etc;\\x00",
    ],
    ids=["made up", "deleted", "expired", "over 40 characters", "not a key"],
)
def test_a_page_given_a_key_that_is_not_a_live_session_starts_one_of_its_own(client, cookie):
    planted = cookie(client)
    # What an attacker planted the key for: a conversation it can read under that key.
    Conversation.objects.create(session_key=planted[:40], title="Planted by someone else")
    client.cookies["sessionid"] = planted

    response = client.get("/")

    given = response.cookies["sessionid"].value
    assert given != planted
    assert Session.objects.filter(session_key=given, expire_date__gt=timezone.now()).exists()
    assert "Planted by someone else" not in response.content.decode()


def test_a_page_with_a_live_session_keeps_it(client):
    key = started_session(client)

    response = client.get("/")

    assert "sessionid" not in response.cookies  # nothing new to send
    assert client.cookies["sessionid"].value == key


async def no_session_asks(cookie: str) -> None:
    """A socket whose cookie names no live session is refused an ask, stores nothing, and
    stays open; then another visitor is served."""
    socket = await connect(cookie=cookie)

    await socket.send_json_to({"type": "ask", "question": "Store me?", "render": False})
    refused = await receive(socket)
    await socket.send_json_to({"type": "resume", "reply": "a" * 32, "after": -1})
    still_open = await receive(socket)

    assert (refused["type"], refused["code"], refused["reply"]) == ("error", "no_session", None)
    assert "cookies" in refused["message"]
    assert (still_open["code"], still_open["reply"]) == ("not_found", "a" * 32)
    assert await Conversation.objects.acount() == 0
    other = await connect()
    await other.send_json_to({"type": "ask", "question": "Me?", "render": False})
    assert text_of(await receive_reply(other)) == "Hello, world!"
    await socket.disconnect()
    await other.disconnect()


async def test_a_socket_with_a_made_up_key_has_no_session_and_stores_nothing(upstream):
    await no_session_asks(MADE_UP)


async def test_a_socket_with_a_deleted_key_has_no_session(upstream):
    await no_session_asks(await sync_to_async(deleted)(await new_session()))


async def test_a_socket_with_an_expired_key_has_no_session(upstream):
    await no_session_asks(await sync_to_async(expired)(await new_session()))


@pytest.mark.parametrize("cookie", ["x" * 41, "x" * 4000, "%00", "abc"], ids=len)
async def test_a_socket_with_a_cookie_that_is_no_key_has_no_session(upstream, cookie):
    await no_session_asks(cookie)


async def test_a_socket_without_a_cookie_has_no_session(upstream):
    await no_session_asks("")


async def test_a_socket_of_a_live_session_asks_and_its_turn_is_that_sessions(upstream):
    session = await new_session()
    socket = await connect(session)

    await socket.send_json_to({"type": "ask", "question": "Mine?", "render": False})
    frames = await receive_reply(socket)

    assert frames[-1]["type"] == "done"
    assert await Conversation.objects.filter(session_key=session).acount() == 1
    await socket.disconnect()
