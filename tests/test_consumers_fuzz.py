"""Whatever a client sends, the consumer answers in its protocol and stays usable.

Hypothesis throws sequences of arbitrary text frames at one socket: text that is not JSON,
JSON of every shape, and objects that look almost like commands. The socket must stay open,
every frame it sends must be a protocol frame, and a well-formed ask afterwards must still
stream to `done`.
"""

import asyncio
import json
import uuid
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.support.websocket import connect

pytestmark = pytest.mark.django_db(transaction=True)

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
fields = scalars | json_values

# Objects that get past the first checks: a known type, then fields of every type and value.
asks = st.fixed_dictionaries(
    {"type": st.just("ask"), "question": st.text(max_size=40) | fields},
    optional={
        "model": st.sampled_from(["gpt-4", "other-model", ""]) | fields,
        "provider": fields,
        "conversation": fields,
        "regenerate": fields,
        "render": fields,
    },
)
other_commands = st.fixed_dictionaries(
    {"type": st.sampled_from(["stop", "resume"]) | fields},
    optional={"reply": st.text(max_size=32) | fields, "after": fields, "render": fields},
)

# And commands that are right, so the others also land while a reply streams.
good_commands = st.fixed_dictionaries(
    {"type": st.just("ask"), "question": st.text(min_size=1, max_size=40).filter(str.strip)},
    optional={"model": st.sampled_from(["gpt-4", "other-model"])},
) | st.just({"type": "stop"})

frames = st.one_of(
    st.text(max_size=200),
    json_values.map(json.dumps),
    asks.map(json.dumps),
    other_commands.map(json.dumps),
    good_commands.map(json.dumps),
)

# What each kind of server frame must carry, and of what type.
REQUIRED = {
    "start": {"reply": str, "model": str},
    "delta": {"reply": str, "seq": int, "content": str},
    "html": {"reply": str, "upto": int, "html": str},
    "done": {"reply": str, "finish_reason": str},
    "error": {"code": str, "message": str},
}


def assert_protocol_frame(text: str) -> dict[str, Any]:
    frame = json.loads(text)
    assert isinstance(frame, dict), text
    assert frame.get("type") in REQUIRED, text
    for key, kind in REQUIRED[frame["type"]].items():
        assert isinstance(frame.get(key), kind), text
    if frame["type"] == "start":
        assert frame.get("provider") is None or isinstance(frame["provider"], str), text
    if frame["type"] == "delta":
        assert frame["seq"] >= 0, text
        assert frame["content"], text
    if frame["type"] == "done":
        assert frame["finish_reason"] in ("stop", "length", "stopped"), text
    if frame["type"] == "error":
        assert frame.get("reply") is None or isinstance(frame["reply"], str), text
        assert frame["code"], text
        assert frame["message"], text
    return frame


async def receive_checked(communicator: WebsocketCommunicator) -> dict[str, Any]:
    """The next frame, checked; fails if the socket closed or the consumer died."""
    frame = asyncio.ensure_future(communicator.receive_from(timeout=5))
    # A consumer that raised sends nothing more: fail now rather than at the timeout.
    await asyncio.wait({frame, communicator.future}, return_when=asyncio.FIRST_COMPLETED)
    if not frame.done():
        frame.cancel()
        communicator.future.result()
        raise AssertionError("the consumer ended")
    return assert_protocol_frame(frame.result())


async def throw(thrown: list[str]) -> list[dict[str, Any]]:
    """Send `thrown`, then ask properly; the frames of that last reply."""
    communicator = await connect()
    for text in thrown:
        # Straight to the consumer: `send_to` will not send an empty frame, a browser will.
        await communicator.send_input({"type": "websocket.receive", "text": text})
    # Frames are read in order, so the error for this unknown type comes after every
    # answer the consumer gave straight away to the frames thrown.
    marker = f"end-of-fuzz-{uuid.uuid4().hex}"
    await communicator.send_json_to({"type": marker})
    while marker not in (await receive_checked(communicator)).get("message", ""):
        pass
    reply = await ask_until_answered(communicator, f"well-formed {marker}")
    await communicator.disconnect()
    return reply


async def ask_until_answered(communicator: WebsocketCommunicator, question: str) -> list[dict]:
    """Ask as the page does: if a reply asked before still streams, wait for it, then ask again.

    Returns the frames of the reply to `question`, from its `start` to its end.
    """
    await communicator.send_json_to({"type": "ask", "question": question})
    frames: list[dict[str, Any]] = []
    waiting = False
    while True:
        frame = await receive_checked(communicator)
        if frames:
            if frame.get("reply") == frames[0]["reply"]:
                frames.append(frame)
                if frame["type"] in ("done", "error"):
                    return frames
        elif frame["type"] == "start" and frame.get("question") == question:
            frames.append(frame)
        elif frame["type"] == "error" and frame["code"] == "busy":
            waiting = True
        elif waiting and frame["type"] in ("done", "error") and frame.get("reply"):
            waiting = False
            await communicator.send_json_to({"type": "ask", "question": question})


@hypothesis_settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(thrown=st.lists(frames, min_size=1, max_size=6))
def test_arbitrary_frames_get_protocol_answers_and_a_good_ask_still_streams(
    upstream, settings, thrown
):
    # Asks among the random frames must not use up the allowance of the well-formed one.
    settings.STREAMDEMO_ASK_BURST = 1000

    reply = asyncio.run(throw(thrown))

    assert reply[-1]["type"] == "done"
    assert "".join(f["content"] for f in reply if f["type"] == "delta") == "Hello, world!"
