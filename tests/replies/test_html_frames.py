"""The `html` frames a following socket gets: when renderings go out, and what they carry."""

import asyncio
import itertools
import threading
import time
import uuid

from chat.endings import Ending
from chat.replies import html_frames
from chat.replies.following import Follower
from chat.replies.html_frames import RENDER_SPACING
from chat.replies.log import Delta
from chat.replies.memory_log import MemoryReplyLog
from tests.support.replies import reply_info

RENDERING_TAKES = 0.02


async def test_a_slow_rendering_waits_ten_times_its_duration_before_the_next(monkeypatch, settings):
    settings.STREAMDEMO_RENDER_INTERVAL = 0.01

    def slow_render(text: str) -> str:
        time.sleep(RENDERING_TAKES)  # what rendering a long answer costs, in miniature
        return f"<p>{len(text)}</p>"

    monkeypatch.setattr(html_frames, "render_markdown", slow_render)
    log, reply = MemoryReplyLog(), uuid.uuid4().hex
    await log.open(reply_info(reply))
    frames = []

    async def send(frame):
        frames.append((time.monotonic(), frame))

    began = time.monotonic()
    follower = asyncio.create_task(Follower(log, reply, -1, True, send).run())
    for seq in range(40):
        await log.append(reply, Delta(seq, "x"))
        await asyncio.sleep(0.01)  # a paced upstream
    await log.close(reply, Ending(status="done", text="", model="m"))
    await follower

    renderings = [(at, frame) for at, frame in frames if frame["type"] == "html"]
    assert renderings[-1][1]["upto"] == 39
    assert renderings[-1][1]["html"] == "<p>40</p>"
    # Each rendering took at least RENDERING_TAKES; the interval setting alone would allow one
    # every 0.03 s. During the stream, they came no closer than ten times that.
    during = [at for at, _ in renderings[:-1]]
    gaps = [later - earlier for earlier, later in itertools.pairwise(during)]
    assert during, "the answer was rendered while it streamed"
    assert all(gap >= RENDER_SPACING * RENDERING_TAKES for gap in gaps)
    assert len(during) <= (time.monotonic() - began) / (RENDER_SPACING * RENDERING_TAKES) + 1


async def test_deltas_keep_coming_while_a_long_answer_renders(monkeypatch, settings):
    settings.STREAMDEMO_RENDER_INTERVAL = 0.01
    rendering, finish_rendering = threading.Event(), threading.Event()

    def held_render(text: str) -> str:
        rendering.set()
        finish_rendering.wait(10)  # a long answer, rendered off the event loop
        return "<p>long</p>"

    monkeypatch.setattr(html_frames, "render_markdown", held_render)
    log, reply = MemoryReplyLog(), uuid.uuid4().hex
    await log.open(reply_info(reply))
    frames: asyncio.Queue = asyncio.Queue()
    follower = asyncio.create_task(Follower(log, reply, -1, True, frames.put).run())
    try:
        await log.append(reply, Delta(0, "x" * 5000))
        assert (await frames.get())["type"] == "start"
        assert (await frames.get())["seq"] == 0
        await asyncio.to_thread(rendering.wait, 10)

        await log.append(reply, Delta(1, " more"))
        arrived = await asyncio.wait_for(frames.get(), 5)
    finally:
        finish_rendering.set()
    await log.close(reply, Ending(status="done", text="", model="m"))
    await follower
    rest = [frames.get_nowait() for _ in range(frames.qsize())]

    assert (arrived["type"], arrived["seq"]) == ("delta", 1)
    assert [frame["type"] for frame in rest] == ["html", "html", "done"]
    assert rest[-2]["upto"] == 1


async def opened_log() -> tuple[MemoryReplyLog, str]:
    log, reply = MemoryReplyLog(), uuid.uuid4().hex
    await log.open(reply_info(reply))
    return log, reply


async def test_html_frames_carry_the_rendered_answer_up_to_a_seq_before_the_final_frame():
    log, reply = await opened_log()
    for seq, content in enumerate(["**bold**", " and `code`"]):
        await log.append(reply, Delta(seq, content))
    await log.close(reply, Ending(status="done", text="**bold** and `code`", model="m"))
    frames = []

    async def send(frame):
        frames.append(frame)

    await Follower(log, reply, -1, True, send).run()

    assert [f["seq"] for f in frames if f["type"] == "delta"] == [1]  # both pieces, joined
    last = [f for f in frames if f["type"] == "html"][-1]
    assert last["upto"] == 1
    assert "<strong>bold</strong>" in last["html"]
    assert "<code>code</code>" in last["html"]
    assert [f["type"] for f in frames[-2:]] == ["html", "done"]


async def test_html_frames_name_the_seq_of_the_answer_after_thinking_pieces():
    log, reply = await opened_log()
    await log.append(reply, Delta(0, "Hmm.", reasoning=True))
    await log.append(reply, Delta(1, " Yes.", reasoning=True))
    await log.append(reply, Delta(2, "**Sure**"))
    await log.close(reply, Ending(status="done", text="**Sure**", model="m"))
    frames = []

    async def send(frame):
        frames.append(frame)

    await Follower(log, reply, -1, True, send).run()

    # The thinking and the answer share one sequence: the rendering covers the answer to seq 2.
    last = [f for f in frames if f["type"] == "html"][-1]
    assert last["upto"] == 2
    assert "<strong>Sure</strong>" in last["html"]
    assert "Hmm" not in last["html"]


async def test_text_that_came_before_a_pause_is_rendered_during_the_pause(settings):
    settings.STREAMDEMO_RENDER_INTERVAL = 0.05
    log, reply = await opened_log()
    frames: asyncio.Queue = asyncio.Queue()
    follower = asyncio.create_task(Follower(log, reply, -1, True, frames.put).run())

    await log.append(reply, Delta(0, "# Title"))
    first = [await asyncio.wait_for(frames.get(), 5) for _ in range(3)]
    await log.append(reply, Delta(1, "\n\n```python\nprint(1)"))
    # Nothing more comes: the upstream has paused, and the log has no end yet.
    then = [await asyncio.wait_for(frames.get(), 5) for _ in range(2)]
    await log.close(reply, Ending(status="done", text="", model="m"))
    await follower

    assert [(f["type"], f.get("upto")) for f in first] == [
        ("start", None),
        ("delta", None),
        ("html", 0),
    ]
    assert [(f["type"], f.get("upto")) for f in then] == [("delta", None), ("html", 1)]
    assert "<pre" in then[1]["html"]
