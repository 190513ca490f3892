"""Whether a question may start a reply: the limits of the process, the session and the address,
and an id the client chose, which tells another session nothing of whose it is."""

import asyncio
import uuid

import pytest

from chat.protocol import Ask, Refusal
from chat.replies import get_replies

pytestmark = pytest.mark.django_db(transaction=True)


async def refusal(ask: Ask, session: str, address: str | None = None) -> tuple[str, str | None]:
    with pytest.raises(Refusal) as refused:
        await get_replies().start(ask, session, address=address)
    return refused.value.code, refused.value.reply


@pytest.mark.parametrize("forgotten", [False, True], ids=["in the log", "in the database only"])
async def test_a_chosen_id_in_use_is_a_duplicate_to_its_session_and_unknown_to_others(
    upstream, forgotten
):
    replies = get_replies()
    chosen = uuid.uuid4().hex
    await replies.start(Ask("mine", reply=chosen), "owner")
    await asyncio.wait_for(replies.until_idle(), 10)
    if forgotten:
        await replies.log.forget(chosen)

    to_its_owner = await refusal(Ask("again", reply=chosen), "owner")
    to_a_stranger = await refusal(Ask("probe", reply=chosen), "stranger")

    assert to_its_owner == ("duplicate_reply", chosen)
    # What a resume of another session's reply gets: as if there were no such reply.
    assert to_a_stranger == ("not_found", chosen)
    assert len(upstream.exchanges) == 1


async def test_past_the_processs_limit_every_ask_is_busy(upstream, settings):
    settings.STREAMDEMO_MAX_REPLIES = 0

    assert await refusal(Ask("q"), "anyone") == ("busy", None)
    assert upstream.exchanges == []


async def test_a_refused_ask_holds_no_claim_on_the_sessions_share(upstream, settings):
    settings.STREAMDEMO_SESSION_REPLIES = 1
    replies = get_replies()

    # Refused after its share was claimed: the conversation is not the session's.
    assert await refusal(Ask("q", conversation="0" * 32), "alone") == ("not_found", None)
    reply = await replies.start(Ask("q"), "alone")

    assert reply
    await asyncio.wait_for(replies.until_idle(), 10)
