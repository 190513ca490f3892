from chat.rate_limit import TokenBucket


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_a_burst_is_allowed_then_refused_until_tokens_refill():
    clock = Clock()
    bucket = TokenBucket(per_minute=60, burst=3, clock=clock)

    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.now += 1.0
    assert bucket.take() is True
    assert bucket.take() is False


def test_tokens_never_exceed_the_burst():
    clock = Clock()
    bucket = TokenBucket(per_minute=60, burst=2, clock=clock)
    clock.now += 3600

    assert [bucket.take() for _ in range(3)] == [True, True, False]
