"""One socket of `/ws/chat/` as a client sees it: the frames it receives, what it may ask when,
its limits and close codes, and replies resumed or stopped from another socket."""

import asyncio
import base64
import json
import uuid

import pytest
from channels.testing import WebsocketCommunicator

from chat.conversations import find_turn
from chat.replies import get_replies
from chat.replies.runner import Replies
from streamdemo.asgi import application
from tests.support.upstream import Script
from tests.support.websocket import connect, new_session, receive, receive_reply, text_of

pytestmark = pytest.mark.django_db(transaction=True)


async def ask(communicator: WebsocketCommunicator, question: str, **fields) -> None:
    # Rendered markdown has tests of its own; these ask for deltas alone unless they say so.
    await communicator.send_json_to(
        {"type": "ask", "question": question, "render": False, **fields}
    )


async def test_reply_frames_come_in_order_start_deltas_done(upstream):
    upstream.will_answer(Script(chunks=["Use", " os", ".walk", "()"], gated=True))
    communicator = await connect()
    await ask(communicator, "How do I list files?")

    frames = await receive_reply(communicator, upstream)

    reply = frames[0]["reply"]
    timings = frames[0].pop("stats")
    assert frames[0] == {
        "type": "start",
        "reply": reply,
        "model": "gpt-4",
        "provider": upstream.label,
        "conversation": frames[0]["conversation"],
        "title": "How do I list files?",
        "question": "How do I list files?",
        "left_out": 0,
        "replaces": None,
    }
    # Counted from the ask: the first piece came after it, and the start after that.
    assert 0 <= timings["first_token_ms"] <= timings["elapsed_ms"]
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
    await ask(communicator, "Count")
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


async def test_upstream_failure_ends_the_reply_with_an_error_and_the_socket_stays_usable(upstream):
    upstream.will_answer(Script(fault="http_500"), Script(chunks=["fine"]))
    communicator = await connect()

    await ask(communicator, "first")
    failed = await receive_reply(communicator)
    await ask(communicator, "second")
    answered = await receive_reply(communicator)

    assert [frame["type"] for frame in failed] == ["start", "error"]
    assert failed[-1]["reply"] == failed[0]["reply"]
    assert failed[-1]["code"] == "upstream_unavailable"
    assert upstream.label in failed[-1]["message"]
    assert "500" in failed[-1]["message"]
    assert [frame["type"] for frame in answered] == ["start", "delta", "done"]
    assert answered[1]["content"] == "fine"
    await communicator.disconnect()


async def test_a_frame_the_server_cannot_accept_gets_an_error_and_the_socket_stays_open(upstream):
    communicator = await connect()

    await communicator.send_to(text_data='{"type": "ask", "question": "   "}')
    frame = await receive(communicator)
    await ask(communicator, "still there?")
    after = await receive_reply(communicator)

    assert (frame["type"], frame["reply"], frame["code"]) == ("error", None, "empty_question")
    assert frame["message"] == "The question is empty."
    assert (after[-1]["type"], text_of(after)) == ("done", "Hello, world!")
    await communicator.disconnect()


async def test_a_stop_with_nothing_of_its_own_streaming_is_refused(upstream):
    upstream.will_answer(Script(chunks=["mine", " alone"], gated=True))
    owner = await connect(await new_session())
    await ask(owner, "q")
    reply = (await receive(owner))["reply"]
    assert (await receive(owner))["content"] == "mine"
    stranger = await connect(await new_session())

    await stranger.send_json_to({"type": "stop"})
    nothing = await receive(stranger)
    await stranger.send_json_to({"type": "stop", "reply": reply})
    not_theirs = await receive(stranger)
    upstream.release(2)

    assert (nothing["type"], nothing["code"]) == ("error", "nothing_to_stop")
    assert (not_theirs["type"], not_theirs["code"]) == ("error", "nothing_to_stop")
    rest = await receive_reply(owner)
    assert [f.get("content") for f in rest[:-1]] == [" alone"]
    assert (rest[-1]["type"], rest[-1]["finish_reason"]) == ("done", "stop")
    await owner.disconnect()
    await stranger.disconnect()


