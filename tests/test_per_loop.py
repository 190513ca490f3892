"""One object per event loop: the same within a loop, another in the next."""

import asyncio

from chat.per_loop import PerLoop


def test_each_loop_has_its_own_object_and_a_closed_loops_is_let_go():
    made = []
    objects = PerLoop(lambda: made.append(object()) or made[-1])

    async def twice():
        return objects.get(), objects.get()

    first = asyncio.run(twice())
    second = asyncio.run(twice())

    assert first[0] is first[1]
    assert second[0] is second[1]
    assert first[0] is not second[0]
    assert len(made) == 2
    assert objects.all() == []  # both loops have closed
