"""The `html` frames a following socket gets: when renderings go out, and what they carry."""

import asyncio
import itertools
import threading
import time
import uuid
from html.parser import HTMLParser

import pytest

from chat.endings import Ending
from chat.rendering import blocks, live, render_markdown
from chat.replies.following import Follower
from chat.replies.log import Delta
from chat.replies.memory_log import MemoryReplyLog
from tests.support.replies import reply_info


async def opened_log() -> tuple[MemoryReplyLog, str]:
    log, reply = MemoryReplyLog(), uuid.uuid4().hex
    await log.open(reply_info(reply))
    return log, reply


async def followed_live() -> tuple[MemoryReplyLog, str, asyncio.Task, asyncio.Queue]:
    """A reply's log, a follower asking for html frames, and the frames it sends as they go."""
    log, reply = await opened_log()
    frames: asyncio.Queue = asyncio.Queue()
    follower = asyncio.create_task(Follower(log, reply, -1, True, frames.put).run())
    return log, reply, follower, frames


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
    log, reply, follower, frames = await followed_live()

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


@pytest.mark.parametrize(
    "costly",
    # Rendering that costs: the pause's rendering waits ten times that, past PAUSE, and is
    # made then.
    [None, 0.08],
    ids=["cheap", "after-a-costly-rendering"],
)
async def test_a_little_more_text_after_all_was_rendered_is_rendered_when_the_stream_pauses(
    monkeypatch, settings, costly
):
    settings.STREAMDEMO_RENDER_INTERVAL = 0.05
    if costly:
        region = live.render_region

        def costing(text, **options):
            time.sleep(costly)
            return region(text, **options)

        monkeypatch.setattr(live, "render_region", costing)
    log, reply, follower, frames = await followed_live()
    await log.append(reply, Delta(0, "A paragraph of some length, rendered whole"))
    first = [await asyncio.wait_for(frames.get(), 5) for _ in range(3)]

    # Too little for the shared rendering to be made again at once, then nothing more comes.
    await log.append(reply, Delta(1, " *and*"))
    then = [await asyncio.wait_for(frames.get(), 5) for _ in range(2)]
    await log.close(reply, Ending(status="done", text="", model="m"))
    await follower

    assert [f["type"] for f in first] == ["start", "delta", "html"]
    assert [(f["type"], f.get("upto")) for f in then] == [("delta", None), ("html", 1)]
    assert "<em>and</em>" in then[1]["html"]


async def test_deltas_keep_coming_while_a_long_answer_renders(monkeypatch, settings):
    settings.STREAMDEMO_RENDER_INTERVAL = 0.01
    settings.STREAMDEMO_RENDER_PROCESS = False
    rendering, finish_rendering = threading.Event(), threading.Event()

    def held_render(text, **options):
        rendering.set()
        finish_rendering.wait(10)  # a long answer, rendered off the event loop
        return blocks.render_region(text, **options)

    monkeypatch.setattr(live, "render_region", held_render)
    log, reply = await opened_log()
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
    assert (rest[0]["upto"], rest[1]["upto"]) == (0, 1)


ANSWER = [
    "# Plan\n\nFirst, *install*:\n\n",
    "```bash\npip install x\n",
    "pip install y\n```\n\n- one\n",
    "- two\n\n| a | b |\n|---|---|\n",
    "| 1 | 2 |\n| 3 | 4 |\n\nDone.",
]


def top_level_elements(html: str) -> list[str]:
    """`html` cut before each of its top-level elements (text between goes with the one before)."""

    class Cuts(HTMLParser):
        depth = 0
        cuts: list[int] = []

        def handle_starttag(self, tag, attrs):
            if self.depth == 0:
                line, column = self.getpos()
                self.cuts.append(sum(map(len, html.splitlines(True)[: line - 1])) + column)
            if tag not in ("br", "hr"):
                self.depth += 1

        def handle_endtag(self, tag):
            self.depth -= 1

    cuts = Cuts()
    cuts.cuts = []
    cuts.feed(html)
    bounds = [*cuts.cuts[1:], len(html)]
    return (
        [html[: bounds[0]], *(html[a:b] for a, b in itertools.pairwise(bounds))]
        if cuts.cuts
        else []
    )


def apply(shown: str, frame: dict) -> str:
    """What a client that understands `from` shows after `frame`."""
    return "".join(top_level_elements(shown)[: frame["from"]]) + frame["html"]