async def test_an_ask_while_a_reply_streams_is_refused_as_busy_and_the_reply_goes_on(upstream):
    upstream.will_answer(Script(chunks=["a", "b"], gated=True))
    communicator = await connect()
    await ask(communicator, "first")
    await receive(communicator)
    await receive(communicator)

    await ask(communicator, "second")
    busy = await receive(communicator)
    upstream.release(2)
    rest = await receive_reply(communicator)

    assert (busy["type"], busy["code"]) == ("error", "busy")
    assert [frame["type"] for frame in rest] == ["delta", "done"]
    assert len(upstream.exchanges) == 1
    await communicator.disconnect()


async def test_a_handshake_from_a_foreign_origin_is_refused(upstream):
    communicator = WebsocketCommunicator(
        application, "/ws/chat/", headers=[(b"origin", b"http://evil.example")]
    )
    connected, _ = await communicator.connect()
    assert not connected


async def test_a_binary_frame_closes_the_socket_as_unsupported_data(upstream):
    communicator = await connect()

    await communicator.send_to(bytes_data=b"\x00\x01")

    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": 4003}


async def test_a_frame_over_the_size_limit_closes_the_socket_as_too_big(upstream, settings):
    settings.STREAMDEMO_MAX_FRAME_BYTES = 1024
    communicator = await connect()

    await communicator.send_to(text_data='{"type": "ask", "question": "%s"}' % ("x" * 1024))

    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": 4009}


async def test_a_client_flooding_asks_is_rate_limited(upstream, settings):
    settings.STREAMDEMO_ASK_BURST = 2
    settings.STREAMDEMO_ASKS_PER_MINUTE = 0.001
    communicator = await connect()
    for _ in range(2):
        await ask(communicator, "again")
        assert (await receive_reply(communicator))[-1]["type"] == "done"

    await ask(communicator, "once more")

    assert (await receive(communicator))["code"] == "rate_limited"
    assert len(upstream.exchanges) == 2
    await communicator.disconnect()


async def answered_reply(communicator, upstream, chunks) -> str:
    upstream.will_answer(Script(chunks=chunks))
    await ask(communicator, "q")
    frames = await receive_reply(communicator)
    assert frames[-1]["type"] == "done"
    return frames[0]["reply"]


@pytest.mark.parametrize(("after", "expected"), [(-1, ["abc"]), (0, ["bc"]), (2, [])])
async def test_resume_replays_every_delta_after_the_given_seq_then_the_end(
    upstream, after, expected
):
    session = await new_session()
    communicator = await connect(session)
    reply = await answered_reply(communicator, upstream, ["a", "b", "c"])
    await communicator.disconnect()

    again = await connect(session)
    await again.send_json_to({"type": "resume", "reply": reply, "after": after, "render": False})
    frames = await receive_reply(again)

    assert frames[0]["type"] == "start"
    assert frames[0]["reply"] == reply
    # The pieces were all waiting in the log: they come in one frame, its seq the last one's.
    deltas = [f for f in frames if f["type"] == "delta"]
    assert [f["content"] for f in deltas] == expected
    assert [f["seq"] for f in deltas] == ([2] if expected else [])
    assert frames[-1]["type"] == "done"
    assert frames[-1]["finish_reason"] == "stop"
    await again.disconnect()


async def test_resume_of_an_unknown_reply_is_not_found(upstream):
    communicator = await connect()

    await communicator.send_json_to({"type": "resume", "reply": "nope", "after": -1})

    frame = await receive(communicator)
    assert (frame["type"], frame["code"], frame["reply"]) == ("error", "not_found", "nope")
    await communicator.disconnect()


async def test_resume_of_another_sessions_reply_is_not_found(upstream):
    owner = await connect(await new_session())
    reply = await answered_reply(owner, upstream, ["secret"])

    stranger = await connect(await new_session())
    await stranger.send_json_to({"type": "resume", "reply": reply, "after": -1, "render": False})

    assert (await receive(stranger))["code"] == "not_found"
    await owner.disconnect()
    await stranger.disconnect()


async def test_a_reply_runs_on_after_its_socket_closes_and_a_reload_gets_all_of_it(upstream):
    session = await new_session()
    upstream.will_answer(Script(chunks=["one", " two", " three"], gated=True))
    first = await connect(session)
    await ask(first, "count")
    reply = (await receive(first))["reply"]
    assert (await receive(first))["content"] == "one"

    await first.disconnect()
    upstream.release(3)
    reloaded = await connect(session)
    await reloaded.send_json_to({"type": "resume", "reply": reply, "after": 0, "render": False})
    frames = await receive_reply(reloaded)

    assert "".join(f["content"] for f in frames if f["type"] == "delta") == " two three"
    assert frames[-1]["finish_reason"] == "stop"
    assert await asyncio.to_thread(upstream.exchanges[0].closed.wait, 5)
    assert upstream.exchanges[0].finished
    await reloaded.disconnect()


