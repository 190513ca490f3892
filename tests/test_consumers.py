import asyncio

import pytest
from channels.testing import WebsocketCommunicator

from streamdemo.asgi import application
from tests.upstream import Script

pytestmark = pytest.mark.django_db(transaction=True)


async def connect() -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        application,
        "/ws/chat/",
        headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")],
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def receive(communicator: WebsocketCommunicator) -> dict:
    return await communicator.receive_json_from(timeout=5)


async def receive_reply(communicator: WebsocketCommunicator) -> list[dict]:
    frames = [await receive(communicator)]
    while frames[-1]["type"] not in ("done", "error"):
        frames.append(await receive(communicator))
    return frames


async def test_reply_frames_come_in_order_start_deltas_done(upstream):
    upstream.will_answer(Script(chunks=["Use", " os", ".walk", "()"]))
    communicator = await connect()
    await communicator.send_json_to({"type": "ask", "question": "How do I list files?"})

    frames = await receive_reply(communicator)

    reply = frames[0]["reply"]
    assert frames[0] == {
        "type": "start",
        "reply": reply,
        "model": "gpt-4",
        "provider": upstream.base_url,
    }
    assert frames[1:-1] == [
        {"type": "delta", "reply": reply, "seq": seq, "content": content}
        for seq, content in enumerate(["Use", " os", ".walk", "()"])
    ]
    assert frames[-1]["type"] == "done"
    assert frames[-1]["reply"] == reply
    assert frames[-1]["finish_reason"] == "stop"
    assert upstream.exchanges[0].messages[-1] == {"role": "user", "content": "How do I list files?"}
    await communicator.disconnect()


async def test_each_delta_arrives_before_the_next_exists_upstream(upstream):
    chunks = ["one", " two", " three", " four"]
    upstream.will_answer(Script(chunks=chunks, gated=True))
    communicator = await connect()
    await communicator.send_json_to({"type": "ask", "question": "Count"})
    assert (await receive(communicator))["type"] == "start"

    for seq, content in enumerate(chunks):
        frame = await receive(communicator)
        assert frame["seq"] == seq
        assert frame["content"] == content
        # Upstream has produced exactly this chunk and not yet the next one.
        assert upstream.exchanges[0].sent == seq + 1
        upstream.release()

    assert (await receive(communicator))["type"] == "done"
    await communicator.disconnect()


async def test_stop_ends_the_reply_as_stopped_and_closes_the_upstream_request(upstream):
    upstream.will_answer(Script(chunks=["partial", " never"], gated=True))
    communicator = await connect()
    await communicator.send_json_to({"type": "ask", "question": "Talk"})
    start = await receive(communicator)
    assert (await receive(communicator))["content"] == "partial"

    await communicator.send_json_to({"type": "stop"})

    assert await receive(communicator) == {
        "type": "done",
        "reply": start["reply"],
        "finish_reason": "stopped",
    }
    assert await asyncio.to_thread(upstream.exchanges[0].closed.wait, 1)
    assert upstream.exchanges[0].sent == 1
    await communicator.disconnect()


async def test_disconnect_mid_stream_closes_the_upstream_request(upstream):
    upstream.will_answer(Script(chunks=["partial", " never"], gated=True))
    communicator = await connect()
    await communicator.send_json_to({"type": "ask", "question": "Talk"})
    await receive(communicator)
    await receive(communicator)

    await communicator.disconnect()

    assert await asyncio.to_thread(upstream.exchanges[0].closed.wait, 1)
    assert not upstream.exchanges[0].finished


async def test_upstream_failure_ends_the_reply_with_an_error_and_the_socket_stays_usable(upstream):
    upstream.will_answer(Script(fault="http_500"), Script(chunks=["fine"]))
    communicator = await connect()

    await communicator.send_json_to({"type": "ask", "question": "first"})
    failed = await receive_reply(communicator)
    await communicator.send_json_to({"type": "ask", "question": "second"})
    answered = await receive_reply(communicator)

    assert [frame["type"] for frame in failed] == ["start", "error"]
    assert failed[-1]["reply"] == failed[0]["reply"]
    assert failed[-1]["code"] == "upstream_http"
    assert upstream.base_url in failed[-1]["message"]
    assert "500" in failed[-1]["message"]
    assert [frame["type"] for frame in answered] == ["start", "delta", "done"]
    assert answered[1]["content"] == "fine"
    await communicator.disconnect()


async def test_connection_dropped_mid_stream_keeps_the_deltas_sent_and_says_so(upstream):
    upstream.will_answer(Script(chunks=["kept", " too"], fault="drop", gated=True))
    communicator = await connect()
    await communicator.send_json_to({"type": "ask", "question": "q"})
    await receive(communicator)
    received = []
    for _ in range(2):
        received.append((await receive(communicator))["content"])
        upstream.release()

    error = await receive(communicator)

    assert received == ["kept", " too"]
    assert (error["type"], error["code"]) == ("error", "connection_lost")
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("this is not json", "invalid_json"),
        ('["a", "list"]', "invalid_frame"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "ask"}', "missing_question"),
        ('{"type": "ask", "question": "   "}', "empty_question"),
        ('{"type": "ask", "question": "hi", "model": "not-offered"}', "model_not_allowed"),
        ('{"type": "stop"}', "nothing_to_stop"),
    ],
)
async def test_a_frame_the_server_cannot_accept_gets_an_error_and_the_socket_stays_open(
    upstream, text, code
):
    communicator = await connect()

    await communicator.send_to(text_data=text)
    frame = await receive(communicator)
    await communicator.send_json_to({"type": "ask", "question": "still there?"})
    after = await receive_reply(communicator)

    assert frame["type"] == "error"
    assert frame["reply"] is None
    assert frame["code"] == code
    assert frame["message"]
    assert [f["type"] for f in after][-1] == "done"
    await communicator.disconnect()


async def test_an_ask_while_a_reply_streams_is_refused_as_busy_and_the_reply_goes_on(upstream):
    upstream.will_answer(Script(chunks=["a", "b"], gated=True))
    communicator = await connect()
    await communicator.send_json_to({"type": "ask", "question": "first"})
    await receive(communicator)
    await receive(communicator)

    await communicator.send_json_to({"type": "ask", "question": "second"})
    busy = await receive(communicator)
    upstream.release(2)
    rest = await receive_reply(communicator)

    assert (busy["type"], busy["code"]) == ("error", "busy")
    assert [frame["type"] for frame in rest] == ["delta", "done"]
    assert len(upstream.exchanges) == 1
    await communicator.disconnect()


async def test_the_model_asked_for_is_the_model_requested_upstream(upstream):
    communicator = await connect()
    await communicator.send_json_to({"type": "ask", "question": "q", "model": "other-model"})

    frames = await receive_reply(communicator)

    assert frames[0]["model"] == "other-model"
    assert upstream.exchanges[0].body["model"] == "other-model"
    await communicator.disconnect()


async def test_a_handshake_from_a_foreign_origin_is_refused(upstream):
    communicator = WebsocketCommunicator(
        application, "/ws/chat/", headers=[(b"origin", b"http://evil.example")]
    )
    connected, _ = await communicator.connect()
    assert not connected
