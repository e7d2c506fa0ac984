import pytest

from telemetry import MovingStats, RateCounter, RingBuffer


def test_overwrites_oldest():
    buf = RingBuffer(3)
    buf.extend([1, 2, 3, 4, 5])
    assert buf.to_list() == [3, 4, 5] and buf.full and len(buf) == 3
    assert (buf.oldest(), buf.newest()) == (3, 5)


def test_latest_one_and_empty():
    buf = RingBuffer(4)
    assert buf.latest(3) == []
    buf.extend([1, 2])
    assert buf.latest(1) == [2]
    with pytest.raises(IndexError):
        RingBuffer(2).oldest()


def test_moving_stats():
    s = MovingStats(3)
    for v in (10, 20, 30, 40):
        s.add(v)
    assert s.mean() == 30 and s.minimum() == 20 and s.maximum() == 40
    assert s.stdev() == 10


def test_rate_counter():
    clock = type("C", (), {"t": 0.0, "__call__": lambda self: self.t})()
    rc = RateCounter(window_seconds=10, clock=clock)
    rc.mark(5)
    clock.t = 5
    rc.mark(5)
    clock.t = 12
    assert rc.count() == 5 and rc.rate() == 0.5


def test_percent_over_and_resized():
    from telemetry.buffers import percent_over, resized

    buf = RingBuffer(4)
    buf.extend([100, 250, 300, 90])
    assert percent_over(buf, 200) == 50.0 and percent_over(RingBuffer(2), 1) == 0.0
    assert resized(buf, 2).to_list() == [300, 90]