async def test_a_second_tab_follows_the_reply_live_and_can_stop_it(upstream):
    session = await new_session()
    upstream.will_answer(Script(chunks=["one", " two", " never"], gated=True))
    first, second = await connect(session), await connect(session)
    await ask(first, "count")
    reply = (await receive(first))["reply"]
    await receive(first)

    await second.send_json_to({"type": "resume", "reply": reply, "after": -1, "render": False})
    assert (await receive(second))["type"] == "start"
    assert (await receive(second))["content"] == "one"
    upstream.release()
    assert (await receive(first))["content"] == " two"
    assert (await receive(second))["content"] == " two"
    await second.send_json_to({"type": "stop", "reply": reply})

    for tab in (first, second):
        end = await receive(tab)
        assert (end["type"], end["finish_reason"]) == ("done", "stopped")
    assert await asyncio.to_thread(upstream.exchanges[0].closed.wait, 1)
    await first.disconnect()
    await second.disconnect()


async def test_a_reply_gone_from_the_log_is_resumed_from_the_database(upstream):
    session = await new_session()
    communicator = await connect(session)
    reply = await answered_reply(communicator, upstream, ["saved", " answer"])
    await communicator.disconnect()
    await get_replies().log.forget(reply)

    again = await connect(session)
    await again.send_json_to({"type": "resume", "reply": reply, "after": -1, "render": False})
    frames = await receive_reply(again)

    assert [f["type"] for f in frames] == ["start", "delta", "done"]
    assert frames[1]["content"] == "saved answer"
    assert frames[-1]["finish_reason"] == "stop"
    await again.disconnect()


async def test_a_client_that_dropped_before_start_learns_by_resume_whether_its_ask_arrived(
    upstream,
):
    session = await new_session()
    # Ids of this test's own: replies of other tests stay in the process's log.
    sent, never_sent = uuid.uuid4().hex, uuid.uuid4().hex
    upstream.will_answer(Script(chunks=["arrived"], gated=True))
    first = await connect(session)
    await ask(first, "did it arrive?", reply=sent)
    await first.disconnect()

    again = await connect(session)
    await again.send_json_to({"type": "resume", "reply": sent, "after": -1, "render": False})
    await again.send_json_to({"type": "resume", "reply": never_sent, "after": -1, "render": False})
    upstream.release()
    # The two answers may come in either order: one reply's frames, and one refusal.
    frames = [await receive(again) for _ in range(4)]
    arrived = [f for f in frames if f["reply"] == sent]
    lost = [f for f in frames if f["reply"] == never_sent]

    assert [f["type"] for f in arrived] == ["start", "delta", "done"]
    assert [(f["type"], f["code"]) for f in lost] == [("error", "not_found")]
    await again.disconnect()


async def test_sockets_close_at_once_and_cleanly_whatever_the_channel_layer(upstream):
    sockets = [await connect() for _ in range(3)]
    for socket in sockets:
        await ask(socket, "q")
        await receive_reply(socket)

    for socket in sockets:
        await socket.disconnect(timeout=10)  # the application must end by itself, not time out
        assert not socket.future.cancelled()
        assert socket.future.exception() is None


@pytest.mark.parametrize(
    ("script", "text"),
    [
        (Script(chunks=["All", " of it"], usage={"prompt_tokens": 5}), "All of it"),
        (Script(chunks=["Half", " of it"], fault="malformed"), "Half of it"),
        (Script(fault="http_500"), ""),
    ],
    ids=["done", "cut off", "never began"],
)
async def test_a_replys_final_frame_is_the_same_live_and_replayed_from_the_database(
    upstream, script, text
):
    session = await new_session()
    upstream.will_answer(script)
    communicator = await connect(session)
    await ask(communicator, "q")
    live = (await receive_reply(communicator))[-1]
    await communicator.disconnect()
    await get_replies().log.forget(live["reply"])

    again = await connect(session)
    await again.send_json_to({"type": "resume", "reply": live["reply"], "after": 0})
    replayed = (await receive_reply(again))[-1]

    assert replayed == live
    assert live["text"] == text
    await again.disconnect()


