"""A reply's shared rendering: each block rendered once, the work in proportion to the answer."""

import asyncio
import functools
import threading

import pytest

from chat.rendering import blocks, budget, live, offloop
from chat.rendering.live import LiveRendering, rendering_of

ALICE = (("session:alice", 2), ("address:10.0.0.1", 20))
BOB = (("session:bob", 2), ("address:10.0.0.2", 20))
ANSWER = "".join(
    f"## Part {n}\n\nSome *text* for part {n}, and `code`.\n\n- one\n- two\n\n"
    f"```python\nprint({n})\n```\n\n| a | b |\n|---|---|\n| {n} | x |\n\n"
    for n in range(40)
)


@pytest.fixture
def rendered(monkeypatch, settings):
    """The characters handed to the block renderer, call by call (in this process)."""
    settings.STREAMDEMO_RENDER_PROCESS = False
    calls: list[int] = []

    def counting(text, **options):
        calls.append(len(text))
        return blocks.render_region(text, **options)

    monkeypatch.setattr(live, "render_region", counting)
    return calls


def cut(text: str, ends: int, begins: int) -> str:
    return text[begins:ends]


async def stream(rendering: LiveRendering, text: str, step: int, *, force: bool = False):
    snapshot = None
    for length in range(step, len(text) + step, step):
        upto = min(length, len(text))
        found = await rendering.at(upto, upto, functools.partial(cut, text, upto), force=force)
        snapshot = found or snapshot
    return snapshot


async def test_an_answer_streamed_a_character_at_a_time_costs_a_few_times_its_length(rendered):
    await stream(LiveRendering(), ANSWER, 1)

    assert sum(rendered) <= 4 * len(ANSWER)


async def test_a_hostile_answer_streamed_in_small_pieces_costs_a_few_times_its_length(rendered):
    hostile = "![" * 2000 + "\n\n" + "[a](" * 1000

    await stream(LiveRendering(), hostile, 7)

    assert sum(rendered) <= 4 * len(hostile)


async def test_the_settled_blocks_and_the_tail_together_render_the_text_so_far():
    rendering = LiveRendering()
    text = ANSWER[:2000]

    snapshot = await stream(rendering, text, 50, force=True)

    assert snapshot.length == len(text)
    assert snapshot.kept > 10
    assert "".join(snapshot.blocks) == budget.render_markdown(text)


async def test_a_second_follower_at_the_same_text_renders_nothing(rendered):
    rendering = LiveRendering()
    first = await stream(rendering, ANSWER, 100)
    before = len(rendered)

    again = await stream(rendering, ANSWER, 100)

    assert len(rendered) == before
    assert again == first


async def test_a_follower_behind_the_newest_rendering_gets_none_until_it_catches_up():
    rendering = LiveRendering()
    await rendering.at(9, 500, lambda begins: ANSWER[begins:500], force=False)

    assert await rendering.at(3, 200, lambda begins: ANSWER[begins:200], force=False) is None


async def test_the_final_rendering_is_made_once_for_every_follower(monkeypatch, settings):
    settings.STREAMDEMO_RENDER_PROCESS = False
    made = []
    whole_part = budget.whole_part

    def counting(text, *limits):
        made.append(text)
        return whole_part(text, *limits)

    monkeypatch.setattr(budget, "whole_part", counting)
    rendering = LiveRendering()

    finals = [await rendering.final(len(ANSWER), lambda begins: ANSWER[begins:]) for _ in range(3)]

    assert made == [ANSWER]
    assert finals[0] == finals[2]
    assert "".join(finals[0]) == budget.render_markdown(ANSWER)


