"""Every way the backend can fail, seen from the page: an `error` frame that names the backend
and says what happened, the text already streamed kept, and the socket still usable."""

import asyncio

import pytest

from tests.support.faults import FAULTS
from tests.support.upstream import Script
from tests.support.websocket import connect, receive_reply, text_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("name", FAULTS)
async def test_an_upstream_fault_ends_the_reply_with_an_error_naming_the_backend(
    upstream, settings, name
):
    fault = FAULTS[name]
    if fault.script is not None:
        upstream.will_answer(fault.script)
    backend = settings.STREAMDEMO_BASE_URL = fault.backend(upstream)
    communicator = await connect()

    await communicator.send_json_to({"type": "ask", "question": "Will this work?"})
    failed = await receive_reply(communicator, upstream)

    start, error = failed[0], failed[-1]
    assert start["type"] == "start"
    assert error["type"] == "error"
    assert error["reply"] == start["reply"]
    assert error["code"] == fault.code
    assert backend in error["message"]
    assert fault.says in error["message"]
    assert text_of(failed) == "".join(fault.kept)
    await communicator.disconnect()


@pytest.mark.parametrize("name", FAULTS)
async def test_the_next_ask_on_the_same_socket_streams_after_an_upstream_fault(
    upstream, settings, name
):
    fault = FAULTS[name]
    if fault.script is not None:
        upstream.will_answer(fault.script)
    settings.STREAMDEMO_BASE_URL = fault.backend(upstream)
    communicator = await connect()
    await communicator.send_json_to({"type": "ask", "question": "Will this work?"})
    assert (await receive_reply(communicator, upstream))[-1]["type"] == "error"

    settings.STREAMDEMO_BASE_URL = upstream.base_url
    upstream.will_answer(Script(chunks=["Yes", " now"]))
    await communicator.send_json_to({"type": "ask", "question": "And now?"})
    answered = await receive_reply(communicator)

    assert answered[-1]["type"] == "done"
    assert answered[-1]["finish_reason"] == "stop"
    assert text_of(answered) == "Yes now"
    await communicator.disconnect()


async def test_no_first_token_within_the_timeout_is_an_error_and_closes_the_upstream_request(
    upstream, settings
):
    settings.STREAMDEMO_FIRST_TOKEN_TIMEOUT = 0.3
    upstream.will_answer(Script(chunks=[], fault="stall"))
    communicator = await connect()

    await communicator.send_json_to({"type": "ask", "question": "Anyone there?"})
    failed = await receive_reply(communicator)

    error = failed[-1]
    assert [frame["type"] for frame in failed] == ["start", "error"]
    assert (error["reply"], error["code"]) == (failed[0]["reply"], "first_token_timeout")
    assert upstream.base_url in error["message"]
    assert "no answer began within 0.3 s" in error["message"]
    assert await asyncio.to_thread(upstream.exchanges[0].closed.wait, 1)
    await assert_the_socket_still_answers(communicator, upstream)


async def test_a_stall_mid_answer_keeps_the_text_sent_and_closes_the_upstream_request(
    upstream, settings
):
    settings.STREAMDEMO_IDLE_TIMEOUT = 0.3
    upstream.will_answer(Script(chunks=["Started", " then"], fault="stall"))
    communicator = await connect()

    await communicator.send_json_to({"type": "ask", "question": "Go on"})
    failed = await receive_reply(communicator)

    error = failed[-1]
    assert text_of(failed) == "Started then"
    assert (error["type"], error["reply"], error["code"]) == (
        "error",
        failed[0]["reply"],
        "stalled",
    )
    assert upstream.base_url in error["message"]
    assert "stalled: nothing for 0.3 s" in error["message"]
    assert await asyncio.to_thread(upstream.exchanges[0].closed.wait, 1)
    assert not upstream.exchanges[0].finished
    await assert_the_socket_still_answers(communicator, upstream)


async def assert_the_socket_still_answers(communicator, upstream) -> None:
    upstream.will_answer(Script(chunks=["Back"]))
    await communicator.send_json_to({"type": "ask", "question": "Again?"})
    answered = await receive_reply(communicator)
    assert answered[-1]["type"] == "done"
    assert text_of(answered) == "Back"
    await communicator.disconnect()