# -- a conversation shown in several tabs -------------------------------------------------


async def asked_in_a_new_conversation(tab, upstream) -> dict:
    """The first reply of a new conversation, asked and answered in `tab`."""
    await ask(tab, "First?")
    frames = await receive_reply(tab)
    assert frames[-1]["type"] == "done"
    return frames[0]


async def test_a_conversation_answers_one_question_at_a_time_whichever_tab_asks(upstream):
    session = await new_session()
    one, other = await connect(session), await connect(session)
    first = await asked_in_a_new_conversation(one, upstream)
    upstream.will_answer(Script(chunks=["slow", " answer"], gated=True))
    await ask(one, "Second?", conversation=first["conversation"])
    await receive(one)

    await ask(other, "Meanwhile?", conversation=first["conversation"])
    refused = await receive(other)
    upstream.release(2)

    assert (refused["type"], refused["code"], refused["reply"]) == ("error", "busy", None)
    assert "another question" in refused["message"]
    assert text_of(await receive_reply(one)) == "slow answer"
    # Once it has ended, the other tab may ask.
    await ask(other, "Now?", conversation=first["conversation"])
    assert (await receive_reply(other))[-1]["type"] == "done"
    await one.disconnect()
    await other.disconnect()


async def test_a_regenerate_from_a_stale_tab_replaces_nothing(upstream):
    session = await new_session()
    first_tab = await connect(session)
    first = await asked_in_a_new_conversation(first_tab, upstream)
    await first_tab.disconnect()  # a tab that went to sleep, showing only the first turn
    fresh = await connect(session)
    await ask(fresh, "Second?", conversation=first["conversation"])
    second = await receive_reply(fresh)
    asked = len(upstream.exchanges)

    # Back, it regenerates what it still takes for the conversation's last turn.
    stale = await connect(session)
    await ask(stale, "First?", conversation=first["conversation"], regenerate=first["reply"])
    conflict = await receive(stale)

    assert (conflict["type"], conflict["code"], conflict["reply"]) == ("error", "conflict", None)
    assert len(upstream.exchanges) == asked  # nothing was asked of the model
    turns = await _turns(first["conversation"])
    assert turns == [(first["reply"], "First?"), (second[0]["reply"], "Second?")]
    await stale.disconnect()
    await fresh.disconnect()


async def _turns(conversation: str) -> list[tuple[str, str]]:
    from chat.models import Turn

    return [
        (turn.reply_id, turn.question)
        async for turn in Turn.objects.filter(conversation_id=conversation)
    ]


# -- what the model receives, and what comes back ------------------------------------------


async def test_turns_over_the_context_budget_are_left_out_and_the_start_says_how_many(
    upstream, settings
):
    settings.STREAMDEMO_CONTEXT_CHARS = 40
    communicator = await connect(await new_session())
    upstream.will_answer(Script(chunks=["x" * 30]), Script(chunks=["y" * 5]), Script())
    first = await asked_in_a_new_conversation(communicator, upstream)
    await ask(communicator, "Two?", conversation=first["conversation"])
    await receive_reply(communicator)

    await ask(communicator, "Three?", conversation=first["conversation"])
    third = await receive_reply(communicator)

    assert third[0]["left_out"] == 1
    assert [m["content"] for m in upstream.exchanges[-1].messages] == ["Two?", "y" * 5, "Three?"]
    await communicator.disconnect()


async def test_thinking_streams_in_reasoning_frames_in_the_deltas_sequence(upstream):
    upstream.will_answer(Script(reasoning=["Two and", " two."], chunks=["Four", "."], gated=True))
    communicator = await connect()
    await ask(communicator, "2+2?")

    frames = await receive_reply(communicator, upstream)

    pieces = [(f["type"], f["seq"], f["content"]) for f in frames if "seq" in f]
    assert pieces == [
        ("reasoning", 0, "Two and"),
        ("reasoning", 1, " two."),
        ("delta", 2, "Four"),
        ("delta", 3, "."),
    ]
    assert (frames[-1]["reasoning"], frames[-1]["text"]) == ("Two and two.", "Four.")
    assert frames[-1]["stats"]["thinking_ms"] >= 0
    assert [m["role"] for m in upstream.exchanges[0].messages] == ["user"]
    await communicator.disconnect()


