"""The load client's side of the app's protocol: acks by what arrived, chunks by stamps."""

import json

from bench.streams import StreamResult
from bench.ws_frames import ACK_EVERY_CHARS, FlowControl, ask_frame, read_frame


def frame(**fields):
    return json.dumps(fields)


def test_an_ack_goes_out_once_64_kib_has_arrived_since_the_last():
    flow = FlowControl()
    piece = "x" * (ACK_EVERY_CHARS // 4)

    sent = [flow.received(piece) for _ in range(9)]

    assert [json.loads(ack) if ack else None for ack in sent] == [
        None,
        None,
        None,
        {"type": "ack", "frames": 4},
        None,
        None,
        None,
        {"type": "ack", "frames": 8},
        None,
    ]


def test_the_ack_counts_every_frame_of_the_socket_small_or_large():
    flow = FlowControl()

    assert flow.received("{}") is None
    assert json.loads(flow.received("y" * ACK_EVERY_CHARS)) == {"type": "ack", "frames": 2}


def test_the_ask_carries_the_system_s_own_fields():
    assert json.loads(ask_frame("hi", {"render": False})) == {
        "type": "ask",
        "question": "hi",
        "render": False,
    }


def test_a_delta_carrying_several_chunks_counts_each_by_its_stamp():
    result = StreamResult()

    ended = read_frame(
        frame(type="delta", reply="r", seq=2, content="@100:aa@200:bb@300:cc"), 1000, result, None
    )

    assert not ended
    assert result.latencies_ns == [900, 800, 700]
    assert result.text_frames == 1


def test_html_frames_are_received_not_counted_as_chunks():
    result = StreamResult()
    html = frame(type="html", reply="r", upto=3, **{"from": 2}, html="<p>@100:aa</p>")

    assert not read_frame(html, 1000, result, FlowControl())

    assert result.chunks == 0
    assert result.received_chars == len(html)


def test_done_ends_the_answer():
    result = StreamResult()

    assert read_frame(frame(type="done", reply="r", finish_reason="stop"), 1, result, None)
    assert result.ended
    assert result.failure is None


def test_an_error_of_the_reply_fails_the_stream():
    result = StreamResult()

    assert read_frame(frame(type="error", reply="r", code="upstream", message="x"), 1, result, None)
    assert result.failure == "upstream: x"


def test_an_error_without_a_reply_before_any_ack_is_the_ask_refused():
    result = StreamResult()
    refusal = frame(type="error", reply=None, code="busy", message="wait")

    assert read_frame(refusal, 1, result, FlowControl())
    assert result.failure == "busy: wait"


def test_an_error_without_a_reply_after_an_ack_is_the_ack_s_answer_and_ignored():
    flow = FlowControl()
    flow.received("z" * ACK_EVERY_CHARS)
    result = StreamResult()
    answer = frame(type="error", reply=None, code="unknown_type", message="what is ack?")

    assert not read_frame(answer, 1, result, flow)
    assert not read_frame(answer, 2, result, flow)

    assert result.failure is None
    assert result.ignored_errors == 2


def test_without_flow_control_no_error_is_ignored():
    result = StreamResult()

    assert read_frame(frame(type="error", reply=None, code="x", message="y"), 1, result, None)
    assert result.ignored_errors == 0
