"""The limits of one process: token buckets refill with time, and the table of them keeps only
the visitors seen lately, however many there have been."""

from chat.limits import Visitor
from chat.limits.memory_limits import MemoryLimits
from chat.token_buckets import SWEEP_SIZE


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def limits_at(clock: Clock) -> MemoryLimits:
    limits = MemoryLimits()
    limits.clock = clock
    return limits


async def test_a_burst_is_allowed_then_refused_until_tokens_refill(settings):
    settings.STREAMDEMO_ASK_BURST = 3
    settings.STREAMDEMO_ASKS_PER_MINUTE = 60
    clock = Clock()
    limits = limits_at(clock)
    visitor = Visitor("s" * 32, "192.0.2.1")

    burst = [await limits.allow("ask", visitor) for _ in range(4)]
    clock.now += 1.0
    refilled = [await limits.allow("ask", visitor) for _ in range(2)]

    assert burst == [True, True, True, False]
    assert refilled == [True, False]


async def test_tokens_never_exceed_the_burst(settings):
    settings.STREAMDEMO_ASK_BURST = 2
    clock = Clock()
    limits = limits_at(clock)
    visitor = Visitor("s" * 32, "192.0.2.1")
    clock.now += 3600

    assert [await limits.allow("ask", visitor) for _ in range(3)] == [True, True, False]


async def test_the_table_forgets_visitors_whose_allowance_is_whole_again(settings):
    clock = Clock()
    limits = limits_at(clock)
    for number in range(3 * SWEEP_SIZE):
        await limits.allow("resume", Visitor(None, f"10.0.{number // 256}.{number % 256}"))
        clock.now += 1.0  # each visitor's allowance is whole again minutes later

    assert len(limits._tokens) < SWEEP_SIZE