@pytest.mark.parametrize("after", [-1, 0, 1, 2])
async def test_a_resume_from_any_index_replays_thinking_and_answer_alike(upstream, after):
    session = await new_session()
    thinking, answer = ["Two and", " two."], ["Four", "."]
    upstream.will_answer(Script(reasoning=thinking, chunks=answer, gated=True))
    communicator = await connect(session)
    await ask(communicator, "2+2?")
    whole = await receive_reply(communicator, upstream)

    again = await connect(session)
    reply = whole[0]["reply"]
    await again.send_json_to({"type": "resume", "reply": reply, "after": after, "render": False})
    resumed = await receive_reply(again)

    # Waiting in the log, the pieces after `after` come joined: one frame of each kind.
    expected = [
        {
            "type": kind,
            "reply": reply,
            "seq": last,
            "content": "".join(pieces[max(0, after + 1 - first) :]),
        }
        for kind, first, last, pieces in [("reasoning", 0, 1, thinking), ("delta", 2, 3, answer)]
        if last > after
    ]
    assert [frame for frame in resumed if "seq" in frame] == expected
    assert resumed[-1] == whole[-1]
    await communicator.disconnect()
    await again.disconnect()


async def test_the_thinking_is_kept_but_never_sent_back_to_the_model(upstream):
    communicator = await connect(await new_session())
    upstream.will_answer(Script(reasoning=["Secret thoughts."], chunks=["Four."]))
    await ask(communicator, "2+2?")
    first = await receive_reply(communicator)

    await ask(communicator, "And 3+3?", conversation=first[0]["conversation"])
    await receive_reply(communicator)

    assert upstream.exchanges[1].messages == [
        {"role": "user", "content": "2+2?"},
        {"role": "assistant", "content": "Four."},
        {"role": "user", "content": "And 3+3?"},
    ]
    await communicator.disconnect()


async def test_a_usage_the_backend_did_not_count_is_marked_as_an_estimate(upstream):
    counted = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
    upstream.will_answer(Script(usage=counted), Script(usage=None))
    communicator = await connect()

    await ask(communicator, "q")
    reported = (await receive_reply(communicator))[-1]
    await ask(communicator, "q")
    estimated = (await receive_reply(communicator))[-1]

    assert (reported["usage"], reported["usage_reported"]) == (counted, True)
    assert estimated["usage"] is not None
    assert estimated["usage_reported"] is False
    await communicator.disconnect()


async def test_a_watch_sends_the_turns_asked_since_then_shows_the_conversation(upstream):
    session = await new_session()
    asker = await connect(session)
    first = await asked_in_a_new_conversation(asker, upstream)
    await ask(asker, "Second?", conversation=first["conversation"])
    second = await receive_reply(asker)
    watcher = await connect(session)

    await watcher.send_json_to(
        {"type": "watch", "conversation": first["conversation"], "after": first["reply"]}
    )
    caught_up = await receive_reply(watcher)
    watching = await receive(watcher)
    await ask(asker, "Third?", conversation=first["conversation"])
    third = (await receive_reply(watcher))[0]

    assert caught_up[0]["reply"] == second[0]["reply"]
    assert caught_up[-1] == second[-1]
    assert watching == {"type": "watching", "conversation": first["conversation"]}
    assert (third["type"], third["question"]) == ("start", "Third?")
    await asker.disconnect()
    await watcher.disconnect()


async def test_a_catch_up_waits_for_acks_and_an_ask_meanwhile_is_answered_after_it(
    upstream, settings
):
    session = await new_session()
    asker = await connect(session)
    first = await asked_in_a_new_conversation(asker, upstream)
    for question in ("Second?", "Third?"):
        await ask(asker, question, conversation=first["conversation"])
        await receive_reply(asker)
    # A window smaller than one frame: each frame of the catch-up waits for the one before
    # it to be acknowledged, which needs the socket to read while it catches up.
    settings.STREAMDEMO_SOCKET_WINDOW_BYTES = 10
    watcher = await connect(session)
    await watcher.send_json_to({"type": "watch", "conversation": first["conversation"]})
    opening = await receive(watcher)
    assert await watcher.receive_nothing(timeout=0.2)  # held: nothing acknowledged yet
    await ask(watcher, "Fourth?", conversation=first["conversation"])

    frames = [opening]
    while not (frames[-1]["type"] == "start" and frames[-1]["question"] == "Fourth?"):
        await watcher.send_json_to({"type": "ack", "frames": len(frames)})
        frames.append(await receive(watcher))

    kinds = [frame["type"] for frame in frames]
    starts = [frame["question"] for frame in frames if frame["type"] == "start"]
    assert starts == ["First?", "Second?", "Third?", "Fourth?"]
    assert kinds[-2] == "watching"  # the whole catch-up came before the ask's reply
    await asker.disconnect()
    await watcher.disconnect()