async def test_with_changes_each_frame_carries_the_blocks_after_those_the_client_keeps(settings):
    settings.STREAMDEMO_RENDER_INTERVAL = 0
    log, reply = await opened_log()
    frames: asyncio.Queue = asyncio.Queue()
    follower = asyncio.create_task(Follower(log, reply, -1, "changes", frames.put).run())
    shown, renderings = "", []
    for seq, piece in enumerate(ANSWER):
        await log.append(reply, Delta(seq, piece))
        # Each piece waits for its rendering, as a paced stream would.
        while (frame := await asyncio.wait_for(frames.get(), 5))["type"] != "html":
            pass
        shown = apply(shown, frame)
        renderings.append(frame)
        assert shown == render_markdown("".join(ANSWER[: frame["upto"] + 1]))
    await log.close(reply, Ending(status="done", text="".join(ANSWER), model="m"))
    await follower

    assert [frame["upto"] for frame in renderings] == [0, 1, 2, 3, 4]
    assert renderings[0]["from"] == 0
    # Settled blocks are kept: the last frames carry a fraction of the rendering.
    assert renderings[-1]["from"] >= 4
    assert len(renderings[-1]["html"]) < len(shown) / 2


async def test_without_changes_a_frame_is_the_whole_rendering_without_from():
    log, reply = await opened_log()
    for seq, piece in enumerate(ANSWER):
        await log.append(reply, Delta(seq, piece))
    await log.close(reply, Ending(status="done", text="".join(ANSWER), model="m"))
    frames = []

    async def send(frame):
        frames.append(frame)

    await Follower(log, reply, -1, True, send).run()

    last = [frame for frame in frames if frame["type"] == "html"][-1]
    assert "from" not in last
    assert last["html"] == render_markdown("".join(ANSWER))


async def test_a_second_follower_of_an_ended_reply_renders_nothing_again(monkeypatch, settings):
    settings.STREAMDEMO_RENDER_PROCESS = False
    log, reply = await opened_log()
    for seq, piece in enumerate(ANSWER):
        await log.append(reply, Delta(seq, piece))
    await log.close(reply, Ending(status="done", text="".join(ANSWER), model="m"))
    first, second = [], []

    async def into(frames):
        async def send(frame):
            frames.append(frame)

        return send

    await Follower(log, reply, -1, "changes", await into(first)).run()
    whole = render_markdown("".join(ANSWER))
    rendered = []
    monkeypatch.setattr(live, "render_region", lambda text, **_: rendered.append(text))
    monkeypatch.setattr(live.budget, "whole", lambda text, *_: rendered.append(text))
    await Follower(log, reply, -1, "changes", await into(second)).run()

    assert rendered == []
    assert [f for f in second if f["type"] == "html"] == [
        {"type": "html", "reply": reply, "upto": 4, "html": whole, "from": 0}
    ]


async def test_a_socket_sent_pieces_joined_gets_renderings_only_where_its_own_pieces_end(settings):
    settings.STREAMDEMO_RENDER_INTERVAL = 0
    pieces = ["word " * 200, "more ", "words."]
    log, reply = await opened_log()
    first: asyncio.Queue = asyncio.Queue()
    following = asyncio.create_task(Follower(log, reply, -1, "changes", first.put).run())
    await log.append(reply, Delta(0, pieces[0]))
    while (await asyncio.wait_for(first.get(), 5))["type"] != "html":
        pass
    # The reply's shared rendering stops at piece 0; a little more comes before the next one.
    settings.STREAMDEMO_RENDER_INTERVAL = 60
    for seq, piece in enumerate(pieces[1:], start=1):
        await log.append(reply, Delta(seq, piece))
    # A second socket (a reload) gets everything so far joined in one frame: seq 2.
    second: asyncio.Queue = asyncio.Queue()
    joining = asyncio.create_task(Follower(log, reply, -1, "changes", second.put).run())
    assert (await asyncio.wait_for(second.get(), 5))["type"] == "start"
    joined = await asyncio.wait_for(second.get(), 5)
    await log.close(reply, Ending(status="done", text="".join(pieces), model="m"))
    await asyncio.wait_for(asyncio.gather(following, joining), 10)
    rest = [second.get_nowait() for _ in range(second.qsize())]

    assert (joined["type"], joined["seq"], joined["content"]) == ("delta", 2, "".join(pieces))
    # A rendering of less than the joined piece would leave the page no way to tell the text it
    # renders from the rest: it would show the start of the answer twice.
    assert [frame["upto"] for frame in rest if frame["type"] == "html"] == [2]
    assert rest[-1]["type"] == "done"


async def test_a_rendering_larger_than_daphne_sends_is_not_sent_and_the_reply_still_ends():
    # Shown as plain text past the rendering budget, 300,000 `&` escape to 1.5 MB of `&amp;`.
    text = "&" * 300_000
    log, reply = await opened_log()
    await log.append(reply, Delta(0, text))
    await log.close(reply, Ending(status="done", text=text, model="m"))
    frames = []

    async def send(frame):
        frames.append(frame)

    for render in (True, "changes"):
        frames.clear()
        await Follower(log, reply, -1, render, send).run()

        assert [frame["type"] for frame in frames] == ["start", "delta", "done"]