async def test_another_visitors_rendering_goes_between_the_parts_of_a_long_final_one(
    monkeypatch, settings
):
    settings.STREAMDEMO_RENDER_PROCESS = False  # in a thread: the test holds its first part
    monkeypatch.setattr(live, "FINAL_PART_CHARS", len(ANSWER) // 3)
    begun, under_way, first_part = [], threading.Event(), threading.Event()
    whole_part, whole = budget.whole_part, budget.whole

    def held_part(text, limit, block_limit, first, part_chars):
        begun.append(f"alice {first}")
        if first == 0:
            under_way.set()
            first_part.wait(5)
        return whole_part(text, limit, block_limit, first, part_chars)

    def other(text, *limits):
        begun.append("bob")
        return whole(text, *limits)

    monkeypatch.setattr(budget, "whole_part", held_part)
    monkeypatch.setattr(budget, "whole", other)
    alice = asyncio.create_task(
        LiveRendering(ALICE).final(len(ANSWER), lambda begins: ANSWER[begins:])
    )
    assert await asyncio.to_thread(under_way.wait, 5)  # the first part is under way, held
    bob = asyncio.create_task(
        offloop.run(budget.whole, "Bob's *answer*. " * 60, 10**6, 10**6, shares=BOB)
    )
    for _ in range(5):
        await asyncio.sleep(0)  # Bob's rendering waits for its turn
    first_part.set()
    alice_blocks, bob_blocks = await asyncio.gather(alice, bob)

    assert begun[:2] == ["alice 0", "bob"]  # after Alice's first part, not after all of hers
    assert len(begun) > 3
    assert "".join(alice_blocks) == budget.render_markdown(ANSWER)
    assert "<em>answer</em>" in "".join(bob_blocks)


async def test_an_answer_past_the_budget_becomes_plain_text_as_it_streams(settings):
    settings.STREAMDEMO_RENDER_MAX_CHARS = 1000
    rendering = LiveRendering()

    snapshot = await stream(rendering, ANSWER[:3000], 100, force=True)

    assert snapshot.blocks[0].startswith('<pre class="unformatted" data-note="This answer is over')
    assert len(snapshot.blocks) == 1


def test_renderings_kept_are_bounded(monkeypatch):
    monkeypatch.setattr(live, "KEEP_REPLIES", 3)
    first = rendering_of("reply-1")
    for n in range(2, 6):
        rendering_of(f"reply-{n}")

    assert rendering_of("reply-5") is rendering_of("reply-5")
    assert rendering_of("reply-1") is not first


async def test_renderings_kept_are_bounded_by_the_html_they_hold(monkeypatch, settings):
    settings.STREAMDEMO_RENDER_PROCESS = False
    text = ANSWER[:2000]
    first = rendering_of("big-1")
    await first.final(len(text), functools.partial(cut, text, len(text)))
    monkeypatch.setattr(live, "KEEP_CHARS", first.chars + 1)
    second = rendering_of("big-2")
    await second.final(len(text), functools.partial(cut, text, len(text)))

    rendering_of("small")  # a new one: what is kept is measured, and the oldest let go

    assert rendering_of("big-2") is second
    assert rendering_of("big-1") is not first


async def test_a_rendering_let_go_no_longer_counts_in_what_is_kept(monkeypatch, settings):
    settings.STREAMDEMO_RENDER_PROCESS = False
    text = ANSWER[:2000]
    whole = functools.partial(cut, text, len(text))
    monkeypatch.setattr(live, "KEEP_REPLIES", 1)
    gone = rendering_of("let-go")
    kept = rendering_of("kept")  # one reply kept at most: the first is let go
    monkeypatch.setattr(live, "KEEP_REPLIES", 256)
    await gone.final(len(text), whole)  # its follower goes on with it, as it may
    await kept.final(len(text), whole)
    monkeypatch.setattr(live, "KEEP_CHARS", kept.chars * 3 // 2)

    rendering_of("new")  # what is kept: the second and this one, within the bound

    assert rendering_of("kept") is kept


async def test_a_pause_renders_the_text_again_no_sooner_than_ten_times_the_last_rendering(
    monkeypatch, rendered
):
    clock = {"now": 100.0}
    region = live.render_region

    def taking_a_second(text, **options):
        clock["now"] += 1.0  # what rendering a long block costs, on a clock of the test's own
        return region(text, **options)

    monkeypatch.setattr(live.time, "monotonic", lambda: clock["now"])
    monkeypatch.setattr(live, "render_region", taking_a_second)
    rendering, text = LiveRendering(), "x" * 1000
    await rendering.at(0, 900, functools.partial(cut, text, 900), force=False)
    calls = len(rendered)

    clock["now"] += 5
    soon = await rendering.at(1, 910, functools.partial(cut, text, 910), force=True)
    clock["now"] += 5
    later = await rendering.at(2, 920, functools.partial(cut, text, 920), force=True)

    assert soon.length == 900  # the last rendering, not a new one
    assert later.length == 920
    assert len(rendered) == calls + 1