async def test_a_watch_from_a_page_behind_its_conversation_is_told_so(upstream):
    session = await new_session()
    asker = await connect(session)
    first = await asked_in_a_new_conversation(asker, upstream)
    await ask(asker, "First?", conversation=first["conversation"], regenerate=first["reply"])
    await receive_reply(asker)
    behind = await connect(session)

    await behind.send_json_to(
        {"type": "watch", "conversation": first["conversation"], "after": first["reply"]}
    )

    refused = await receive(behind)
    assert (refused["type"], refused["code"], refused["reply"]) == ("error", "conflict", None)
    await asker.disconnect()
    await behind.disconnect()


async def test_another_sessions_conversation_cannot_be_watched(upstream):
    first = await asked_in_a_new_conversation(await connect(await new_session()), upstream)
    stranger = await connect(await new_session())

    await stranger.send_json_to({"type": "watch", "conversation": first["conversation"]})

    refused = await receive(stranger)
    assert (refused["code"], refused["reply"]) == ("not_found", None)
    await stranger.disconnect()


async def answered_and_alive(communicator: WebsocketCommunicator, text: str) -> dict:
    """The error frame a frame got; the socket then still asks and gets its answer."""
    await communicator.send_to(text_data=text)
    frame = await receive(communicator)
    await ask(communicator, "still there?")
    after = await receive_reply(communicator)
    assert (after[-1]["type"], text_of(after)) == ("done", "Hello, world!")
    return frame


async def test_json_nested_thirty_thousand_deep_gets_an_error_and_the_socket_lives(upstream):
    communicator = await connect()

    frame = await answered_and_alive(communicator, "[" * 30_000 + "]" * 30_000)

    assert (frame["type"], frame["code"], frame["reply"]) == ("error", "invalid_json", None)
    await communicator.disconnect()


def with_lone_surrogate(**fields) -> str:
    """The frame as JSON, "LONE" in it written as a lone surrogate: valid JSON ("\\ud800"), and
    text that no UTF-8 encoder takes."""
    return json.dumps(fields).replace("LONE", "\\ud800")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (with_lone_surrogate(type="ask", question="why LONE"), "invalid_question"),
        (with_lone_surrogate(type="ask", question="q", model="LONE"), "invalid_model"),
        (with_lone_surrogate(type="ask", question="q", provider="LONE"), "invalid_provider"),
        (
            with_lone_surrogate(type="ask", question="q", conversation="LONE"),
            "invalid_conversation",
        ),
        (with_lone_surrogate(type="ask", question="q", reply="LONE"), "invalid_reply"),
        (with_lone_surrogate(type="ask", question="q", regenerate="LONE"), "invalid_regenerate"),
        (with_lone_surrogate(type="stop", reply="LONE"), "invalid_reply"),
        (with_lone_surrogate(type="resume", reply="LONE", after=-1), "invalid_resume"),
        (with_lone_surrogate(type="LONE"), "unknown_type"),
        (json.dumps({"type": "resume", "reply": "a\x00b", "after": -1}), "invalid_resume"),
        (json.dumps({"type": "stop", "reply": "a\x00b"}), "invalid_reply"),
    ],
    ids=[
        "question",
        "model",
        "provider",
        "conversation",
        "ask's reply",
        "regenerate",
        "stop's reply",
        "resume's reply",
        "type",
        "NUL in a resume's reply",
        "NUL in a stop's reply",
    ],
)
async def test_a_lone_surrogate_or_a_nul_in_any_string_gets_an_error_and_the_socket_lives(
    upstream, text, code
):
    communicator = await connect()

    frame = await answered_and_alive(communicator, text)

    assert (frame["type"], frame["code"]) == ("error", code)
    assert len(upstream.exchanges) == 1  # only the well-formed ask reached the backend
    await communicator.disconnect()


