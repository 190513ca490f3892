"""Following a reply: one socket's frames, from the index it has, through the live tail."""

import asyncio
import uuid

from chat.endings import Ending
from chat.replies.following import FRAME_CHARS, Follower
from chat.replies.log import Delta
from chat.replies.memory_log import MemoryReplyLog
from tests.support.replies import reply_info


async def opened_log() -> tuple[MemoryReplyLog, str]:
    log, reply = MemoryReplyLog(), uuid.uuid4().hex
    await log.open(reply_info(reply))
    return log, reply


async def test_a_follower_sends_the_start_then_the_waiting_pieces_joined_then_the_final_frame():
    log, reply = await opened_log()
    frames: list[dict] = []

    async def send(frame):
        frames.append(frame)

    await log.append(reply, Delta(0, "Hmm", reasoning=True))
    await log.append(reply, Delta(1, "Hel"))
    await log.append(reply, Delta(2, "lo"))
    await log.close(reply, Ending(status="done", text="Hello", reasoning="Hmm", model="m"))
    follower = Follower(log, reply, -1, False, send)
    await follower.run()

    # Waiting in the log, consecutive pieces of one kind go in one frame: its seq, the last's.
    assert [(f["type"], f.get("seq"), f.get("content")) for f in frames] == [
        ("start", None, None),
        ("reasoning", 0, "Hmm"),
        ("delta", 2, "Hello"),
        ("done", None, None),
    ]
    assert (frames[0]["question"], frames[-1]["text"]) == ("question?", "Hello")
    assert follower.ended
    assert follower.finished.is_set()


async def test_a_follower_sends_only_the_pieces_after_the_index_the_socket_has():
    log, reply = await opened_log()
    frames: list[dict] = []

    async def send(frame):
        frames.append(frame)

    for seq, piece in enumerate(["a", "b", "c"]):
        await log.append(reply, Delta(seq, piece))
    await log.close(reply, Ending(status="done", text="abc", model="m"))
    await Follower(log, reply, 1, False, send).run()

    assert [(f["type"], f.get("seq")) for f in frames] == [
        ("start", None),
        ("delta", 2),
        ("done", None),
    ]


async def test_a_follower_sends_each_live_piece_as_it_is_logged():
    log, reply = await opened_log()
    received: asyncio.Queue[dict] = asyncio.Queue()
    await log.append(reply, Delta(0, "first"))
    follower = asyncio.create_task(Follower(log, reply, -1, False, received.put).run())
    try:
        assert (await received.get())["type"] == "start"
        assert (await received.get())["content"] == "first"
        # The next piece does not exist yet: the follower waits for it, then sends it alone.
        assert received.empty()
        await log.append(reply, Delta(1, "second"))
        assert (await received.get())["content"] == "second"
        await log.close(reply, Ending(status="done", text="firstsecond", model="m"))
        assert (await received.get())["type"] == "done"
        await follower
    finally:
        follower.cancel()


async def test_a_follower_cut_off_before_the_end_is_finished_but_not_ended():
    log, reply = await opened_log()
    received: asyncio.Queue[dict] = asyncio.Queue()
    await log.append(reply, Delta(0, "first"))
    follower = Follower(log, reply, -1, False, received.put)
    task = asyncio.create_task(follower.run())
    await received.get()
    await received.get()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)

    assert follower.finished.is_set()
    assert not follower.ended


async def test_pieces_joined_go_in_frames_of_at_most_64_kib_each_resumable_after_any():
    log, reply = await opened_log()
    pieces = [f"{seq:04}" + "x" * 996 for seq in range(200)]  # 200 KB
    for seq, piece in enumerate(pieces):
        await log.append(reply, Delta(seq, piece))
    await log.close(reply, Ending(status="done", text="".join(pieces), model="m"))

    async def deltas_after(after: int) -> list[dict]:
        frames: list[dict] = []

        async def send(frame):
            frames.append(frame)

        await Follower(log, reply, after, False, send).run()
        return [frame for frame in frames if frame["type"] == "delta"]

    whole = await deltas_after(-1)
    assert "".join(frame["content"] for frame in whole) == "".join(pieces)
    assert all(len(frame["content"]) <= FRAME_CHARS for frame in whole)
    assert [frame["seq"] for frame in whole] == [64, 129, 194, 199]
    # Each frame's seq is the last piece it carries: a resume after it continues exactly.
    rest = await deltas_after(whole[1]["seq"])
    assert "".join(frame["content"] for frame in rest) == "".join(pieces[130:])


async def test_a_resume_with_rendering_renders_the_whole_answer_and_sends_only_the_rest():
    log, reply = await opened_log()
    pieces = ["# Title", "\n\nFirst ", "**bold**", " and", " more."]
    for seq, piece in enumerate(pieces):
        await log.append(reply, Delta(seq, piece))
    await log.close(reply, Ending(status="done", text="".join(pieces), model="m"))
    frames: list[dict] = []

    async def send(frame):
        frames.append(frame)

    await Follower(log, reply, 2, True, send).run()

    deltas = [frame for frame in frames if frame["type"] == "delta"]
    assert [(frame["seq"], frame["content"]) for frame in deltas] == [(4, " and more.")]
    rendering = [frame for frame in frames if frame["type"] == "html"][-1]
    assert rendering["upto"] == 4
    assert "<h1>Title</h1>" in rendering["html"]
    assert "<strong>bold</strong> and more." in rendering["html"]