async def test_whatever_fails_in_the_server_the_frame_is_answered_and_the_socket_lives(
    upstream, monkeypatch
):
    communicator = await connect()
    real_start = Replies.start

    async def failing_once(self, *args, **kwargs):
        monkeypatch.setattr(Replies, "start", real_start)
        raise RuntimeError("a fault of the server's own")

    monkeypatch.setattr(Replies, "start", failing_once)

    frame = await answered_and_alive(communicator, '{"type": "ask", "question": "q"}')

    assert (frame["type"], frame["code"], frame["reply"]) == ("error", "server_error", None)
    assert "a fault" not in frame["message"]
    await communicator.disconnect()


async def test_an_answer_containing_nul_is_saved_and_shown_exactly(upstream):
    chunks = ["before", "\x00", "after \x00\x00 end"]
    upstream.will_answer(Script(chunks=chunks, reasoning=["think\x00ing"]))
    session = await new_session()
    communicator = await connect(session)
    await ask(communicator, "q")
    live = await receive_reply(communicator)
    await communicator.disconnect()
    await asyncio.wait_for(get_replies().until_idle(), 10)
    await get_replies().log.forget(live[0]["reply"])

    again = await connect(session)
    await again.send_json_to({"type": "resume", "reply": live[0]["reply"], "after": -1})
    replayed = await receive_reply(again)

    assert live[-1]["type"] == "done"
    assert text_of(live) == text_of(replayed) == "".join(chunks)
    assert replayed[-1] == live[-1]
    assert (live[-1]["text"], live[-1]["reasoning"]) == ("".join(chunks), "think\x00ing")
    turn = await find_turn(live[0]["reply"])
    assert (turn.status, turn.answer) == ("done", "".join(chunks))
    await again.disconnect()


# -- what visitors see of the backend ------------------------------------------------------

SECRET = "pw-not-for-visitors"


def without_secrets(frames: list[dict]) -> bool:
    return not any(SECRET in json.dumps(frame) for frame in frames)


async def test_a_base_url_with_credentials_is_shown_to_visitors_as_its_host_alone(
    upstream, settings
):
    settings.STREAMDEMO_BASE_URL = f"http://alice:{SECRET}@127.0.0.1:{upstream.port}/v1"
    communicator = await connect()

    await ask(communicator, "q")
    frames = await receive_reply(communicator)

    assert frames[-1]["type"] == "done"
    assert frames[0]["provider"] == frames[-1]["provider"] == upstream.label
    assert without_secrets(frames)
    await communicator.disconnect()


async def test_a_key_the_backend_echoes_in_its_error_is_hidden_from_visitors_and_the_log(
    upstream, settings, caplog
):
    settings.STREAMDEMO_API_KEY = f"sk-{SECRET}"
    upstream.will_answer(Script(fault="echo_credentials"))
    communicator = await connect()

    await ask(communicator, "q")
    frames = await receive_reply(communicator)

    assert frames[-1]["code"] == "auth_failed"
    assert "the credentials Bearer [hidden] are not valid here" in frames[-1]["message"]
    assert without_secrets(frames)
    assert "the credentials Bearer [hidden]" in caplog.text
    assert SECRET not in caplog.text
    await communicator.disconnect()


async def test_a_password_the_backend_echoes_as_basic_credentials_is_hidden_from_visitors(
    upstream, settings
):
    settings.STREAMDEMO_BASE_URL = upstream.base_url.replace("//", f"//alice:{SECRET}@")
    upstream.will_answer(Script(fault="echo_credentials"))
    communicator = await connect()

    await ask(communicator, "q")
    frames = await receive_reply(communicator)

    basic = base64.b64encode(f"alice:{SECRET}".encode()).decode()
    assert upstream.exchanges[0].headers["Authorization"] == f"Basic {basic}"
    assert "the credentials Basic [hidden] are not valid here" in frames[-1]["message"]
    assert basic not in json.dumps(frames)
    await communicator.disconnect()


async def test_a_label_named_in_the_settings_is_what_visitors_see(upstream, settings):
    settings.STREAMDEMO_BACKEND_LABEL = "Our own model"
    upstream.will_answer(Script(fault="http_500"))
    communicator = await connect()

    await ask(communicator, "q")
    frames = await receive_reply(communicator)

    assert frames[0]["provider"] == frames[-1]["provider"] == "Our own model"
    assert frames[-1]["message"].startswith("Our own model: the backend failed (HTTP 500)")
    assert str(upstream.port) not in json.dumps(frames)
    await communicator.disconnect()


# -- flow control: what a socket may leave unread ---------------------------------------------


async def receive_text(communicator: WebsocketCommunicator) -> str:
    return await communicator.receive_from(timeout=5)


async def test_a_socket_that_never_acks_is_sent_a_window_while_the_reply_completes(
    upstream, settings
):
    settings.STREAMDEMO_SOCKET_WINDOW_BYTES = 16 * 1024
    chunks = [f"{n:03} " + "word " * 199 for n in range(40)]  # 40 KB
    answer = "".join(chunks)
    upstream.will_answer(Script(chunks=chunks))
    session = await new_session()
    idle = await connect(session)
    await ask(idle, "Say a lot")

    # Frames come until a window's worth is out, and then no more.
    sent = [await receive_text(idle)]
    while sum(map(len, sent)) < settings.STREAMDEMO_SOCKET_WINDOW_BYTES:
        sent.append(await receive_text(idle))
    await get_replies().until_idle()
    assert await idle.receive_nothing(timeout=0.2)
    paused = [json.loads(text) for text in sent]
    assert all(frame["type"] in ("start", "delta") for frame in paused)
    before = text_of(paused)
    assert answer.startswith(before)
    assert before != answer

    # The reply ran on without it: another socket gets it whole.
    reader = await connect(session)
    reply = paused[0]["reply"]
    await reader.send_json_to({"type": "resume", "reply": reply, "after": -1, "render": False})
    whole = await receive_acknowledging(reader)
    assert (text_of(whole), whole[-1]["type"]) == (answer, "done")

    # An ack, and the first socket goes on exactly where it was.
    await idle.send_json_to({"type": "ack", "frames": len(sent)})
    rest = await receive_acknowledging(idle, received=len(sent))
    assert before + text_of(rest) == answer
    deltas = [frame["seq"] for frame in paused + rest if frame["type"] == "delta"]
    assert deltas == sorted(set(deltas))
    assert deltas[-1] == len(chunks) - 1
    assert rest[-1] == whole[-1]
    await idle.disconnect()
    await reader.disconnect()


async def receive_acknowledging(communicator, received: int = 0) -> list[dict]:
    """A reply's frames, each acknowledged as soon as it arrives."""
    frames = [await receive(communicator)]
    while frames[-1]["type"] not in ("done", "error"):
        await communicator.send_json_to({"type": "ack", "frames": received + len(frames)})
        frames.append(await receive(communicator))
    return frames


@pytest.mark.parametrize(
    ("frames", "says"),
    [
        ("1", "must be the number of frames"),
        (1.0, "must be the number of frames"),
        (True, "must be the number of frames"),
        (-1, "must be the number of frames"),
        (None, "must be the number of frames"),
        (2, "this socket has sent 1"),
        (0, "1 were acknowledged already"),
    ],
)
async def test_an_ack_that_cannot_be_true_gets_an_error_and_the_socket_goes_on(
    upstream, frames, says
):
    communicator = await connect()
    await communicator.send_json_to({"type": "dance"})
    await receive(communicator)
    await communicator.send_json_to({"type": "ack", "frames": 1})  # true: one frame so far

    await communicator.send_json_to({"type": "ack", "frames": frames})
    refused = await receive(communicator)
    await ask(communicator, "still there?")
    after = await receive_reply(communicator)

    assert (refused["type"], refused["reply"], refused["code"]) == ("error", None, "invalid_ack")
    assert says in refused["message"]
    assert (after[-1]["type"], text_of(after)) == ("done", "Hello, world!")
    await communicator.disconnect()


async def test_a_client_that_reads_is_answered_however_far_behind_its_acks_are(upstream, settings):
    settings.STREAMDEMO_SOCKET_WINDOW_BYTES = 1024
    communicator = await connect()

    answers = []
    for _ in range(40):  # about eight windows' worth of refusals, never acknowledged
        await communicator.send_to(text_data="not json")
        answers.append(await receive(communicator))

    assert {answer["code"] for answer in answers} == {"invalid_json"}
    await communicator.send_json_to({"type": "ack", "frames": len(answers)})
    await ask(communicator, "still there?")
    assert text_of(await receive_reply(communicator)) == "Hello, world!"
